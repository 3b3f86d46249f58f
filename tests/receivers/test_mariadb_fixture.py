"""The private MariaDB server holds the real xt:Commerce tables in strict mode, and its tools write exports."""

from __future__ import annotations

import pytest

from tests.mariadb import MariaDB


def test_shop_tables_are_there_in_strict_mode(mariadb: MariaDB, shop_db: str) -> None:
    """Every upstream table exists, and strict mode refuses a row that leaves a NOT NULL column out."""
    tables = set(mariadb.client("--batch", "--skip-column-names", database=shop_db, sql="SHOW TABLES").split())
    assert {b"orders", b"orders_products", b"products", b"products_description", b"categories"} <= tables
    with pytest.raises(RuntimeError, match=r"doesn't have a default value"):
        mariadb.client(database=shop_db, sql="INSERT INTO products (products_weight) VALUES ('')")


def test_client_batch_output_is_a_real_export(mariadb: MariaDB, shop_db: str) -> None:
    """`mariadb --batch` escapes a tab and a newline inside a value (the convention issue 11 reads)."""
    mariadb.client(database=shop_db, sql="INSERT INTO orders_status_history (orders_id, orders_status_id, "
                   "date_added, customer_notified, comments) VALUES (1, 1, NOW(), 0, 'a\\tb\\nc')")
    out = mariadb.client("--batch", database=shop_db, sql="SELECT comments FROM orders_status_history")
    assert out == b"comments\na\\tb\\nc\n"
