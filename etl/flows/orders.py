"""Orders (Bestellimport): shop order tables or flat exports -> neutral orders, items, taxes.

The shop stores an order in several tables: the order, its product lines with variant attributes,
and order totals (shipping, fees, discounts, coupons, taxes, grand total). Here they are joined into
neutral records, every service total becomes an item of its kind, and each order must reconcile to
the cent before it goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract.rawtable import LINE, RawTable
from etl.model import DECIMAL, schema
from etl.records import Chunk
from etl.rejects import Reject, rejects_where
from etl.transform.layout import SourceLayout
from etl.transform.parse import parse
from etl.transform.source import concat_tables, conform, first_rows, put_column, read_fields, read_tables

SERVICE_KINDS = ("shipping", "fee", "surcharge", "discount", "coupon")
_RATE_IN_TITLE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_TAGS = r"<[^>]*>"
CHUNK_ORDERS = 20_000

Neutral = dict[str, pa.Table]



def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str
                   ) -> Iterator[Chunk]:
    """Join the table files of one export (orders, orders_products, ...) and yield order chunks."""
    parts, rejects = read_tables(layout, tables, run_id, key="order_id")
    yield from _chunks(layout, parts, rejects)


def extract_flat(layout: SourceLayout, raw: RawTable, run_id: str) -> Iterator[Chunk]:
    """Stream a flat export (one row per line, order fields repeated) as chunks of whole orders."""
    assert layout.flat is not None
    carry: pa.RecordBatch | None = None
    for batch in raw.batches():
        if carry is not None:
            batch = pa.Table.from_batches([carry, batch]).combine_chunks().to_batches()[0]
        ids = batch.column(_order_column(layout, batch))
        last = ids[-1]
        tail = pc.equal(ids, last) if last.is_valid else pc.is_null(ids)
        carry = batch.filter(tail)
        complete = batch.filter(pc.invert(tail))
        if complete.num_rows:
            yield _flat_chunk(layout, raw, complete, run_id)
    if carry is not None and carry.num_rows:
        yield _flat_chunk(layout, raw, carry, run_id)


def _order_column(layout: SourceLayout, batch: pa.RecordBatch) -> str:
    columns = layout.tables["orders"].fields["order_id"].column
    return next(c for c in columns if c in batch.schema.names)


def _flat_chunk(layout: SourceLayout, raw: RawTable, batch: pa.RecordBatch, run_id: str) -> Chunk:
    assert layout.flat is not None
    orders_spec, items_spec = (layout.tables[name] for name in layout.flat.tables)
    # An order's own fields are read from its first line only: the later lines repeat them.
    first = first_rows(pc.utf8_trim_whitespace(batch.column(_order_column(layout, batch))))
    heads = batch.take(first)
    orders, rejects = read_fields(layout, orders_spec, heads, raw.path.name, run_id, key="order_id")
    items, item_rejects = read_fields(layout, items_spec, batch, raw.path.name, run_id, key="order_id")
    rejects += item_rejects
    if layout.flat.attributes and layout.flat.attributes in batch.schema.names:
        items = items.append_column("attributes", parse(batch.column(layout.flat.attributes), "string")[0])
    totals, total_rejects = _flat_totals(layout, heads, orders)
    parts = {"orders": orders, "orders_products": items, "orders_total": totals}
    return next(_chunks(layout, parts, rejects + total_rejects, chunk_size=None))


def _flat_totals(layout: SourceLayout, batch: pa.RecordBatch, orders: pa.Table) -> tuple[pa.Table, list]:
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
        rejects += rejects_where(orders, bad, column, batch.column(column), "is not a number", "order_id")
        keep = pc.is_valid(values)
        size = orders.num_rows
        tables.append(pa.table({
            "order_id": orders.column("order_id"), "class": pa.array([cls] * size),
            "title": pa.array([title] * size, pa.string()), "value": values,
            "sort": pa.array([sort] * size, pa.int64()), "_file": orders.column("_file"),
            "_line": orders.column("_line"), "_run": orders.column("_run"),
        }).filter(keep))
    return concat_tables(tables) if tables else None, rejects


def _chunks(layout: SourceLayout, parts: dict[str, pa.Table | None], rejects: list[Reject],
            chunk_size: int | None = CHUNK_ORDERS) -> Iterator[Chunk]:
    orders = parts.get("orders")
    if orders is None:
        orders = schema("orders").empty_table()
    items = parts.get("orders_products")
    attributes = parts.get("orders_products_attributes")
    totals = parts.get("orders_total")
    history = parts.get("orders_status_history")
    assembler = _Assembler(layout, orders, rejects)
    items = assembler.attach_attributes(items, attributes)
    services, taxes = assembler.split_totals(totals)
    all_items = assembler.number_items(items, services)
    history = assembler.own(history, "order_status history")
    neutral = assembler.finish(all_items, taxes, history)
    if chunk_size is None or neutral["orders"].num_rows <= chunk_size:
        yield Chunk(neutral, assembler.rejects, assembler.records_in, assembler.rejected)
        return
    first = True
    for start in range(0, neutral["orders"].num_rows, chunk_size):
        part = neutral["orders"].slice(start, chunk_size)
        ids = part.column("order_id")
        sub = {name: t.filter(pc.is_in(t.column("order_id"), value_set=ids.combine_chunks()))
               for name, t in neutral.items()}
        sub["orders"] = part
        yield Chunk(sub, assembler.rejects if first else [],
                         assembler.records_in if first else 0, assembler.rejected if first else 0)
        first = False


class _Assembler:
    """Builds neutral order tables out of the parsed shop tables, collecting rejects on the way."""

    def __init__(self, layout: SourceLayout, orders: pa.Table, rejects: list[Reject]) -> None:
        self.layout = layout
        self.rejects = list(rejects)
        self.orphans = 0
        orders, duplicates = self._unique(orders)
        self.orders = orders
        self.ids = orders.column("order_id").combine_chunks()
        self.duplicates = duplicates

    @property
    def records_in(self) -> int:
        """Orders seen (duplicates included) plus lines that belong to no order."""
        return self.orders.num_rows + self.duplicates + self.orphans

    @property
    def rejected(self) -> int:
        return len(self.rejected_ids) + self.orphans + self.duplicates

    @property
    def rejected_ids(self) -> set[str]:
        known = set(self.ids.to_pylist())
        return {r.record for r in self.rejects if r.record is not None and r.record in known}

    def _unique(self, orders: pa.Table) -> tuple[pa.Table, int]:
        """Orders with an id, each id once; the rest is counted as rejected (read_fields said why)."""
        with_id = orders.filter(pc.is_valid(orders.column("order_id")))
        missing, orders = orders.num_rows - with_id.num_rows, with_id
        first = first_rows(orders.column("order_id"))
        if len(first) == orders.num_rows:
            return orders, missing
        dupes = pc.invert(pc.is_in(pa.array(range(orders.num_rows)), value_set=first))
        self.rejects += [Reject(r.file, r.line, None, r.field, r.value, r.reason) for r in rejects_where(
            orders, dupes, "orders_id", orders.column("order_id"),
            "the same order id appears twice in the export; the first one is used", None)]
        return orders.take(first), orders.num_rows - len(first) + missing

    def own(self, table: pa.Table | None, what: str) -> pa.Table | None:
        """Rows of `table` whose order exists; the others are rejected, each on its own."""
        if table is None:
            return None
        known = pc.is_in(table.column("order_id"), value_set=self.ids)
        orphans = pc.invert(known)
        count = pc.sum(pc.cast(orphans, pa.int64())).as_py() or 0
        if count:
            self.orphans += count
            self.rejects += [
                Reject(r.file, r.line, None, "orders_id", r.value,
                       f"this {what} belongs to order {r.value}, which is not in the export")
                for r in rejects_where(table, orphans, "orders_id", table.column("order_id"), "", None)
            ]
        return table.filter(known)

    def attach_attributes(self, items: pa.Table | None, attributes: pa.Table | None) -> pa.Table:
        if items is None:
            return schema("order_items").empty_table().append_column("item_id", pa.array([], pa.string()))
        items = self.own(items, "order line")
        if attributes is None:
            return items
        attributes = self.own(attributes, "variant attribute")
        texts: dict[str, list[str]] = {}
        for row in attributes.select(["item_id", "option", "value"]).to_pylist():
            texts.setdefault(row["item_id"], []).append(f"{row['option'] or ''}: {row['value'] or ''}")
        joined = [("; ".join(texts[i]) if i in texts else None) for i in items.column("item_id").to_pylist()]
        column = pa.array(joined, pa.string())
        if "attributes" in items.column_names:
            return items.set_column(items.column_names.index("attributes"), "attributes", column)
        return items.append_column("attributes", column)

    def split_totals(self, totals: pa.Table | None) -> tuple[pa.Table | None, pa.Table | None]:
        """Service items (shipping, fees, discounts, coupons), taxes, and each order's grand total."""
        if totals is None:
            self._set_totals(None)
            return None, None
        totals = self.own(totals, "order total")
        classes: dict[str, str] = self.layout.options.get("totals_classes", {})
        kind = pc.take(pa.array(list(classes.values())),
                       pc.index_in(pc.utf8_lower(totals.column("class")),
                                   value_set=pa.array([c.lower() for c in classes])))
        self.rejects += rejects_where(totals, pc.is_null(kind), "class", totals.column("class"),
                                      "is an order total class the shop mapping does not know "
                                      "(options.totals_classes); add it there", "order_id")
        totals = totals.append_column("kind", kind)
        self._set_totals(totals.filter(pc.equal(kind, "total")))
        services = totals.filter(pc.is_in(kind, value_set=pa.array(SERVICE_KINDS)))
        value = services.column("value")
        deduction = pc.is_in(services.column("kind"), value_set=pa.array(["discount", "coupon"]))
        value = pc.if_else(deduction, pc.negate(pc.abs(value)), value)
        title = pc.utf8_trim(pc.replace_substring_regex(services.column("title"), _TAGS, ""), " :")
        services = pa.table({
            "order_id": services.column("order_id"), "kind": services.column("kind"),
            "name": pc.coalesce(title, services.column("class")), "quantity": pa.array(
                [Decimal(1)] * services.num_rows, DECIMAL), "unit_price": value, "line_total": value,
            "sort": services.column("sort"), "_file": services.column("_file"),
            "_line": services.column("_line"), "_run": services.column("_run"),
        })
        taxes = totals.filter(pc.equal(kind, "tax"))
        rates = [self._rate(title) for title in taxes.column("title").to_pylist()]
        taxes = pa.table({
            "order_id": taxes.column("order_id"), "tax_rate": pa.array(rates, DECIMAL),
            "tax_amount": taxes.column("value"), "_file": taxes.column("_file"),
            "_line": taxes.column("_line"), "_run": taxes.column("_run"),
        })
        return services, taxes

    @staticmethod
    def _rate(title: str | None) -> Decimal | None:
        match = _RATE_IN_TITLE.search(title or "")
        return Decimal(match.group(1).replace(",", ".")) if match else None

    def _set_totals(self, grand: pa.Table | None) -> None:
        if grand is None or grand.num_rows == 0:
            total = pa.nulls(self.orders.num_rows, DECIMAL)
        else:
            first = first_rows(grand.column("order_id"))
            grand = grand.take(first)
            index = pc.index_in(self.orders.column("order_id"), value_set=grand.column("order_id"))
            total = pc.take(grand.column("value"), index)
        self.orders = put_column(self.orders, "total", total)
        self.rejects += rejects_where(self.orders, pc.is_null(total), "ot_total", total,
                                      "the order has no grand total (orders_total class ot_total)",
                                      "order_id")

    def number_items(self, items: pa.Table, services: pa.Table | None) -> pa.Table:
        """Products first, then services in their shop order; each order numbered from 1."""
        items = items.append_column("kind", pa.array(["product"] * items.num_rows, pa.string()))
        gross = self._order_value(items, "prices_gross", "min")
        rate = self._service_rate(items)
        if services is not None and services.num_rows:
            index = pc.index_in(services.column("order_id"), value_set=self.ids)
            services = services.append_column("tax_rate", pc.take(rate, index))
            services = services.append_column("prices_gross", pc.take(gross, index))
            items = concat_tables([items.append_column("sort", pa.nulls(items.num_rows, pa.int64())),
                                   services])
        self.orders = put_column(self.orders, "prices_gross", pc.fill_null(gross, True))
        order_index = pc.index_in(items.column("order_id"), value_set=self.ids)
        group = pc.if_else(pc.equal(items.column("kind"), "product"), 0, 1)
        items = items.append_column("_order", order_index).append_column("_group", group)
        items = items.sort_by([("_order", "ascending"), ("_group", "ascending"), ("sort", "ascending"),
                               (LINE, "ascending")])
        positions, previous, count = [], None, 0
        for order in items.column("_order").to_pylist():
            count = count + 1 if order == previous else 1
            previous = order
            positions.append(count)
        return put_column(items, "position", pa.array(positions, pa.int64()))

    def _order_value(self, items: pa.Table, column: str, how: str) -> pa.Array:
        """Per order (aligned to self.orders) an aggregate of an item column; null if no items."""
        per_order = items.group_by("order_id", use_threads=False).aggregate([(column, how)])
        index = pc.index_in(self.ids, value_set=per_order.column("order_id"))
        return pc.take(per_order.column(f"{column}_{how}"), index)

    def _service_rate(self, items: pa.Table) -> pa.Array:
        setting = str(self.layout.options.get("service_tax_rate", "highest"))
        if setting == "highest":
            return pc.cast(self._order_value(items, "tax_rate", "max"), DECIMAL)
        return pa.array([Decimal(setting)] * len(self.ids), DECIMAL)

    def finish(self, items: pa.Table, taxes: pa.Table | None, history: pa.Table | None) -> Neutral:
        """Reconcile every order, drop the refused ones, and shape the neutral tables."""
        taxes = taxes if taxes is not None else schema("order_taxes").empty_table()
        tax_total = pc.fill_null(pc.cast(self._order_value(taxes, "tax_amount", "sum"), DECIMAL),
                                 pa.scalar(0, DECIMAL))
        self.orders = put_column(self.orders, "tax_total", tax_total)
        lines = pc.cast(self._order_value(items, "line_total", "sum"), DECIMAL)
        has_lines = self._order_value(items.filter(pc.equal(items.column("kind"), "product")),
                                      "line_total", "count")
        self.rejects += rejects_where(self.orders, pc.is_null(has_lines), "orders_products",
                                      self.orders.column("order_id"), "the order has no product lines",
                                      "order_id")
        gross = self.orders.column("prices_gross")
        expected = pc.if_else(gross, pc.fill_null(lines, pa.scalar(0, DECIMAL)),
                              pc.add(pc.fill_null(lines, pa.scalar(0, DECIMAL)), tax_total))
        expected = pc.cast(expected, DECIMAL)
        total = self.orders.column("total")
        off = pc.and_(pc.is_valid(total), pc.not_equal(pc.round(total, 2), pc.round(expected, 2)))
        if pc.any(pc.fill_null(off, False)).as_py():
            for row in self.orders.filter(off).select(["order_id", "total", "_file", "_line"]).to_pylist():
                index = self.ids.index(row["order_id"]).as_py()
                sum_ = expected[index].as_py()
                self.rejects.append(Reject(
                    row["_file"], row["_line"], row["order_id"], "ot_total", _money(row["total"]),
                    f"the order does not add up: items, shipping, fees, discounts and coupons"
                    f"{'' if gross[index].as_py() else ' plus taxes'} make {_money(sum_)}, the order "
                    f"total is {_money(row['total'])} (difference {_money(row['total'] - sum_)})"))
        refused = pa.array(sorted(self.rejected_ids), pa.string())
        def keep(table: pa.Table) -> pa.Table:
            return table.filter(pc.invert(pc.is_in(table.column("order_id"), value_set=refused)))
        neutral = {
            "orders": conform(keep(self.orders), schema("orders")),
            "order_items": conform(keep(items), schema("order_items")),
            "order_taxes": conform(keep(taxes), schema("order_taxes")),
        }
        if history is not None:
            neutral["order_status"] = conform(keep(history), schema("order_status"))
        return neutral



def _money(value: Decimal | None) -> str:
    return "nothing" if value is None else f"{value.quantize(Decimal('0.01'))}"
