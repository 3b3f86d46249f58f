"""Orders (Bestellimport): shop order tables or flat exports -> neutral orders, items, taxes.

The shop stores an order in several tables: the order, its product lines with variant attributes,
and order totals (shipping, fees, discounts, coupons, taxes, grand total). Here they are joined into
neutral records, every service total becomes an item of its kind, and each order must reconcile to
the cent before it goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import Batch, RawTable
from etl.fast.arrays import constant, positions
from etl.flows.flow import Flow
from etl.flows.order_assembly import chunks
from etl.i18n import N_
from etl.shared.records import Chunk
from etl.shared.rejects import rejects_where
from etl.transform.layout import SourceLayout
from etl.transform.parse import REASONS, parse
from etl.transform.relate import first_rows
from etl.transform.source import check_columns, concat_tables, read_fields, read_tables


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str
                   ) -> Iterator[Chunk]:
    """Join the table files of one export (orders, orders_products, ...) and yield order chunks."""
    parts, rejects = read_tables(layout, tables, run_id, key="order_id")
    yield from chunks(layout, parts, rejects)


def extract_flat(layout: SourceLayout, raw: RawTable, run_id: str) -> Iterator[Chunk]:
    """Stream a flat export (one row per line, order fields repeated) as chunks of whole orders."""
    assert layout.flat is not None
    for name in layout.flat.tables:
        check_columns(layout, name, raw)
    carry: pa.Table | None = None
    for batch in raw.batches():
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        if carry is not None:
            # No copy: the chunk is the carry's rows and the batch's. Past a row Arrow cannot split, the
            # batches come from the Python reader with the broken rows' columns: the carry gets them null.
            table = pa.concat_tables([carry, table], promote_options="default")
        complete, carry = _last_order_apart(table, _order_column(layout, batch))
        if complete.num_rows:
            yield _flat_chunk(layout, raw, complete, run_id)
    if carry is not None and carry.num_rows:
        yield _flat_chunk(layout, raw, carry, run_id)


def _last_order_apart(table: pa.Table, column: str) -> tuple[pa.Table, pa.Table]:
    """The rows of `table` before its last order, and that order's rows (it may go on in the next batch)."""
    ids = table.column(column)
    last = ids[-1]
    tail = pc.equal(ids, last) if last.is_valid else pc.is_null(ids)
    count = pc.sum(tail).as_py()
    if pc.all(tail.slice(table.num_rows - count)).as_py():
        # An export sorted by order (the rule): slices, no copy; the carry is copied out of the batch
        # so that the batch's buffers are not kept for a few rows.
        cut = table.num_rows - count
        return table.slice(0, cut), table.slice(cut).take(positions(count))
    return table.filter(pc.invert(tail)), table.filter(tail)


def _order_column(layout: SourceLayout, batch: Batch) -> str:
    columns = layout.tables["orders"].fields["order_id"].column
    return next(c for c in columns if c in batch.schema.names)


def _flat_chunk(layout: SourceLayout, raw: RawTable, batch: pa.Table, run_id: str) -> Chunk:
    assert layout.flat is not None
    orders_spec, items_spec = (layout.tables[name] for name in layout.flat.tables)
    # An order's own fields are read from its first line only: the later lines repeat them.
    first = first_rows(pc.utf8_trim_whitespace(batch.column(_order_column(layout, batch))))
    heads = batch.take(first)
    orders, rejects = read_fields(layout, orders_spec, heads, _files(raw, heads), run_id, key="order_id")
    items, item_rejects = read_fields(layout, items_spec, batch, _files(raw, batch), run_id, key="order_id")
    rejects += item_rejects
    if layout.flat.attributes and layout.flat.attributes in batch.schema.names:
        items = items.append_column("attributes", parse(batch.column(layout.flat.attributes), "string")[0])
    totals, total_rejects = _flat_totals(layout, heads, orders)
    total_rejects += _differing_totals(layout, batch, orders, first)
    parts = {"orders": orders, "orders_products": items, "orders_total": totals}
    return next(chunks(layout, parts, rejects + total_rejects, chunk_size=None))


def _files(raw: RawTable, batch: pa.Table) -> str | pa.ChunkedArray:
    """The file of each row: the raw table's, or, for small files read together, the one beside each row."""
    return batch.column("_file") if "_file" in batch.schema.names else raw.path.name


