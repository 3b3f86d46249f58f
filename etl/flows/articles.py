"""Articles (Erstbefüllung): a shop's catalog exports -> neutral catalog tables for the GS-Office import.

The other direction of the catalog flow, run once when a merchant adds GS-Office to a running shop.
The xt:Commerce tables are joined by products_id: texts per language, the article's category (its
first assignment to a category that can be placed), manufacturer name, tax rate (tax_rates of the
home zone, else the layout's value map), group prices and quantity breaks (one offers table per
customer group), and promotional prices. The category tree is checked with the catalog's rules.
GS-Office needs an Artikelnummer: a product without products_model, or whose model another product
has too, is refused with the reason.

The tables are staged in a `Store` (etl/fast/store.py) and joined there in SQL; the articles come
back in chunks of whole products (with their texts and prices), the category tree with the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pyarrow as pa

from etl.extract import RawTable
from etl.fast import store as fast
from etl.fast.store import Store
from etl.flows.articles_staging import OFFERS, stage
from etl.flows.catalog_rules import category_problem, category_tree
from etl.flows.flow import Flow
from etl.i18n import N_
from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral
from etl.shared.reject_codes import Words
from etl.shared.rejects import Reject
from etl.transform.layout import SourceLayout
from etl.transform.source import conform
from etl.transform.staged import refused

_NO_PARENT = (None, "", "0")
# Output name -> its table in the store (each holds `__at`: the product's place among the articles).
OUTPUT = {"categories": "out_categories", "category_texts": "out_category_texts", "articles": "out_articles",
          "article_texts": "out_article_texts", "prices": "out_prices"}
_WHERE = "SELECT _file, _line, {record} AS record, {value} AS value{more} FROM {table} "


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """The shop's articles of one export set, joined and checked, in chunks of whole products."""
    with Store() as store:
        rejects = stage(store, layout, tables, run_id)  # etl/flows/articles_staging.py
        rejects += _categories(store)
        rejects += _products(store, layout, "manufacturers" in tables)
        rejects += _texts_and_prices(store, layout)
        read, written = store.rows("products"), store.value("SELECT count(*) FROM out_articles WHERE __at >= 0")
        parts = store.chunks(OUTPUT, size=fast.CHUNK_RECORDS)
        # The rejects and counts go with the first chunk; there is one even when nothing is written.
        yield Chunk(_neutral(next(parts, dict.fromkeys(OUTPUT))), rejects, read, read - written)
        for part in parts:
            yield Chunk(_neutral(part))


def _neutral(part: dict[str, pa.Table | None]) -> Neutral:
    return {name: schema(name).empty_table() if table is None else conform(table, schema(name))
            for name, table in part.items()}


def _categories(store: Store) -> list[Reject]:
    """Categories that form a tree (xt:Commerce's parent 0 is the top), with their texts; the rejects.

    The tree is walked in Python (a shop has thousands of categories, not millions).
    """
    rows = store.table("SELECT category_id, parent_id, _file, _line, __seq FROM categories ORDER BY __seq").to_pylist()
    parents = {r["category_id"]: (None if r["parent_id"] in _NO_PARENT else r["parent_id"]) for r in rows}
    levels, problems = category_tree(parents)
    seen: set[str] = set()
    kept: list[tuple[int, str | None, int]] = []
    rejects = []
    for row in rows:
        if row["category_id"] in levels and row["category_id"] not in seen:
            seen.add(row["category_id"])
            kept.append((row["__seq"], parents[row["category_id"]], levels[row["category_id"]]))
        else:
            code, params = category_problem(row["category_id"], problems)
            rejects.append(Reject(row["_file"], row["_line"], row["category_id"], "parent_id", row["parent_id"],
                                  code, None, params))
    seqs, placed, at = zip(*kept, strict=True) if kept else ((), (), ())
    store.register("__kept", pa.table({"__seq": pa.array(seqs, pa.int64()), "parent_id": pa.array(placed, pa.string()),
                                       "level": pa.array(at, pa.int64())}))
    store.create("placed", "SELECT c.category_id FROM categories c SEMI JOIN __kept k ON c.__seq = k.__seq")
    store.create("out_categories", "SELECT c.* EXCLUDE (parent_id), k.parent_id, k.level, 0 AS __at "
                 "FROM categories c JOIN __kept k ON c.__seq = k.__seq", order="__at, __seq")
    # Texts of a category refused above go with it silently: it was refused once.
    store.create("out_category_texts", "SELECT *, 0 AS __at FROM categories_description SEMI JOIN placed "
                 "USING (category_id)", order="__at, __seq")
    orphans = _WHERE.format(record="category_id", value="category_id", more=", category_id AS category",
                            table="categories_description")
    return rejects + _refuse(store, orphans + "ANTI JOIN categories USING (category_id) ORDER BY __seq",
                             "categories_id", "texts-without-category", {"category": None, "export": "categories"})


