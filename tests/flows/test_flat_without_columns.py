"""A flat order export (one row per order line, a join) as the real `mariadb` client and phpMyAdmin write it
from the xt:Commerce 3 tables, with the columns such joins leave out: `billing_name`/`delivery_name` but no
split names, no `*_state`, no `currency_value`, no `customers_status`, no phone, VAT id, comments, company,
suburb. Every order is read; the names are split from the full name; an order in a foreign currency is the
one record that needs `currency_value`. Its lines are the order history cross-selling learns from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import run_flow
from tests.conftest import run_orders
from tests.extract.tool_csv import phpmyadmin, xml_rows
from tests.flows.test_catalog import run_catalog, table
from tests.mariadb import MariaDB

# (orders_id, customers_id, currency, billing_name, delivery_name, [(products_id, model, gross price)])
ORDERS = [
    (30001, 7, "EUR", "Hans von Müller", "Maria de la Cruz", [(201, "PF-200", "11.9000"), (202, "PF-201", "23.8000")]),
    (30002, 8, "EUR", "Petra Schulz", "Petra Schulz", [(201, "PF-200", "11.9000"), (202, "PF-201", "11.9000")]),
    (30003, 9, "CHF", "Urs Bärtschi", "Urs Bärtschi", [(201, "PF-200", "11.9000")]),
]

FLAT_SELECT = """
SELECT o.orders_id, o.customers_id, o.customers_cid, o.customers_email_address, o.date_purchased,
       o.orders_status, o.currency, o.account_type, o.language, o.payment_method, o.payment_class,
       o.shipping_method, o.shipping_class, o.billing_name, o.billing_street_address, o.billing_postcode,
       o.billing_city, o.billing_country, o.billing_country_iso_code_2, o.delivery_name,
       o.delivery_street_address, o.delivery_postcode, o.delivery_city, o.delivery_country,
       o.delivery_country_iso_code_2,
       p.orders_products_id, p.products_id, p.products_model, p.products_name, p.products_price,
       p.final_price, p.products_tax, p.products_quantity, p.allow_tax,
       t.ot_shipping, t.ot_tax, t.ot_total
FROM orders o
JOIN orders_products p ON p.orders_id = o.orders_id
JOIN (SELECT orders_id, SUM(IF(class = 'ot_shipping', value, 0)) AS ot_shipping,
             SUM(IF(class = 'ot_tax', value, 0)) AS ot_tax, SUM(IF(class = 'ot_total', value, 0)) AS ot_total
      FROM orders_total GROUP BY orders_id) t ON t.orders_id = o.orders_id
