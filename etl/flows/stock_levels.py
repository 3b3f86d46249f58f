"""Summed stock of every article and variant, in Arrow: warehouses summed, parents = sum of variants, BOMs derived.

The catalog's rule (docs/catalog.md), shared by the catalog and stock flows: a variant has the sum of
its warehouse rows, else its own Bestand; a variant parent the sum of its variants; a set article
(BOM) the minimum over its components of floor(component stock / quantity), at least 0; any other
article the sum of its warehouse rows. Group-bys and hash lookups: no Python per row.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import constant, positions
from etl.shared.model import DECIMAL, LINEAGE, schema
from etl.transform.relate import first_rows


def stock_levels(articles: pa.Table, variants: pa.Table, bom: pa.Table, stock: pa.Table) -> pa.Table:
    """The `stock_levels` table: the variants (first row of each) in order, then the articles.

    An article whose number is a variant's too takes that variant's place (the article wins).
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
