"""`--format sql` for the other shop-bound flows: stock, shipments, documents, erp-orders, run with `mariadb`."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from etl.config import Config
from etl.pipeline import run_flow
from etl.report.run_report import RunReport
from tests.conftest import DATA, ORDERS, drop, run_orders
from tests.flows.test_shipments import SHIPMENTS, configure
from tests.mariadb import MariaDB
from tests.shop.helpers import CATALOG, query, run_catalog, snapshot


def _apply_twice(report: RunReport, mariadb: MariaDB, database: str) -> None:
    """Run the run's script; a second run of it must change nothing."""
    script = Path(next(p for p in report.outputs if p.endswith(".sql"))).read_text(encoding="utf-8")
    mariadb.client(database=database, sql=script)
    first = snapshot(mariadb, database)
    mariadb.client(database=database, sql=script)
    assert snapshot(mariadb, database) == first


def test_stock_sets_articles_variants_and_warehouses(workspace: Config, mariadb: MariaDB, shop_db: str) -> None:
    _apply_twice(run_catalog(workspace), mariadb, shop_db)
    mariadb.client(database=shop_db, sql="UPDATE products SET products_quantity = 999; "
                   "UPDATE products_attributes SET attributes_stock = 999; UPDATE products_stock SET quantity = 999")
    drop(workspace, CATALOG / "lagerbestand.csv", CATALOG / "stueckliste.csv", CATALOG / "varianten.csv")
    _apply_twice(run_flow(workspace, "stock", "sql"), mariadb, shop_db)
    stock = dict(query(mariadb, shop_db, "SELECT products_model, products_quantity FROM products"))
    assert stock["PF-200"] == 12 and stock["PF-210"] == 4 and stock["TS-100"] == 71
    variants = dict(query(mariadb, shop_db, "SELECT DISTINCT attributes_model, attributes_stock "
                          "FROM products_attributes"))
    assert variants["TS-100-SWZ-M"] == 4
    assert query(mariadb, shop_db, "SELECT quantity FROM products_stock s JOIN products p USING (products_id) "
                 "WHERE p.products_model = 'PF-200' ORDER BY warehouse") == [(5,), (7,)]


def test_shipments_set_status_history_and_parcels(workspace: Config, mariadb: MariaDB, shop_db: str) -> None:
    config = configure(workspace)
    run_orders(config, ORDERS / "xtc_csv_cp1252")
    mariadb.client(database=shop_db, sql="SET SESSION sql_mode = ''; INSERT INTO orders (orders_id, orders_status) "
                   "VALUES (10001, 1), (10002, 1), (10003, 1), (10005, 1), (10006, 1), (10008, 1)")
    drop(config, SHIPMENTS)
    _apply_twice(run_flow(config, "shipments", "sql"), mariadb, shop_db)
    assert query(mariadb, shop_db, "SELECT orders_status FROM orders WHERE orders_id = 10001") == [(3,)]
    history = query(mariadb, shop_db, "SELECT orders_id, orders_status_id, comments FROM orders_status_history "
                    "WHERE orders_id = 10001")
    assert len(history) == 1 and history[0][1] == 3 and "piececode=00340434161094042564" in history[0][2]
    assert query(mariadb, shop_db, "SELECT orders_id, carrier_id, parcel_id FROM orders_tracking ORDER BY 1, 3") == [
        (10001, 1, "00340434161094042557"), (10001, 1, "00340434161094042564"), (10002, 2, "01234567890123"),
        (10003, 1, "00340434161094042588"), (10003, 1, "340434161094")]


def test_documents_and_erp_orders(workspace: Config, mariadb: MariaDB, shop_db: str) -> None:
    run_orders(workspace, ORDERS / "xtc_csv_cp1252")
    shutil.copytree(DATA / "documents" / "media", workspace.folder("media"), dirs_exist_ok=True)
    drop(workspace, DATA / "documents" / "belegexport.csv")
    documents = run_flow(workspace, "documents", "sql")
    _apply_twice(documents, mariadb, shop_db)
    stored = query(mariadb, shop_db, "SELECT document_number, amount_gross FROM customers_documents")
    assert len(stored) == documents.written and all(isinstance(a, Decimal) for _, a in stored)
    drop(workspace, DATA / "erp_orders")
    orders = run_flow(workspace, "erp-orders", "sql")
    _apply_twice(orders, mariadb, shop_db)
    assert query(mariadb, shop_db, "SELECT COUNT(*) FROM erp_orders") == [(orders.written,)]
    assert query(mariadb, shop_db, "SELECT COUNT(*) FROM erp_orders_products")[0][0] >= orders.written


def test_cross_selling_from_erp_and_history(workspace: Config, mariadb: MariaDB, shop_db: str) -> None:
    from tests.flows.test_catalog import _stage_history

    _apply_twice(run_catalog(workspace), mariadb, shop_db)
    _stage_history(workspace, "20260101-000000-aaaaaa", [
        ("1", "k1", ["PF-200", "PF-201"]), ("2", "k2", ["PF-200", "PF-201", "BU-400"])])
    report = run_flow(workspace, "cross-selling", "sql")
    _apply_twice(report, mariadb, shop_db)
    links = query(mariadb, shop_db, "SELECT p.products_model, x.products_model, r.products_xsell_grp_name_id "
                  "FROM products_xsell r JOIN products p ON p.products_id = r.products_id "
                  "JOIN products x ON x.products_id = r.xsell_id ORDER BY 1, 2, 3")
    assert ("PF-201", "PF-200", 3) in links  # from the history
    assert ("PF-200", "PF-201", 1) in links  # the ERP's accessory
    assert len(links) == len(set(links))
