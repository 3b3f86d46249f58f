"""What the shop-database tests share: running a shop-bound flow, reading the database, the ERP's facts."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pymysql

from etl.config import Config
from etl.pipeline import RunOptions, run_flow
from etl.report.run_report import RunReport
from tests.conftest import DATA, drop
from tests.mariadb import PASSWORD, USER, MariaDB

CATALOG = DATA / "catalog"


def run_catalog(config: Config, fmt: str = "sql", source: Path = CATALOG, **options: Any) -> RunReport:
    """Drop the catalog exports (and their media) into the inbox and run the catalog flow."""
    drop(config, *sorted(source.glob("*.csv")))
    config.folder("media").mkdir(parents=True, exist_ok=True)
    for media in (CATALOG / "media").iterdir():
        shutil.copy2(media, config.folder("media") / media.name)
    return run_flow(config, "catalog", fmt, RunOptions(**options))


def query(db: MariaDB, database: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql`, read over PyMySQL (exact values: Decimal, datetime, text)."""
    connection = pymysql.connect(host="127.0.0.1", port=db.port, user=USER, password=PASSWORD,
                                 database=database, charset="utf8mb4")
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        connection.close()


def snapshot(db: MariaDB, database: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: two equal snapshots mean nothing changed."""
    tables = [row[0] for row in query(db, database, "SHOW TABLES")]
    return {t: sorted(query(db, database, f"SELECT * FROM {t}"), key=repr) for t in tables}


def assert_catalog(db: MariaDB, database: str) -> None:
    """The shop holds what tests/data/catalog says: articles, prices, texts, categories, variants, relations."""
    q = lambda sql: query(db, database, sql)  # noqa: E731
    products = {r[0]: r[1:] for r in q("SELECT p.products_model, p.products_price, p.products_weight, "
                                       "p.products_tax_class_id, m.manufacturers_name FROM products p "
                                       "LEFT JOIN manufacturers m USING (manufacturers_id)")}
    assert products["PF-200"] == (Decimal("49.5800"), Decimal("2.350"), 1, "Kochgut GmbH")
    assert products["TS-100"] == (Decimal("16.7600"), Decimal("0.180"), 1, "Grünfaden GmbH")
    assert "PF-999" not in products
    offers = {g: q(f"SELECT p.products_model, o.quantity, o.personal_offer FROM personal_offers_by_customers_status_{g}"
                   " o JOIN products p USING (products_id) WHERE p.products_model IN ('PF-200', 'TS-100') "
                   "ORDER BY 1, 2") for g in (1, 2, 3)}
    assert offers[1] == [("PF-200", 1, Decimal("49.5800")), ("PF-200", 3, Decimal("47.9000")),
                         ("TS-100", 1, Decimal("16.7600")), ("TS-100", 10, Decimal("15.0800"))]
    assert offers[2] == [("PF-200", 1, Decimal("44.5000")), ("PF-200", 5, Decimal("42.0000")),
                         ("TS-100", 1, Decimal("13.4500"))]
    assert offers[3] == [("PF-200", 1, Decimal("39.9000")), ("PF-200", 10, Decimal("37.5000")),
                         ("TS-100", 1, Decimal("11.9000"))]
    specials = q("SELECT p.products_model, s.specials_new_products_price, DATE(s.start_date), DATE(s.expires_date) "
                 "FROM specials s JOIN products p USING (products_id) ORDER BY 1")
    assert [(m, str(price), str(a), str(b)) for m, price, a, b in specials] == [
        ("PF-200", "39.9900", "2023-11-01", "2023-11-30"), ("PF-202", "52.9400", "2024-01-01", "2099-12-31")]
    texts = dict(((m, lang), name) for m, lang, name in q(
        "SELECT p.products_model, l.code, d.products_name FROM products_description d JOIN products p "
        "USING (products_id) JOIN languages l ON l.languages_id = d.language_id"))
    assert texts[("TS-100", "de")] == "Bio-T-Shirt „Classic“"
    assert texts[("TS-100", "en")] == 'Organic T-shirt "Classic"'
    paths = dict(q("SELECT p.products_model, CONCAT_WS(' > ', d3.categories_name, d2.categories_name, "
                   "d1.categories_name) FROM products_to_categories pc JOIN products p USING (products_id) "
                   "JOIN categories c1 ON c1.categories_id = pc.categories_id "
                   "JOIN categories_description d1 ON d1.categories_id = c1.categories_id AND d1.language_id = 2 "
                   "LEFT JOIN categories c2 ON c2.categories_id = c1.parent_id "
                   "LEFT JOIN categories_description d2 ON d2.categories_id = c2.categories_id AND d2.language_id = 2 "
                   "LEFT JOIN categories c3 ON c3.categories_id = c2.parent_id "
                   "LEFT JOIN categories_description d3 ON d3.categories_id = c3.categories_id AND d3.language_id = 2"))
    assert paths["TS-100"] == "Bekleidung > Oberteile > T-Shirts"
    assert paths["PF-200"] == "Küche & Haushalt > Töpfe & Pfannen > Bräter"
    variants = q("SELECT a.attributes_model, o.products_options_name, v.products_options_values_name, "
                 "a.options_values_price FROM products_attributes a JOIN products p USING (products_id) "
                 "JOIN products_options o ON o.products_options_id = a.options_id AND o.language_id = 2 "
                 "JOIN products_options_values v ON v.products_options_values_id = a.options_values_id "
                 "AND v.language_id = 2 WHERE p.products_model = 'TS-100' ORDER BY 1, 2")
    assert len(variants) == 18
    assert variants[:2] == [("TS-100-BLA-L", "Farbe", "Blau", Decimal("1.6800")),
                            ("TS-100-BLA-L", "Größe", "L", Decimal("1.6800"))]
    relations = q("SELECT p.products_model, x.products_model, r.products_xsell_grp_name_id FROM products_xsell r "
                  "JOIN products p ON p.products_id = r.products_id JOIN products x ON x.products_id = r.xsell_id "
                  "WHERE p.products_model = 'PF-200' ORDER BY 1, 3")
    assert relations == [("PF-200", "PF-201", 1), ("PF-200", "PF-202", 2), ("PF-200", "GW-300", 3)]
    stock = q("SELECT p.products_model, s.warehouse, s.quantity FROM products_stock s JOIN products p "
              "USING (products_id) WHERE p.products_model = 'PF-200' ORDER BY 2")
    assert stock == [("PF-200", "Außenlager", 5), ("PF-200", "Hauptlager", 7)]
    customer = q("SELECT p.products_model, c.customers_cid, c.quantity, c.customers_price FROM customers_prices c "
                 "JOIN products p USING (products_id) ORDER BY 1")
    assert ("PF-200", "10023", 1, Decimal("38.5000")) in customer
