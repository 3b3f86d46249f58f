"""Summed stock of every article and variant: warehouses summed, parents = sum of variants, BOMs derived.

The catalog's rule (docs/catalog.md), shared by the catalog and stock flows: a variant has the sum of
its warehouse rows, else its own Bestand; a variant parent the sum of its variants; a set article
(BOM) the minimum over its components of floor(component stock / quantity), at least 0; any other
article the sum of its warehouse rows. `create_stock_levels` runs it as SQL over a `Store` (a set of
any size); `stock_levels` in Arrow over tables in memory. Group-bys and joins: no Python per row.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import constant, positions
from etl.fast.store import AT, SEQ, Store, quoted
from etl.shared.model import DECIMAL, LINEAGE, schema
from etl.transform.relate import first_rows

_DEC = "DECIMAL(18, 4)"
# Decimal(18, 4) as exact int64 ten-thousandths; widened first, as DuckDB keeps (18, 4) for a product.
_UNITS = "CAST(CAST({} AS DECIMAL(38, 4)) * 10000 AS BIGINT)"


def create_stock_levels(store: Store, articles: str, variants: str, bom: str, stock: str, into: str) -> None:
    """Store table `into`: the `stock_levels` rows, in the order rule by `__at` (their place) and `__seq`.

    The order rule (as `stock_levels`): the variants (first row of each sku) in order, an article whose
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
    firsts = ", ".join(f"arg_min_null({name}, {SEQ}) AS {name}" for name in ("parent_sku", "stock", *LINEAGE))
    have, need = _UNITS.format("coalesce(p.quantity, 0)"), _UNITS.format("b.quantity")
    # One step a statement, each with few joins: DuckDB keeps them under the store's memory limit.
    steps = {
        "sums": f"SELECT sku, CAST(sum(quantity) AS {_DEC}) AS quantity FROM {s} WHERE sku IS NOT NULL GROUP BY sku",
        "variants": f"SELECT x.sku, x.parent_sku, CAST(coalesce(m.quantity, x.stock, 0) AS {_DEC}) AS quantity, "
                    f"{lineage}, x.{AT} FROM (SELECT sku, {firsts}, min({SEQ}) AS {AT} FROM {v} GROUP BY sku) x "
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


def stock_levels(articles: pa.Table, variants: pa.Table, bom: pa.Table, stock: pa.Table) -> pa.Table:
    """The `stock_levels` table: the variants (first row of each) in order, then the articles.

    An article whose number is a variant's too takes that variant's place (the article wins).
    The catalog's until it moves onto the store: then `create_stock_levels` is the one rule.
    """
    per_sku = _sums(stock, "sku", "quantity")
    firsts = variants.take(first_rows(variants.column("sku")))
    own = firsts.column("stock") if "stock" in firsts.column_names else pa.nulls(firsts.num_rows, DECIMAL)
    variant_qty = pc.coalesce(_lookup(firsts.column("sku"), per_sku), pc.cast(own, DECIMAL), _zero())
    variant_levels = _levels(firsts, firsts.column("parent_sku"), "variant", variant_qty)
    children = _sums(variant_levels, "parent_sku", "quantity")
    plain = _union(per_sku, (firsts.column("sku"), variant_qty), children)
    sets = _bom_stock(bom, plain)
    skus = articles.column("sku")
    in_set = pc.is_in(skus, value_set=sets[0])
    parent = pc.is_in(skus, value_set=children[0])
    kind = pc.if_else(in_set, "bom", pc.if_else(parent, "variant_parent", "article"))
    quantity = pc.coalesce(_lookup(skus, sets), _lookup(skus, plain), _zero())
    article_levels = _levels(articles, pa.nulls(articles.num_rows, pa.string()), kind, quantity)
    return _place(variant_levels, article_levels)


def _levels(rows: pa.Table, parent: pa.Array, kind: str | pa.Array, quantity: pa.Array) -> pa.Table:
    target = schema("stock_levels")
    size = rows.num_rows
    columns = {"sku": rows.column("sku"), "parent_sku": parent,
               "kind": constant(kind, size, pa.string()) if isinstance(kind, str) else kind,
               "quantity": pc.cast(quantity, DECIMAL), **{name: rows.column(name) for name in LINEAGE}}
    return pa.table([pc.cast(columns[f.name], f.type) for f in target], schema=target)


def _place(variants: pa.Table, articles: pa.Table) -> pa.Table:
    """Variants in order, an article replacing the variant of its number in place, the other articles after."""
    if variants.num_rows == 0:
        return articles
    at = pc.index_in(articles.column("sku"), value_set=variants.column("sku"))
    order_articles = pc.coalesce(at, pc.add(positions(articles.num_rows), variants.num_rows))
    replaced = pc.is_in(variants.column("sku"), value_set=articles.column("sku"))
    kept = variants.filter(pc.invert(replaced))
    order = pa.concat_arrays([_array(pc.filter(positions(variants.num_rows), pc.invert(replaced))),
                              _array(pc.cast(order_articles, pa.int64()))])
    both = pa.concat_tables([kept, articles])
    return both.take(pc.sort_indices(order))


def _bom_stock(bom: pa.Table, plain: tuple[pa.Array, pa.Array]) -> tuple[pa.Array, pa.Array]:
    """(set sku, stock): per set the minimum over its lines of floor(component stock / quantity), at least 0."""
    if bom.num_rows == 0:
        return pa.array([], pa.string()), pa.array([], DECIMAL)
    available = _units(pc.coalesce(_lookup(bom.column("component_sku"), plain), _zero()))
    per = _units(bom.column("quantity"))
    whole = pc.divide(available, per)  # integer division truncates towards 0: floor for a negative rest
    rest = pc.subtract(available, pc.multiply(whole, per))
    floor = pc.if_else(pc.less(rest, 0), pc.subtract(whole, 1), whole)
    grouped = pa.table({"sku": bom.column("sku"), "n": floor}).group_by("sku", use_threads=False).aggregate(
        [("n", "min")])
    counts = pc.max_element_wise(grouped.column("n_min"), 0)
    return grouped.column("sku").combine_chunks(), pc.cast(pc.cast(counts, pa.string()), DECIMAL)


def _units(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Decimal(18, 4) values as int64 ten-thousandths (exact)."""
    # Arrow casts no decimal to an integer without a loss check that needs more precision: its text,
    # always with four places, read without the point is the exact count.
    text = pc.cast(pc.cast(values, DECIMAL), pa.string())
    return pc.cast(pc.replace_substring(text, ".", ""), pa.int64())


def _sums(table: pa.Table, key: str, column: str) -> tuple[pa.Array, pa.Array]:
    """(key, sum of `column`) per distinct non-null key."""
    grouped = table.select([key, column]).group_by(key, use_threads=False).aggregate([(column, "sum")])
    keys = grouped.column(key).combine_chunks()
    valid = pc.is_valid(keys)
    return pc.filter(keys, valid), pc.filter(pc.cast(grouped.column(f"{column}_sum").combine_chunks(), DECIMAL), valid)


def _union(*maps: tuple[pa.Array | pa.ChunkedArray, pa.Array]) -> tuple[pa.Array, pa.Array]:
    """One lookup of several: a key's value from the last map that has it."""
    keys = pa.concat_arrays([_array(k) for k, _ in maps])
    values = pa.concat_arrays([_array(pc.cast(v, DECIMAL)) for _, v in maps])
    table = pa.table({"key": keys, "value": values, "at": positions(len(keys))})
    last = table.group_by("key", use_threads=False).aggregate([("at", "max")]).column("at_max")
    chosen = table.take(last)
    return chosen.column("key").combine_chunks(), chosen.column("value").combine_chunks()


def _lookup(keys: pa.Array | pa.ChunkedArray, found: tuple[pa.Array, pa.Array]) -> pa.Array:
    return pc.take(found[1], pc.index_in(keys, value_set=found[0]))


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _zero() -> pa.Scalar:
    return pa.scalar(Decimal(0), DECIMAL)
