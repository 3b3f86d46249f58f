"""Every tool's export of the same xt:Commerce 3 order tables gives the orders flow the same neutral tables
as the `mariadb --xml` export: phpMyAdmin, Adminer and HeidiSQL CSV (tests/extract/tool_csv.py), the
client's `--batch` output, `SELECT ... INTO OUTFILE` and `mariadb-dump --tab` (all three real).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from etl.config import Config
from etl.examine import inspect_files
from tests.extract import tool_csv
from tests.flows.test_orders_summed_tax import _insert
from tests.mariadb import PASSWORD, USER, MariaDB

TABLES = ("orders", "orders_products", "orders_total")
UTF8 = "--default-character-set=utf8mb4"
# Quotes, separators, line ends, a leading zero, umlauts and the euro sign; an empty text and a NULL.
COMMENT = 'Bitte "klingeln"; 2. OG, links\r\nZeile 2\n0815 Müller – 5 € Trinkgeld'
AS_XML = COMMENT.replace("\r\n", "\n")  # XML parsers normalise line ends: the --xml export cannot keep a CR


@pytest.fixture
def orders_db(mariadb: MariaDB, shop_db: str) -> str:
    """Three orders (net, wrong tax, gross) with hostile text, an empty text and NULLs."""
    _insert(mariadb, shop_db)
    sql = COMMENT.replace("\\", "\\\\").replace("'", "''").replace("\r", "\\r").replace("\n", "\\n")
    mariadb.client(UTF8, database=shop_db, sql=(
        f"UPDATE orders SET comments = '{sql}', delivery_suburb = NULL WHERE orders_id = 20001;"
        "UPDATE orders SET comments = '', customers_vat_id = NULL WHERE orders_id = 20003"))
    return shop_db


def _select(table: str) -> str:
    return f"SELECT * FROM {table} ORDER BY 1"


def _client(mariadb: MariaDB, db: str, folder: Path, option: str, suffix: str) -> list[Path]:
    """Every table as the `mariadb` client writes it with `option` (--xml, --batch), one file each."""
    paths = []
    for table in TABLES:
        path = folder / f"{table}.{suffix}"
        path.write_bytes(mariadb.client(UTF8, option, database=db, sql=_select(table)))
        paths.append(path)
    return paths


def _xml(mariadb: MariaDB, db: str, folder: Path) -> list[Path]:
    folder.mkdir()
    return _client(mariadb, db, folder, "--xml", "xml")


def neutral(paths: list[Path], tmp_path: Path) -> tuple[dict[str, list[dict]], list[tuple]]:
    """The orders flow's neutral rows (without lineage) and rejects for `paths`, read as one export."""
    seen = inspect_files(Config(base=tmp_path), paths, "orders", rows=1000, rejects=1000)
    (flow,) = seen.flows
    assert flow.refused is None
    rows = {entity: [{k: v for k, v in row.items() if k not in ("_file", "_line")} for row in table]
            for entity, table in flow.rows.items()}
    rejects = sorted((r["record"], r["field"], r["value"], r["reason"]) for r in flow.rejects)
    return rows, rejects


@pytest.mark.parametrize(("tool", "dialect", "separator"), [
    pytest.param("phpmyadmin-csv", "csv", ",", id="phpmyadmin-csv"),
    pytest.param("phpmyadmin-excel", "csv", ";", id="phpmyadmin-csv-for-ms-excel"),
    pytest.param("adminer-semicolon", "csv", ";", id="adminer-csv-semicolon"),
    pytest.param("adminer-comma", "csv", ",", id="adminer-csv-comma"),
    pytest.param("heidisql", "csv", ";", id="heidisql-csv"),
])
def test_tool_csv_gives_the_neutral_tables_of_the_xml_export(mariadb: MariaDB, orders_db: str, tmp_path: Path,
                                                             tool: str, dialect: str, separator: str) -> None:
    xml = _xml(mariadb, orders_db, tmp_path / "xml")
    folder = tmp_path / tool
    folder.mkdir()
    paths = [tool_csv.write(tool, *tool_csv.xml_rows(path.read_bytes()), folder / f"{path.stem}.csv")
             for path in xml]
    expected = neutral(xml, tmp_path)
    assert [r["comment"] for r in expected[0]["orders"]] == [AS_XML, None]  # an empty text is no comment
    assert neutral(paths, tmp_path) == expected
    seen = inspect_files(Config(base=tmp_path), paths[:1], "orders")
    assert seen.files[0].dialect is not None
    assert (seen.files[0].dialect["name"], seen.files[0].dialect["separator"]) == (dialect, separator)