def _products(store: Store, layout: SourceLayout, makers_exported: bool) -> list[Reject]:
    """Each product checked and completed (category, manufacturer, tax rate) in SQL; the refused ones' rejects.

    A product is refused for its first problem, in this order: no model, a model shared, no category
    that can be placed, an unknown manufacturer, no tax rate. Joins and sums only: DuckDB spills them
    to disk when a set outgrows the store's memory (ordered lists are built for refused products only).
    """
    zone = str(layout.options.get("tax_zone", "5"))
    from_rates = store.rows("tax_rates") > 0
    _tax_rates(store, layout, zone, from_rates)
    # Its first link to a category that can be placed; `links`: whether it has any (category 0 is none).
    store.create("assigned", """
        SELECT a.product_id, a.links, c.category_id FROM (
            SELECT l.product_id, count(*) AS links, min(l.__seq) FILTER (WHERE p.category_id IS NOT NULL) AS first
            FROM products_to_categories l LEFT JOIN placed p USING (category_id)
            WHERE l.category_id NOT IN ('', '0') GROUP BY l.product_id) a
        LEFT JOIN products_to_categories c ON c.__seq = a.first""")
    # An accepted product's place is its place in the products table; a refused one stays at
    # -(its problem), which no chunk reads.
    _in_places(store, "out_articles", f"""
        WITH models AS (SELECT upper(sku) AS model, count(*) AS holders FROM products
                        WHERE sku IS NOT NULL GROUP BY model),
             makers AS (SELECT manufacturer_id, name FROM manufacturers
                        QUALIFY row_number() OVER (PARTITION BY manufacturer_id ORDER BY __seq DESC) = 1)
        SELECT p.*, a.category_id, m.name AS manufacturer, r.rate AS tax_rate,
               CASE WHEN p.sku IS NULL THEN -1 WHEN h.holders > 1 THEN -2
                    WHEN a.category_id IS NULL AND a.links IS NOT NULL THEN -3
                    WHEN {bool(makers_exported)} AND p.manufacturer_id NOT IN ('', '0')
                         AND m.manufacturer_id IS NULL THEN -4
                    WHEN r.rate IS NULL THEN -5 ELSE p.__seq END AS __at
        FROM products p LEFT JOIN models h ON upper(p.sku) = h.model
        LEFT JOIN assigned a USING (product_id) LEFT JOIN makers m USING (manufacturer_id)
        LEFT JOIN __rates r ON r.tax_class = coalesce(nullif(p.tax_class, ''), '0')""")
    # A product id given twice: its rows go with the last of its articles.
    store.create("owners", "SELECT product_id, sku, __at FROM out_articles SEMI JOIN (SELECT max(__at) AS __at "
                 "FROM out_articles WHERE __at >= 0 GROUP BY product_id) USING (__at)")
    source = (Words(N_("tax_rates (zone {zone})"), {"zone": zone}) if from_rates
              else Words(N_("the value map tax_class_rates of the shop articles mapping")))
    return _refused_products(store, source)


def _refused_products(store: Store, source: Words) -> list[Reject]:
    """The rejects of the refused products, problem by problem, each in the order of the products table."""
    record = "coalesce(sku, 'products_id ' || product_id)"
    # Every holder of a shared model is refused for it; the categories named are those of refused products.
    holders = ("(SELECT p.*, s.products FROM out_articles p JOIN (SELECT upper(sku) AS model, "
               "list(product_id ORDER BY __seq) AS products FROM out_articles WHERE __at = ? GROUP BY model) s "
               "ON upper(p.sku) = s.model)")
    linked = ("(SELECT p.*, l._categories FROM out_articles p JOIN (SELECT product_id, string_agg(category_id, ', ' "
              "ORDER BY __seq) AS _categories FROM products_to_categories SEMI JOIN (SELECT product_id FROM "
              "out_articles WHERE __at = ?) USING (product_id) WHERE category_id NOT IN ('', '0') GROUP BY product_id) "
              "l USING (product_id))")
    checks: list[tuple[str, str, str, str, str, dict[str, object]]] = [
        ("products_model", "NULL", ", product_id AS product", "out_articles", "no-products-model", {"product": None}),
        ("products_model", "sku", ", products", holders, "shared-products-model", {"products": None}),
        ("categories_id", "_categories", ", _categories AS category", linked, "category-not-in-export",
         {"category": None, "export": "categories"}),
        ("manufacturers_id", "manufacturer_id", ", manufacturer_id AS manufacturer", "out_articles",
         "unknown-manufacturer", {"manufacturer": None}),
        ("products_tax_class_id", "tax_class", ", tax_class", "out_articles", "tax-class-without-rate",
         {"tax_class": None, "source": source})]
    rejects: list[Reject] = []
    for why, (field, value, more, table, code, params) in enumerate(checks, start=1):
        query = _WHERE.format(record=record, value=value, more=more, table=table) + "WHERE __at = ? ORDER BY __seq"
        rejects += _refuse(store, query, field, code, params, (-why,) * query.count("?"))
    return rejects