def _differing_totals(layout: SourceLayout, batch: pa.Table, orders: pa.Table, first: pa.Array) -> list:
    """A reject for every order whose lines give different amounts in a totals column (`ot_total` ...):
    its first line's amount would be a guess."""
    assert layout.flat is not None
    pattern = re.compile(layout.flat.tax_columns) if layout.flat.tax_columns else None
    columns = [c for c in batch.schema.names if c in layout.flat.totals or (pattern and pattern.match(c))]
    keys = pc.utf8_trim_whitespace(batch.column(_order_column(layout, batch)))
    suspects = _repeated_differently(keys, first, [batch.column(c) for c in columns])
    if suspects is None:
        return []
    # Only orders whose lines differ in a text are parsed: "19.0" and "19.00" are one amount.
    inside = pc.is_in(keys, value_set=suspects)
    batch, keys = batch.filter(inside), keys.filter(inside)
    rejects = []
    for column in columns:
        values = parse(batch.column(column), "decimal", layout.decimal)[0]
        found = pa.table({"order": keys, "value": values}).group_by("order").aggregate([("value", "distinct")])
        amounts = {order: " / ".join(str(v) for v in sorted(vs)) for order, vs in zip(
            found.column("order").to_pylist(), found.column("value_distinct").to_pylist(), strict=True)
            if len(vs) > 1}
        if amounts:
            ids = orders.column("order_id").to_pylist()
            rejects += rejects_where(orders, pa.array([i in amounts for i in ids]), column,
                                     pa.array([amounts.get(i) for i in ids], pa.string()), "ambiguous-totals",
                                     "order_id")
    return rejects


def _repeated_differently(keys: pa.Array, first: pa.Array, columns: list[pa.Array]) -> pa.Array | None:
    """The keys whose rows hold a text in some of `columns` that their first row (`first`: its index per key)
    does not; None when there is none (the rule: an order's lines repeat its totals)."""
    if not columns:
        return None
    head = pc.take(first, pc.index_in(keys, value_set=pc.take(keys, first)))  # each row's first row
    suspect = None
    for column in columns:
        text = pc.utf8_trim_whitespace(column)
        head_text = pc.take(text, head)
        differs = pc.or_kleene(pc.fill_null(pc.not_equal(text, head_text), False),
                               pc.and_(pc.is_null(head_text), pc.is_valid(text)))
        suspect = differs if suspect is None else pc.or_(suspect, differs)
    return pc.unique(keys.filter(suspect)) if pc.any(suspect).as_py() else None


def _flat_totals(layout: SourceLayout, batch: pa.Table, orders: pa.Table) -> tuple[pa.Table, list]:
    assert layout.flat is not None
    pattern = re.compile(layout.flat.tax_columns) if layout.flat.tax_columns else None
    columns: list[tuple[str, str, str | None]] = []
    for column in batch.schema.names:
        if column in layout.flat.totals:
            columns.append((column, layout.flat.totals[column], None))
        elif pattern and (match := pattern.match(column)):
            columns.append((column, "ot_tax", f"{match.group(1)} %"))
    tables, rejects = [], []
    for sort, (column, cls, title) in enumerate(columns):
        values, bad = parse(batch.column(column), "decimal", layout.decimal)
        rejects += rejects_where(orders, bad, column, batch.column(column), REASONS["decimal"], "order_id")
        keep = pc.is_valid(values)
        size = orders.num_rows
        tables.append(pa.table({
            "order_id": orders.column("order_id"), "class": constant(cls, size, pa.string()),
            "title": constant(title, size, pa.string()), "value": values,
            "sort": constant(sort, size, pa.int64()), "_file": orders.column("_file"),
            "_line": orders.column("_line"), "_run": orders.column("_run"),
        }).filter(keep))
    return concat_tables(tables) if tables else None, rejects


FLOW = Flow(name="orders", module="Bestellimport", direction="shop -> ERP", source="shop/orders.yaml",
            target="sage/orders.yaml", outbox="sage", unit="orders", extract_tables=extract_tables,
            extract_flat=extract_flat, flat_key="order_id", links="orders", once_per_record=True, new_customers_note=N_(
                "{count} customer(s) not yet in the ERP got a new customer number; export them with "
                "`etl run customers`, or let the orders flow write them (flows.orders.extra_targets: "
                "[sage/customers.yaml] in etl.yaml)"))