def _as_stored(read: tuple[dict[str, list[dict]], list[tuple]]) -> tuple[dict[str, list[dict]], list[tuple]]:
    """The --xml export's neutral rows with the comment as stored (MySQL's text forms keep its CR)."""
    for row in read[0]["orders"]:
        row["comment"] = COMMENT if row["comment"] == AS_XML else row["comment"]
    return read


def _mysql_batch(mariadb: MariaDB, db: str, folder: Path) -> list[Path]:
    return _client(mariadb, db, folder, "--batch", "tsv")


def _outfile(mariadb: MariaDB, db: str, folder: Path) -> list[Path]:
    paths = []
    for table in TABLES:
        path = mariadb.files / f"{folder.name}-{table}.txt"
        columns = mariadb.client("--batch", "--skip-column-names", database=db, sql=(
            f"SELECT GROUP_CONCAT(QUOTE(column_name) ORDER BY ordinal_position) FROM information_schema.columns "
            f"WHERE table_schema = DATABASE() AND table_name = '{table}'")).decode().strip()
        mariadb.client(UTF8, database=db, sql=(
            f"SELECT {columns} UNION ALL ({_select(table)}) INTO OUTFILE '{path}' CHARACTER SET utf8mb4 "
            "FIELDS OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\r\\n'"))
        paths.append(shutil.copy(path, folder / f"{table}.txt"))
    return [Path(p) for p in paths]


@pytest.mark.parametrize(("export", "dialect"), [
    pytest.param(_mysql_batch, "mysql-batch", id="mariadb-batch"),
    pytest.param(_outfile, "mysql-outfile", id="into-outfile-optionally-enclosed-crlf"),
])
def test_mysql_text_gives_the_neutral_tables_of_the_xml_export(mariadb: MariaDB, orders_db: str, tmp_path: Path,
                                                               export, dialect: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "text"
    folder.mkdir()
    paths = export(mariadb, orders_db, folder)
    assert neutral(paths, tmp_path) == _as_stored(neutral(_xml(mariadb, orders_db, tmp_path / "xml"), tmp_path))
    seen = inspect_files(Config(base=tmp_path), paths[:1], "orders")
    assert seen.files[0].dialect is not None and seen.files[0].dialect["name"] == dialect


def _dump_tab(mariadb: MariaDB, db: str, tables: tuple[str, ...] = TABLES) -> Path:
    dump = shutil.which("mariadb-dump") or shutil.which("mysqldump")
    if dump is None:  # it comes with the server's client package: CI (ETL_REQUIRE_MARIADB) must have it
        if os.environ.get("ETL_REQUIRE_MARIADB"):
            pytest.fail("mariadb-dump is required (ETL_REQUIRE_MARIADB) but not installed")
        pytest.skip("mariadb-dump is not installed")
    folder = mariadb.files / f"tab-{uuid.uuid4().hex[:8]}"  # the server writes the .txt: its secure_file_priv
    folder.mkdir()
    subprocess.run([dump, "--no-defaults", "--protocol=TCP", "-h127.0.0.1", f"-P{mariadb.port}", f"-u{USER}",
                    f"-p{PASSWORD}", UTF8, f"--tab={folder}", db, *tables], check=True, capture_output=True)
    return folder


def test_mysqldump_tab_reads_its_columns_from_the_sql_beside_it(mariadb: MariaDB, orders_db: str,
                                                               tmp_path: Path) -> None:
    folder = _dump_tab(mariadb, orders_db)
    paths = sorted(folder.iterdir())
    assert [p.name for p in paths] == sorted(f"{t}.{ext}" for t in TABLES for ext in ("sql", "txt"))
    assert not (folder / "orders.txt").read_bytes().startswith(b"orders_id")  # no header: the .sql has it
    assert neutral(paths, tmp_path) == _as_stored(neutral(_xml(mariadb, orders_db, tmp_path / "xml"), tmp_path))
    seen = inspect_files(Config(base=tmp_path), paths, "orders")
    taken = {f.file: [(t.flow, t.table) for t in f.taken] for f in seen.files}
    assert taken["orders.sql"] == taken["orders.txt"] == [("orders", "orders")]
    assert {f.file: f.dialect and f.dialect["name"] for f in seen.files}["orders.txt"] == "mysql-outfile"


def test_a_table_definition_alone_is_refused_saying_what_is_missing(tmp_path: Path) -> None:
    sql = tmp_path / "orders.sql"
    sql.write_text("-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE `orders` (\n"
                   "  `orders_id` int(11) NOT NULL,\n  `date_purchased` datetime\n) ENGINE=MyISAM;\n", encoding="utf-8")
    (item,) = inspect_files(Config(base=tmp_path), [sql]).files
    assert item.reason is not None and "without its data file orders.txt" in item.reason
