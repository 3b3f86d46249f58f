"""The direct target: the run's statements in the shop's MariaDB, committed before the run's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.config import Config
from etl.config.shop import DatabaseSettings, ShopSettings
from etl.pipeline.steps.database import DatabaseError
from tests.mariadb import PASSWORD, USER, MariaDB
from tests.shop.helpers import assert_catalog, query, run_catalog, snapshot


@pytest.fixture
def shop(workspace: Config, mariadb: MariaDB, shop_db: str, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The working folder with `shop: database:` naming the test database; the password in the environment."""
    monkeypatch.setenv("ETL_SHOP_DB_PASSWORD", PASSWORD)
    workspace.shop = ShopSettings(database=DatabaseSettings(host="127.0.0.1", port=mariadb.port, user=USER,
                                                            database=shop_db))
    return workspace


def _innodb(mariadb: MariaDB, database: str) -> None:
    for (table,) in query(mariadb, database, "SHOW TABLES"):
        mariadb.client(database=database, sql=f"ALTER TABLE {table} ENGINE=InnoDB")


def test_direct_target_writes_the_catalog_and_a_second_run_changes_nothing(shop: Config, mariadb: MariaDB,
                                                                         shop_db: str) -> None:
    report = run_catalog(shop, "csv")
    assert_catalog(mariadb, shop_db)
    applied = [p for p in report.outputs if p.endswith("_database.sql")]
    assert len(applied) == 1 and Path(applied[0]).read_text(encoding="utf-8").endswith("COMMIT;\n")
    assert any("MyISAM" in note for note in report.notes)
    first = snapshot(mariadb, shop_db)
    run_catalog(shop, "csv", force=True)
    assert snapshot(mariadb, shop_db) == first


def test_an_error_rolls_the_run_back(shop: Config, mariadb: MariaDB, shop_db: str) -> None:
    """InnoDB tables: a statement the database refuses half way leaves no change, and the run publishes nothing."""
    _innodb(mariadb, shop_db)
    mariadb.client(database=shop_db, sql="ALTER TABLE products_description MODIFY products_name VARCHAR(5) NOT NULL")
    before = snapshot(mariadb, shop_db)
    with pytest.raises(DatabaseError, match="rolled back"):
        run_catalog(shop, "csv")
    assert query(mariadb, shop_db, "SELECT COUNT(*) FROM products") == [(0,)]
    after = snapshot(mariadb, shop_db)
    assert {t: rows for t, rows in after.items() if t in before} == before
    assert not list((shop.folder("outbox") / "shop").glob("catalog_*"))
    assert sorted(p.name for p in shop.folder("inbox").iterdir())  # the inputs wait for the next run


def test_require_transactions_refuses_myisam_tables(shop: Config, mariadb: MariaDB, shop_db: str) -> None:
    assert shop.shop.database is not None
    shop.shop.database.transactions = "require"
    with pytest.raises(DatabaseError, match="MyISAM"):
        run_catalog(shop, "csv")
    assert query(mariadb, shop_db, "SELECT COUNT(*) FROM products") == [(0,)]
    _innodb(mariadb, shop_db)
    run_catalog(shop, "csv")
    assert_catalog(mariadb, shop_db)


def test_a_crash_after_the_database_commit_neither_loses_nor_doubles(shop: Config, mariadb: MariaDB, shop_db: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The database committed, the ledger did not: the next run repeats the same statements, which change nothing."""
    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies between the two commits

    with monkeypatch.context() as patched:
        patched.setattr("etl.pipeline.run.commit_run", crash)
        with pytest.raises(KeyboardInterrupt):
            run_catalog(shop, "csv")
    committed = snapshot(mariadb, shop_db)
    assert_catalog(mariadb, shop_db)
    report = run_flow_again(shop)
    assert report.written > 0
    assert snapshot(mariadb, shop_db) == committed


def test_dry_run_checks_but_writes_nothing(shop: Config, mariadb: MariaDB, shop_db: str) -> None:
    run_catalog(shop, "csv", dry_run=True)
    assert query(mariadb, shop_db, "SELECT COUNT(*) FROM products") == [(0,)]


def test_password_from_a_file(shop: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mariadb: MariaDB,
                              shop_db: str) -> None:
    monkeypatch.delenv("ETL_SHOP_DB_PASSWORD")
    (shop.base / "shop.pw").write_text(PASSWORD + "\n", encoding="utf-8")
    assert shop.shop.database is not None
    shop.shop.database.password_file = Path("shop.pw")
    run_catalog(shop, "csv")
    assert query(mariadb, shop_db, "SELECT COUNT(*) FROM products")[0][0] > 0


def run_flow_again(config: Config):  # type: ignore[no-untyped-def]
    """The next run over the inputs the crashed run left in the inbox."""
    from etl.pipeline import run_flow

    return run_flow(config, "catalog", "csv")