def _tax_rates(store: Store, layout: SourceLayout, zone: str, from_rates: bool) -> None:
    """`__rates`: the rate per tax class: the home zone's tax_rates (the first given), else the value map."""
    if from_rates:
        store.create("__rates", "SELECT tax_class, rate FROM (SELECT tax_class, rate, __seq FROM tax_rates "
                     "WHERE zone IS NULL OR zone = ? UNION ALL SELECT '0', 0, 9223372036854775807) "
                     "QUALIFY row_number() OVER (PARTITION BY tax_class ORDER BY __seq) = 1", (zone,))
        return
    rates = {str(k): Decimal(str(v)) for k, v in layout.value_maps.get("tax_class_rates", {}).items()}
    rates.setdefault("0", Decimal(0))
    rate = schema("articles").field("tax_rate").type
    store.register("__rates", pa.table({"tax_class": pa.array(list(rates), pa.string()),
                                        "rate": pa.array(list(rates.values()), rate)}))


def _texts_and_prices(store: Store, layout: SourceLayout) -> list[Reject]:
    """Texts, group prices and running promotions of the accepted products; the rejects.

    Rows of a product that is not in the export are refused; rows of a refused product go with it silently.
    """
    today = layout.options.get("today") or date.today()
    today = date.fromisoformat(today) if isinstance(today, str) else today
    skip = [str(g) for g in layout.options.get("skip_customer_groups", ["0"])]
    _in_places(store, "out_article_texts", "SELECT t.*, o.sku, o.__at FROM products_description t JOIN owners o "
               "USING (product_id)")
    # A promotion that is switched off or has expired is not carried over to GS-Office.
    # A price refused stays in the table at place -1, which no chunk reads.
    fine = "price >= 0 AND (min_quantity IS NULL OR min_quantity > 0)"
    _in_places(store, "out_prices", f"""
        SELECT * REPLACE (CASE WHEN {fine} THEN __at ELSE -1 END AS __at) FROM (
            SELECT o.*, w.sku, w.__at, 'group' AS kind, true AS active
            FROM {OFFERS} o JOIN owners w USING (product_id) WHERE NOT list_contains(?::VARCHAR[], o.price_group)
            UNION ALL BY NAME
            SELECT s.* REPLACE (s.__seq + ? AS __seq), w.sku, w.__at, 'special' AS kind, 1 AS min_quantity,
                   true AS active
            FROM specials s JOIN owners w USING (product_id)
            WHERE s.special_status IS DISTINCT FROM false AND (s.valid_to IS NULL OR s.valid_to >= ?))""",
               (skip, store.rows(OFFERS), today))
    rejects: list[Reject] = []
    for table, where in (("products_description", ""), (OFFERS, "WHERE NOT list_contains(?::VARCHAR[], price_group)"),
                         ("specials", "")):
        query = (_WHERE.format(record="product_id", value="product_id", more=f", '{table}' AS \"table\", "
                               "product_id AS product", table=f"(SELECT * FROM {table} {where})")
                 + "ANTI JOIN products USING (product_id) ORDER BY __seq")
        rejects += _refuse(store, query, "products_id", "row-without-product", {"table": None, "product": None},
                           (skip,) if where else ())
    return rejects + _refuse(store, _WHERE.format(record="sku", value="price", more="", table="out_prices")
                             + "WHERE __at = -1 ORDER BY __seq", "price", "negative-price", {})


def _in_places(store: Store, name: str, query: str, params: tuple[object, ...] = ()) -> None:
    """Table `name` from `query`, sorted by place for `Store.chunks`: joined first, then sorted.

    In one statement, DuckDB ran out of its memory on a set of ten million rows (joins and a sort of
    the texts at once); one after the other, each spills to disk.
    """
    store.create("__joined", query, params)
    store.create(name, "SELECT * FROM __joined", order="__at, __seq")
    store.execute("DROP TABLE __joined")


def _refuse(store: Store, query: str, field: str, code: str, params: dict[str, object],
            args: tuple[object, ...] = ()) -> list[Reject]:
    """`refused`, with `params` in their order: a value, or None for the column of `query` of that name."""
    fixed = {name: value for name, value in params.items() if value is not None}
    found = refused(store, query, field, code, [p for p in params if p not in fixed], fixed, args)
    return [replace(r, params={p: r.params[p] for p in params}) for r in found]


FLOW = Flow(name="articles", module="Produktexport inkl. Warengruppe (Erstbefüllung)", direction="shop -> ERP",
            source="shop/articles.yaml", target="sage/articles.yaml", outbox="sage", unit="articles",
            extract_tables=extract_tables)
