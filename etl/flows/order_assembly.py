"""Order assembly: the shop's order tables joined into neutral orders, items and taxes, each reconciled.

Every service total (shipping, fees, discounts, coupons) becomes an item of its kind, items are
numbered per order, and an order whose items, services and taxes do not make its total is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import LINE
from etl.fast.arrays import constant
from etl.flows.cut_tables import cut_off
from etl.flows.order_taxes import FALLBACK_NOTE, StandardRates, per_rate
from etl.i18n import N_
from etl.shared.model import DECIMAL, schema
from etl.shared.records import Chunk, Neutral
from etl.shared.reject_codes import Words
from etl.shared.rejects import Reject, rejects_where
from etl.transform.layout import SourceLayout
from etl.transform.names import fill_names
from etl.transform.relate import dedupe, first_rows, number_runs, orphans, per_parent, split
from etl.transform.source import concat_tables, conform, put_column

SERVICE_KINDS = ("shipping", "fee", "surcharge", "discount", "coupon")
_RATE_IN_TITLE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_TAGS = r"<[^>]*>"
CHUNK_ORDERS = 20_000


def chunks(layout: SourceLayout, parts: dict[str, pa.Table | None], rejects: list[Reject],
           chunk_size: int | None = CHUNK_ORDERS) -> Iterator[Chunk]:
    """The set's orders assembled and checked, in chunks of `chunk_size` whole orders."""
    orders = parts.get("orders")
    orders = orders if orders is not None else schema("orders").empty_table()
    orders = fill_names(fill_names(orders, "billing"), "delivery")  # a join export with billing_name only
    items = parts.get("orders_products")
    attributes = parts.get("orders_products_attributes")
    totals = parts.get("orders_total")
    history = parts.get("orders_status_history")
    assembler = _Assembler(layout, orders, rejects)
    assembler.rejects += cut_off(assembler.orders, parts, assembler.rejects)
    items = assembler.attach_attributes(items, attributes)
    services, taxes = assembler.split_totals(totals)
    all_items = assembler.number_items(items, services)
    tallies: dict[str, list[str]] = {}
    if taxes is not None:
        by_rate = per_rate(all_items, taxes, assembler.orders, StandardRates.of(layout.options))
        all_items, taxes = by_rate.items, by_rate.taxes
        assembler.rejects += by_rate.rejects
        for (country, rate), ids in by_rate.fallbacks.items():
            note = FALLBACK_NOTE.format(count="{count}", rate=f"{rate.normalize():f}", country=country,
                                        records="{records}")
            tallies.setdefault(note, []).extend(ids)
    history = assembler.own_any(history, N_("order_status history"))
    neutral = assembler.reconcile(all_items, taxes, history)
    for n, part in enumerate(split(neutral, "orders", "order_id", chunk_size)):
        # The counts and rejects of the whole set travel with its first chunk.
        yield (Chunk(part, assembler.rejects, assembler.records_in, assembler.rejected, tallies=tallies) if n == 0
               else Chunk(part))


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
        """Orders with an id, each id once; the rest is counted as rejected (read_fields or dedupe said why)."""
        with_id = orders.filter(pc.is_valid(orders.column("order_id")))
        unique, twice = dedupe(with_id, "order_id", "orders_id", Words(N_("order")))
        self.rejects += twice
        return unique, orders.num_rows - unique.num_rows

    def own(self, table: pa.Table, what: str) -> pa.Table:
        """Rows of `table` whose order exists; the others are rejected, each on its own."""
        kept, lost = orphans(table, "order_id", self.ids, "orders_id", "line-without-order", {"what": Words(what)})
        self.orphans += len(lost)
        self.rejects += lost
        return kept

    def own_any(self, table: pa.Table | None, what: str) -> pa.Table | None:
        """`own` for a table the export may lack."""
        return None if table is None else self.own(table, what)

    def attach_attributes(self, items: pa.Table | None, attributes: pa.Table | None) -> pa.Table:
        """Order lines of known orders, with their variant attributes joined into one text."""
        if items is None:
            return schema("order_items").empty_table().append_column("item_id", pa.array([], pa.string()))
        items = self.own(items, N_("order line"))
        if attributes is None:
            return items
        attributes = self.own(attributes, N_("variant attribute"))
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
        totals = self.own(totals, N_("order total"))
        classes: dict[str, str] = self.layout.options.get("totals_classes", {})
        kind = pc.take(pa.array(list(classes.values())),
                       pc.index_in(pc.utf8_lower(totals.column("class")),
                                   value_set=pa.array([c.lower() for c in classes])))
        self.rejects += rejects_where(totals, pc.is_null(kind), "class", totals.column("class"),
                                      "unknown-total-class", "order_id")
        totals = totals.append_column("kind", kind)
        self._set_totals(totals.filter(pc.equal(kind, "total")))
        services = totals.filter(pc.is_in(kind, value_set=pa.array(SERVICE_KINDS)))
        value = services.column("value")
        deduction = pc.is_in(services.column("kind"), value_set=pa.array(["discount", "coupon"]))
        value = pc.if_else(deduction, pc.negate(pc.abs(value)), value)
        title = pc.utf8_trim(pc.replace_substring_regex(services.column("title"), _TAGS, ""), " :")
        services = pa.table({
            "order_id": services.column("order_id"), "kind": services.column("kind"),
            "name": pc.coalesce(title, services.column("class")),
            "quantity": constant(Decimal(1), services.num_rows, DECIMAL), "unit_price": value, "line_total": value,
            "sort": services.column("sort"), "_file": services.column("_file"),
            "_line": services.column("_line"), "_run": services.column("_run"),
        })
        taxes = totals.filter(pc.equal(kind, "tax"))
        titles = pc.unique(taxes.column("title"))  # a few titles ("MwSt. 19 %") over and over
        rates = pc.take(pa.array([self._rate(t) for t in titles.to_pylist()], DECIMAL),
                        pc.index_in(taxes.column("title"), value_set=titles, skip_nulls=False))
        taxes = pa.table({
            "order_id": taxes.column("order_id"), "tax_rate": rates,
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
            # Two grand totals (an order exported twice, a module that adds its own): which one the
            # customer pays is not known, so the order is refused, naming every one of them.
            counts = grand.group_by("order_id").aggregate([("order_id", "count")])
            twice = counts.filter(pc.greater(counts.column("order_id_count"), 1)).column("order_id")
            self.rejects += rejects_where(grand, pc.is_in(grand.column("order_id"), value_set=twice), "ot_total",
                                          grand.column("value"), "several-grand-totals", "order_id")
            first = first_rows(grand.column("order_id"))
            grand = grand.take(first)
            index = pc.index_in(self.orders.column("order_id"), value_set=grand.column("order_id"))
            total = pc.take(grand.column("value"), index)
        self.orders = put_column(self.orders, "total", total)
        self.rejects += rejects_where(self.orders, pc.is_null(total), "ot_total", total, "no-grand-total",
                                      "order_id")

    def number_items(self, items: pa.Table, services: pa.Table | None) -> pa.Table:
        """Products first, then services in their shop order; each order numbered from 1."""
        items = put_column(items, "kind", constant("product", items.num_rows, pa.string()))
        items = put_column(items, "sort", pa.nulls(items.num_rows, pa.int64()))
        gross = self._order_value(items, "prices_gross", "min")
        rate = self._service_rate(items)
        if services is not None and services.num_rows:
            index = pc.index_in(services.column("order_id"), value_set=self.ids)
            services = services.append_column("tax_rate", pc.take(rate, index))
            services = services.append_column("prices_gross", pc.take(gross, index))
            items = concat_tables([items, services])
        self.orders = put_column(self.orders, "prices_gross", pc.fill_null(gross, True))
        order_index = pc.index_in(items.column("order_id"), value_set=self.ids)
        group = pc.if_else(pc.equal(items.column("kind"), "product"), 0, 1)
        items = items.append_column("_order", order_index).append_column("_group", group)
        items = items.sort_by([("_order", "ascending"), ("_group", "ascending"), ("sort", "ascending"),
                               (LINE, "ascending")])
        return put_column(items, "position", number_runs(items.column("_order")))

    def _order_value(self, items: pa.Table, column: str, how: str) -> pa.Array:
        """Per order (aligned to self.orders) an aggregate of an item column; null if no items."""
        return per_parent(items, "order_id", column, how, self.ids)

    def _service_rate(self, items: pa.Table) -> pa.Array:
        setting = str(self.layout.options.get("service_tax_rate", "highest"))
        if setting == "highest":
            return pc.cast(self._order_value(items, "tax_rate", "max"), DECIMAL)
        return constant(Decimal(setting), len(self.ids), DECIMAL)

    def reconcile(self, items: pa.Table, taxes: pa.Table | None, history: pa.Table | None) -> Neutral:
        """Reconcile every order, drop the refused ones, and shape the neutral tables."""
        taxes = taxes if taxes is not None else schema("order_taxes").empty_table()
        tax_total = pc.fill_null(pc.cast(self._order_value(taxes, "tax_amount", "sum"), DECIMAL),
                                 pa.scalar(0, DECIMAL))
        self.orders = put_column(self.orders, "tax_total", tax_total)
        lines = pc.cast(self._order_value(items, "line_total", "sum"), DECIMAL)
        has_lines = self._order_value(items.filter(pc.equal(items.column("kind"), "product")),
                                      "line_total", "count")
        self.rejects += rejects_where(self.orders, pc.is_null(has_lines), "orders_products",
                                      self.orders.column("order_id"), "no-product-lines", "order_id")
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
                    "order-does-not-add-up", params={
                        "parts": Words(N_("items, shipping, fees, discounts and coupons") if gross[index].as_py()
                                       else N_("items, shipping, fees, discounts and coupons plus taxes")),
                        "sum": _cents(sum_), "total": _cents(row["total"]), "difference": _cents(row["total"] - sum_)}))
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
    return "nothing" if value is None else f"{_cents(value)}"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))
