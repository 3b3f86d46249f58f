"""Summed stock of every article and variant: warehouses summed, parents = sum of variants, BOMs derived.

The catalog's rule (docs/catalog.md), shared by the catalog and stock flows: a variant has the sum of
its warehouse rows, else its own Bestand; a variant parent the sum of its variants; a set article
(BOM) the minimum over its components of floor(component stock / quantity), at least 0; any other
article the sum of its warehouse rows. `create_stock_levels` runs it as SQL over a `Store` (a set of
any size). Group-bys and joins: no Python per row.
"""

from __future__ import annotations

from etl.fast.store import AT, SEQ, Store, quoted
from etl.shared.model import LINEAGE, schema

_DEC = "DECIMAL(18, 4)"
# Decimal(18, 4) as exact int64 ten-thousandths; widened first, as DuckDB keeps (18, 4) for a product.
_UNITS = "CAST(CAST({} AS DECIMAL(38, 4)) * 10000 AS BIGINT)"


def create_stock_levels(store: Store, articles: str, variants: str, bom: str, stock: str, into: str) -> None:
    """Store table `into`: the `stock_levels` rows, in the order rule by `__at` (their place) and `__seq`.

    The order rule: the variants (first row of each sku) in order, an article whose
    number is a variant's too in that variant's place (the article wins), then the other articles.
    A variant's `__at` is the `__seq` of its first row; another article's that of its row after the last
    variant row: increasing, not without gaps (`Store.chunks` reads ranges of it).
    The input tables, each with `__seq` (its row order): `articles` sku, _file, _line, _run (one row
    per article); `variants` sku, parent_sku, stock (the variant's own Bestand, may be null), _file,
    _line, _run; `bom` sku, component_sku, quantity (positive: a set with another line is refused
    before); `stock` sku, quantity (its warehouse rows). Helper tables `into`__* are dropped after.
    """
    part = {name: quoted(f"{into}__{name}") for name in ("sums", "variants", "plain", "sets", "placed")}
    a, v, b, s = (quoted(name) for name in (articles, variants, bom, stock))
    lineage = ", ".join(LINEAGE)
    have, need = _UNITS.format("coalesce(p.quantity, 0)"), _UNITS.format("b.quantity")
    # One step a statement, each with few joins: DuckDB keeps them under the store's memory limit.
    steps = {
        "sums": f"SELECT sku, CAST(sum(quantity) AS {_DEC}) AS quantity FROM {s} WHERE sku IS NOT NULL GROUP BY sku",
        # a variant's first row, found by its `__seq` alone: a group-by that kept the row's texts ran out of memory
        "variants": f"SELECT x.sku, x.parent_sku, CAST(coalesce(m.quantity, x.stock, 0) AS {_DEC}) AS quantity, "
                    f"{', '.join(f'x.{n}' for n in LINEAGE)}, x.{SEQ} AS {AT} FROM {v} x SEMI JOIN (SELECT "
                    f"min({SEQ}) AS {SEQ} FROM {v} GROUP BY sku) USING ({SEQ}) "
                    f"LEFT JOIN {part['sums']} m ON m.sku = x.sku",
        # one lookup of a number's stock: the parent's sum of its variants, else the variant's, else its rows';
        # and whether it is a parent, and its place as a variant
        "plain": f"SELECT sku, arg_max(quantity, src) AS quantity, bool_or(src = 2) AS parent, max({AT}) AS {AT} "
                 f"FROM (SELECT sku, quantity, 0 AS src, NULL AS {AT} FROM {part['sums']} UNION ALL SELECT sku, "
                 f"quantity, 1, {AT} FROM {part['variants']} WHERE sku IS NOT NULL UNION ALL SELECT parent_sku, "
                 f"sum(quantity), 2, NULL FROM {part['variants']} WHERE parent_sku IS NOT NULL GROUP BY parent_sku) "
                 "GROUP BY sku",
        # integer division truncates towards 0; a negative rest makes it the floor
        "sets": f"SELECT b.sku, CAST(greatest(min({have} // {need} - CAST({have} % {need} < 0 AS BIGINT)), 0) "
                f"AS {_DEC}) AS quantity FROM {b} b LEFT JOIN {part['plain']} p ON p.sku = b.component_sku "
                "GROUP BY b.sku",
        "placed": f"SELECT sku, parent_sku, 'variant' AS kind, quantity, {lineage}, {AT}, 0 AS {SEQ} "
                  f"FROM {part['variants']} x ANTI JOIN {a} y USING (sku) UNION ALL "
                  f"SELECT x.sku, CAST(NULL AS VARCHAR), CASE WHEN t.sku IS NOT NULL THEN 'bom' WHEN p.parent "
                  f"THEN 'variant_parent' ELSE 'article' END, CAST(coalesce(t.quantity, p.quantity, 0) AS {_DEC}), "
                  f"{', '.join(f'x.{n}' for n in LINEAGE)}, coalesce(p.{AT}, (SELECT coalesce(max({SEQ}) + 1, 0) "
                  f"FROM {v}) + x.{SEQ}), x.{SEQ} FROM {a} x LEFT JOIN {part['sets']} t ON t.sku = x.sku "
                  f"LEFT JOIN {part['plain']} p ON p.sku = x.sku",
    }
    columns = ", ".join(f.name for f in schema("stock_levels"))
    try:
        for name, query in steps.items():
            store.execute(f"CREATE OR REPLACE TABLE {part[name]} AS {query}")
        store.create(into, f"SELECT {columns}, {AT}, {SEQ} FROM {part['placed']}", order=f"{AT}, {SEQ}")
    finally:
        for table in part.values():
            store.execute(f"DROP TABLE IF EXISTS {table}")
