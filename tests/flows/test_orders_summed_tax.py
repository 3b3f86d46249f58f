"""A flat join export with one summed `ot_tax` column, written by the real `mariadb --batch` client from
the xt:Commerce 3 tables: the tax per rate comes from the lines and must make the summed tax to the cent.
"""

from __future__ import annotations

import json
from pathlib import Path

from etl.config import Config
from tests.conftest import run_orders
from tests.mariadb import MariaDB

ADDRESS = ("'{first}', '{last}', 'Beispiel GmbH', 'Hauptstr. 1', '', 'Berlin', '10115', '', 'Deutschland'")

# (orders_id, allow_tax, [(products_id, model, price, final_price, tax, quantity)], shipping, [taxes per rate], total)
ORDERS = [
    # Net B2B, two rates: 19 % of 167.72 + 54.40 + 12.00 shipping = 44.48, 7 % of 209.30 = 14.65.
    (20001, 0, [(101, "KM-2000", "41.9300", "167.7200", "19.0000", 4),
                (104, "GS-L-01", "20.9300", "209.3000", "7.0000", 10),
                (102, "WF-200", "10.8800", "54.4000", "19.0000", 5)], "12.0000", ["44.4800", "14.6500"], "502.5500"),
    # Net B2B whose stored taxes are 0.07 too high: refused, whatever the total says.
    (20002, 0, [(101, "KM-2000", "41.9300", "41.9300", "19.0000", 1)], "0.0000", ["8.0400"], "49.9700"),
    # Gross B2C: 19/119 of 49.90 + 4.90 shipping = 8.75.
    (20003, 1, [(101, "KM-2000", "49.9000", "49.9000", "19.0000", 1)], "4.9000", ["8.7500"], "54.8000"),
]

FLAT_SELECT = """
SELECT o.orders_id, o.customers_id, o.customers_cid, o.customers_vat_id, o.customers_status,
       o.customers_email_address, o.customers_telephone, o.date_purchased, o.orders_status, o.currency,
       o.currency_value, o.account_type, o.language, o.payment_method, o.payment_class, o.shipping_method,
       o.shipping_class, o.comments,
       o.billing_company, o.billing_firstname, o.billing_lastname, o.billing_street_address, o.billing_suburb,
       o.billing_postcode, o.billing_city, o.billing_state, o.billing_country, o.billing_country_iso_code_2,
       o.delivery_company, o.delivery_firstname, o.delivery_lastname, o.delivery_street_address,
       o.delivery_suburb, o.delivery_postcode, o.delivery_city, o.delivery_state, o.delivery_country,
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


def _insert(mariadb: MariaDB, database: str) -> None:
    statements = []
    for order_id, allow_tax, lines, shipping, taxes, total in ORDERS:
        billing = ADDRESS.format(first="Petra", last="Schulz")
        statements.append(
            "INSERT INTO orders (orders_id, customers_id, customers_cid, customers_vat_id, customers_status, "
            "customers_status_name, customers_name, customers_firstname, customers_lastname, "
            "customers_street_address, customers_city, customers_postcode, customers_country, customers_telephone, "
            "customers_email_address, customers_address_format_id, delivery_name, delivery_firstname, "
            "delivery_lastname, delivery_company, delivery_street_address, delivery_suburb, delivery_city, "
            "delivery_postcode, delivery_state, delivery_country, delivery_country_iso_code_2, "
            "delivery_address_format_id, billing_name, billing_firstname, billing_lastname, billing_company, "
            "billing_street_address, billing_suburb, billing_city, billing_postcode, billing_state, billing_country, "
            "billing_country_iso_code_2, billing_address_format_id, payment_method, comments, date_purchased, "
            "orders_status, currency, currency_value, payment_class, shipping_method, shipping_class, customers_ip, "
            "language, refferers_id, ibn_billdate) VALUES "
            f"({order_id}, 7, '0{order_id}', 'DE123456789', 3, 'Haendler', 'Petra Schulz', 'Petra', 'Schulz', "
            "'Hauptstr. 1', 'Berlin', '10115', 'Deutschland', '030 123', 'p.schulz@example.de', 5, 'Petra Schulz', "
            f"{billing}, 'DE', 5, 'Petra Schulz', {billing}, 'DE', 5, 'invoice', '', '2026-11-20 10:00:00', 1, "
            "'EUR', 1.0, 'invoice', 'DHL', 'dhl_dhl', '127.0.0.1', 'german', '', '2026-11-20')")
        for n, (product, model, price, final, tax, quantity) in enumerate(lines):
            statements.append(
                "INSERT INTO orders_products (orders_products_id, orders_id, products_id, products_model, "
                "products_name, products_price, final_price, products_tax, products_quantity, allow_tax) VALUES "
                f"({order_id * 10 + n}, {order_id}, {product}, '{model}', 'Artikel {model}', {price}, {final}, "
                f"{tax}, {quantity}, {allow_tax})")
        totals = [("DHL:", shipping, "ot_shipping", 30), *[("MwSt.:", t, "ot_tax", 50) for t in taxes],
                  ("Summe:", total, "ot_total", 99)]
        statements += [f"INSERT INTO orders_total (orders_id, title, text, value, class, sort_order) VALUES "
                       f"({order_id}, '{title}', '', {value}, '{cls}', {sort})" for title, value, cls, sort in totals]
    mariadb.client(database=database, sql=";\n".join(statements))


def test_net_orders_from_a_summed_tax_column(workspace: Config, mariadb: MariaDB, shop_db: str,
                                             tmp_path: Path) -> None:
    _insert(mariadb, shop_db)
    export = tmp_path / "orders_flat.tsv"
    export.write_bytes(mariadb.client("--batch", "--default-character-set=utf8mb4", database=shop_db,
                                      sql=FLAT_SELECT))
    assert export.read_bytes().split(b"\n")[0].endswith(b"\tot_shipping\tot_tax\tot_total")
    report = run_orders(workspace, export, fmt="json")
    (output,) = report.outputs
    records = {r["Shopbestellnummer"]: r for r in json.loads(Path(output).read_text(encoding="utf-8"))["records"]}
    assert sorted(records) == ["20001", "20003"]
    net = records["20001"]
    assert (net["Bruttopreise"], net["Gesamtbetrag"]) == (False, "502.55")
    assert net["Shop"] == "Hauptshop"  # xt:Commerce 3 has no store_id: the field is optional, default 1
    assert (net["Steuersatz1"], net["Steuer1"], net["Steuersatz2"], net["Steuer2"]) == ("19.00", "44.48", "7.00",
                                                                                          "14.65")
    gross = records["20003"]
    assert (gross["Steuersatz1"], gross["Steuer1"]) == ("19.00", "8.75")
    (reject,) = [r for r in report.rejects if r.record == "20002"]
    assert (reject.field, reject.value) == ("ot_tax", "8.04")
    assert "(19 %: 7.97) make 7.97, the summed tax (ot_tax) is 8.04 (difference 0.07)" in reject.reason
    assert (report.records_in, report.written, report.rejected) == (3, 2, 1)
