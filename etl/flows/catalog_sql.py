"""The catalog's rules as SQL over an export set staged in a `Store` (etl/transform/staged.py).

Every price, text, variant, relation, BOM line, stock row and file must belong to an article that is
in the export and not refused; each rule is a join, its refusals the anti-join. The output tables
hold `__at`, the accepted article's place in the articles file (a variant's row goes with its parent
article), so `Store.chunks` reads them back article by article. They are not sorted by `__at`: at
ten million rows the sort of the wide rows (articles, variants) ran out of the store's 128 MB. A
GS-Office export lists each file's rows article by article, so the zone maps of `__at` stay narrow;
a file in another order makes each range read scan more of it (slower, never wrong). The category
tree is the Python of `catalog_rules.category_tree` over the (small) category table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from etl.fast.store import Store
from etl.flows.catalog_rules import category_tree
from etl.flows.stock_levels import create_stock_levels
from etl.shared.rejects import Reject
from etl.transform.staged import refused

OUTPUTS = {"categories": "out_categories", "category_texts": "out_category_texts", "articles": "out_articles",
           "article_texts": "out_texts", "variants": "out_variants", "prices": "out_prices", "bom_lines": "out_bom",
           "relations": "out_relations", "stock": "out_stock", "article_media": "out_media",
           "stock_levels": "out_levels"}
LATER = 1 << 40  # added to `__seq` of rows that follow the first kind of rows of their record
LINEAGE = "_file, _line, _run"
TEXTS = "name, short_text, long_text, meta_title, meta_description, meta_keywords"
CATEGORY_TEXTS = "name, long_name, description, meta_title, meta_description, meta_keywords"
_ID = "concat({key}, '|', coalesce({lang}, 'None')) AS text_id"  # a text's record and language
_OPTION = "(option_{n} <> '' AND value_{n} <> '')"  # a pair Python would call given (neither None nor empty)


def categories(store: Store, language: str, problem: Any) -> list[Reject]:
    """`cat_levels` (placed categories) and the category outputs; the refused categories and texts.

    `problem(category, problems)` is the refusal's (code, parameters) of a category not placed.
    """
    given = store.table("SELECT category_id, parent_id FROM categories ORDER BY __seq")
    levels, problems = category_tree(dict(zip(given.column(0).to_pylist(), given.column(1).to_pylist(), strict=True)))
    store.append("cat_levels", pa.table({"category_id": pa.array(list(levels), pa.string()),
                                         "level": pa.array(list(levels.values()), pa.int32())}))
    rejects = [Reject(r["_file"], r["_line"], _text(r["category_id"]), "Übergeordnete Warengruppe",
                      _text(r["parent_id"]), *_why(problem(r["category_id"], problems)))
               for r in store.table("SELECT _file, _line, category_id, parent_id FROM categories "
                                    "ANTI JOIN cat_levels USING (category_id) ORDER BY __seq").to_pylist()]
    store.create("out_categories", "SELECT c.* EXCLUDE (__seq), l.level, 0 AS __at, c.__seq FROM categories c "
                 "JOIN cat_levels l USING (category_id)")
    rejects += refused(store, "SELECT _file, _line, category_id AS record, category_id AS value, "
                       "category_id AS category, 'Warengruppen' AS export FROM category_texts "
                       "ANTI JOIN cat_levels USING (category_id) ORDER BY __seq",
                       "Warengruppe", "texts-without-category", params=("category", "export"))
    store.create("out_category_texts", f"""
        SELECT category_id, ?::VARCHAR AS language, {CATEGORY_TEXTS},
               {_ID.format(key="category_id", lang="?::VARCHAR")}, {LINEAGE}, 0 AS __at, __seq
        FROM categories SEMI JOIN cat_levels USING (category_id)
        UNION ALL
        SELECT category_id, language, {CATEGORY_TEXTS}, {_ID.format(key="category_id", lang="language")},
               {LINEAGE}, 0 AS __at, {LATER} + __seq AS __seq
        FROM category_texts SEMI JOIN cat_levels USING (category_id)""", (language, language))
    return rejects


def articles(store: Store) -> list[Reject]:
    """`acc` (the accepted articles with `__at`) and `owner` (article and variant numbers -> `__at`)."""
    rejects = refused(store, "SELECT _file, _line, sku AS record, category_id AS value, category_id AS category, "
                      "'Warengruppen' AS export FROM articles WHERE category_id IS NOT NULL "
                      "AND category_id NOT IN (SELECT category_id FROM cat_levels) ORDER BY __seq",
                      "Warengruppe", "category-not-in-export", params=("category", "export"))
    # An article's place is its row among the articles read (a refused one leaves a gap): no window to sort.
    store.create("acc", "SELECT *, __seq AS __at FROM articles "
                 "WHERE category_id IS NULL OR category_id IN (SELECT category_id FROM cat_levels)")
    rejects += _unknown(store, "variants", "acc", field="parent_sku")
    options = " OR ".join(_OPTION.format(n=n) for n in (1, 2, 3))
    # A variant with no option given is not one the shop knows (nor is its stock or price).
    store.create("var", f"SELECT v.*, a.__at FROM variants v JOIN acc a ON v.parent_sku = a.sku WHERE {options}")
    store.create("owner", "SELECT sku, __at FROM acc "
                 "UNION ALL SELECT v.sku, v.__at FROM var v ANTI JOIN acc a ON v.sku = a.sku")
    return rejects


def children(store: Store, language: str, today: date) -> list[Reject]:
    """The texts, prices, BOM lines, relations, stock rows and files of accepted articles; the refused ones."""
    rejects = _unknown(store, "article_texts", "acc")
    store.create("out_texts", f"""
        SELECT sku, ?::VARCHAR AS language, {TEXTS}, {_ID.format(key="sku", lang="?::VARCHAR")}, {LINEAGE}, __at, __seq
        FROM acc
        UNION ALL
        SELECT t.sku, t.language, {', '.join('t.' + f for f in TEXTS.split(', '))},
               {_ID.format(key="t.sku", lang="t.language")}, t._file, t._line, t._run, a.__at, {LATER} + t.__seq
        FROM article_texts t JOIN acc a USING (sku)""", (language, language))
    rejects += _prices(store, today)
    rejects += _bom(store)
    rejects += _unknown(store, "relations", "acc")
    rejects += refused(store, "SELECT _file, _line, sku AS record, related_sku AS value, related_sku AS sku "
                       "FROM relations r SEMI JOIN acc USING (sku) WHERE related_sku = sku "
                       "OR related_sku NOT IN (SELECT sku FROM acc) ORDER BY __seq",
                       "related_sku", "unknown-related-article", params=("sku",))
    store.create("out_relations", "SELECT r.*, 'erp' AS origin, a.__at FROM relations r JOIN acc a USING (sku) "
                 "WHERE related_sku <> sku AND related_sku IN (SELECT sku FROM acc)")
    rejects += _unknown(store, "stock", "owner")
    store.create("out_stock", "SELECT s.*, o.__at FROM stock s JOIN owner o USING (sku)")
    rejects += _unknown(store, "media", "acc")
    store.create("out_media", "SELECT m.*, m.source_file AS file, a.__at FROM media m JOIN acc a USING (sku)")
    return rejects


def finish(store: Store) -> None:
    """The stock levels by article, the articles and variants with their summed stock."""
    create_stock_levels(store, "acc", "var", "out_bom", "out_stock", "levels")
    # A level's (`__at`, `__seq`) is its place by the order rule: here its order among its article's levels.
    store.create("out_levels", "SELECT l.* EXCLUDE (__at, __seq), l.__at * 2147483648 + l.__seq AS __seq, o.__at "
                 "FROM levels l JOIN owner o USING (sku)")
    store.create("out_articles", "SELECT a.*, coalesce(l.quantity, 0) AS stock FROM acc a "
                 "LEFT JOIN levels l USING (sku)")
    exploded = " UNION ALL ".join(
        f"SELECT v.sku, v.parent_sku, v.option_{n} AS option, v.value_{n} AS value, v.ean, "
        f"coalesce(l.quantity, v.stock, 0) AS stock, v.surcharge, {n} AS position, v._file, v._line, v._run, "
        f"v.__at, v.__seq * 4 + {n} AS __seq FROM var v LEFT JOIN levels l USING (sku) WHERE {_OPTION.format(n=n)}"
        for n in (1, 2, 3))
    store.create("out_variants", exploded)


def _prices(store: Store, today: date) -> list[Reject]:
    """Group, customer and special prices (in that order) of known articles and variants, not negative."""
    store.create("all_prices", f"""
        SELECT *, 'group' AS kind, true AS active FROM prices
        UNION ALL BY NAME
        SELECT * EXCLUDE (__seq), 'customer' AS kind, true AS active, {LATER} + __seq AS __seq FROM customer_prices
        UNION ALL BY NAME
        SELECT * EXCLUDE (__seq), 'special' AS kind, 1::DECIMAL(18, 4) AS min_quantity,
               (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR ? <= valid_to) AS active,
               {2 * LATER} + __seq AS __seq FROM specials""", (today, today))
    rejects = _unknown(store, "all_prices", "owner")
    ok = "price >= 0 AND coalesce(min_quantity > 0, true)"
    rejects += refused(store, f"SELECT _file, _line, sku AS record, price AS value FROM all_prices "
                       f"SEMI JOIN owner USING (sku) WHERE NOT ({ok}) ORDER BY __seq", "price", "negative-price")
    store.create("out_prices", f"SELECT p.*, o.__at FROM all_prices p JOIN owner o USING (sku) "
                 f"WHERE {ok}")
    return rejects


def _bom(store: Store) -> list[Reject]:
    """BOM lines of sets whose every line names an accepted set article, a known component and a quantity."""
    store.create("broken_sets", "SELECT DISTINCT sku FROM bom_lines WHERE sku NOT IN (SELECT sku FROM acc) "
                 "OR component_sku NOT IN (SELECT sku FROM owner) OR quantity <= 0")
    rejects = refused(store, "SELECT _file, _line, sku AS record, component_sku AS value, sku "
                      "FROM bom_lines SEMI JOIN broken_sets USING (sku) ORDER BY __seq",
                      "component_sku", "bom-refused", params=("sku",))
    store.create("out_bom", "SELECT b.*, a.__at FROM bom_lines b JOIN acc a USING (sku) "
                 "ANTI JOIN broken_sets USING (sku)")
    return rejects


def _unknown(store: Store, table: str, owners: str, field: str = "sku") -> list[Reject]:
    """Rows of `table` whose `field` names no record of `owners`, refused as of an unknown article."""
    return refused(store, f"SELECT t._file, t._line, t.sku AS record, t.{field} AS value, t.{field} AS sku "
                   f"FROM {table} t ANTI JOIN {owners} o ON t.{field} = o.sku ORDER BY t.__seq",
                   field, "unknown-article", params=("sku",))


def _why(reason: tuple[str, dict[str, object]]) -> tuple[str, None, dict[str, object]]:
    return reason[0], None, reason[1]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