ORDER BY o.orders_id, p.orders_products_id
"""
LEFT_OUT = ("billing_firstname", "billing_lastname", "delivery_firstname", "delivery_lastname", "billing_state",
            "delivery_state", "currency_value", "customers_status", "customers_telephone", "customers_vat_id",
            "comments", "billing_company", "delivery_company", "billing_suburb", "delivery_suburb")


def _insert(mariadb: MariaDB, database: str) -> None:
    statements = []
    for order_id, customer, currency, billing, delivery, lines in ORDERS:
        first, last = billing.split(" ", 1)
        address = "'Hauptstr. 1', '', 'Berlin', '10115', '', 'Deutschland', 'DE', 5"
        statements.append(
            "INSERT INTO orders (orders_id, customers_id, customers_cid, customers_status, customers_status_name, "
            "customers_name, customers_firstname, customers_lastname, customers_street_address, customers_city, "
            "customers_postcode, customers_country, customers_telephone, customers_email_address, "
            "customers_address_format_id, delivery_name, delivery_firstname, delivery_lastname, "
            "delivery_street_address, delivery_suburb, delivery_city, delivery_postcode, delivery_state, "
            "delivery_country, delivery_country_iso_code_2, delivery_address_format_id, billing_name, "
            "billing_firstname, billing_lastname, billing_street_address, billing_suburb, billing_city, "
            "billing_postcode, billing_state, billing_country, billing_country_iso_code_2, billing_address_format_id, "
            "payment_method, comments, date_purchased, orders_status, currency, currency_value, payment_class, "
            "shipping_method, shipping_class, customers_ip, language, refferers_id, ibn_billdate) VALUES "
            f"({order_id}, {customer}, 'K{customer}', 2, 'Kunde', '{billing}', '{first}', '{last}', 'Hauptstr. 1', "
            f"'Berlin', '10115', 'Deutschland', '030 123', 'k{customer}@example.de', 5, '{delivery}', '', '', "
            f"{address}, '{billing}', '{first}', '{last}', {address}, 'moneyorder', 'bitte klingeln', "
            f"'2026-11-20 10:00:00', 1, '{currency}', 1.0, 'moneyorder', 'DHL', 'dhl_dhl', '127.0.0.1', 'german', "
            "'', '2026-11-20')")
        total = sum(float(price) for _, _, price in lines)
        for n, (product, model, price) in enumerate(lines):
            statements.append(
                "INSERT INTO orders_products (orders_products_id, orders_id, products_id, products_model, "
                "products_name, products_price, final_price, products_tax, products_quantity, allow_tax) VALUES "
                f"({order_id * 10 + n}, {order_id}, {product}, '{model}', 'Artikel {model}', {price}, {price}, "
                "19.0000, 1, 1)")
        totals = [("Versand:", 0, "ot_shipping", 30), ("MwSt. 19 %:", round(total * 19 / 119, 2), "ot_tax", 50),
                  ("Summe:", total, "ot_total", 99)]
        statements += [f"INSERT INTO orders_total (orders_id, title, text, value, class, sort_order) VALUES "
                       f"({order_id}, '{title}', '', {value}, '{cls}', {sort})" for title, value, cls, sort in totals]
    mariadb.client("--default-character-set=utf8mb4", database=database, sql=";\n".join(statements))


def _batch(mariadb: MariaDB, database: str) -> bytes:
    return mariadb.client("--batch", "--default-character-set=utf8mb4", database=database, sql=FLAT_SELECT)


def _xml(mariadb: MariaDB, database: str) -> bytes:
    return mariadb.client("--xml", "--default-character-set=utf8mb4", database=database, sql=FLAT_SELECT)


def _phpmyadmin(mariadb: MariaDB, database: str) -> bytes:
    return phpmyadmin(*xml_rows(_xml(mariadb, database)), excel=True)


@pytest.fixture
def flat_export(request: pytest.FixtureRequest, mariadb: MariaDB, shop_db: str, tmp_path: Path) -> Path:
    """The flat export in the form the test names, made by the real server."""
    _insert(mariadb, shop_db)
    tool, suffix = request.param
    path = tmp_path / f"bestellungen.{suffix}"
    path.write_bytes(tool(mariadb, shop_db))
    return path


VARIANTS = [pytest.param((_batch, "tsv"), id="mariadb-batch"), pytest.param((_xml, "xml"), id="mariadb-xml"),
            pytest.param((_phpmyadmin, "csv"), id="phpmyadmin-csv-for-excel")]


@pytest.mark.parametrize("flat_export", VARIANTS, indirect=True)
def test_a_join_export_without_split_names_state_rate_or_group_is_read(workspace: Config, flat_export: Path) -> None:
    head = flat_export.read_bytes()[:2000].decode("utf-8")
    assert "billing_name" in head and not any(column in head for column in LEFT_OUT)
    report = run_orders(workspace, flat_export, fmt="json")
    assert (report.records_in, report.written, report.rejected) == (3, 2, 1)
    (output,) = report.outputs
    records = {r["Shopbestellnummer"]: r for r in json.loads(Path(output).read_text(encoding="utf-8"))["records"]}
    assert (records["30001"]["RE_Vorname"], records["30001"]["RE_Name"]) == ("Hans", "von Müller")
    assert (records["30001"]["LI_Vorname"], records["30001"]["LI_Name"]) == ("Maria", "de la Cruz")
    assert (records["30002"]["RE_Vorname"], records["30002"]["RE_Name"]) == ("Petra", "Schulz")
    assert records["30001"]["Waehrung"] == "EUR" and records["30001"]["Gesamtbetrag"] == "35.70"
    (reject,) = report.rejects
    assert (reject.record, reject.field, reject.value) == ("30003", "currency_value", None)
    assert reject.reason == "is needed when currency is none of [EUR], and the file has no such column"


@pytest.mark.parametrize("flat_export", VARIANTS[:1], indirect=True)
def test_cross_selling_learns_from_an_export_without_phone_vat_id_comments_company_suburb(
        workspace: Config, flat_export: Path) -> None:
    run_catalog(workspace)
    assert run_orders(workspace, flat_export).written == 2
    report = run_flow(workspace, "cross-selling", "csv")
    history = {(r["products_model"], r["xsell_model"], r["support"]) for r in table(report, "products_xsell")
               if r["origin"] == "history"}
    assert history == {("PF-200", "PF-201", "2"), ("PF-201", "PF-200", "2")}  # customers 7 and 8 bought both
