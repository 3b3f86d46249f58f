"""Shipments (DHL / Deli Sprint, Trackingcode): ERP delivery notes -> neutral shipments and parcels.

A delivery note may come as several rows (one per parcel) or list its parcel numbers in one cell;
here it becomes one shipment with its parcels. Checks that need the working folder's settings (the
carriers' parcel-number forms, tracking URLs, which orders the shop knows) run in `prepare`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.config import Config
from etl.extract import RawTable
from etl.flows.flow import Flow
from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral, Prepared
from etl.shared.reject_codes import Words
from etl.shared.rejects import Reject
from etl.state.ledger import Ledger
from etl.state.links import shop_customers
from etl.transform.layout import SourceLayout
from etl.transform.relate import lookup
from etl.transform.source import put_column, read_tables

Problem = tuple[str, str | None, str, dict[str, Any]]  # field, value, reject code, its parameters
_PARCEL_OF_NOTE = ("delivery_note", "order_id", "carrier", "shipped_at", "_file", "_line", "_run")


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Group the delivery-note rows into shipments with their parcels, as one chunk."""
    parts, rejects = read_tables(layout, tables, run_id, key="delivery_note")
    rows = parts.get("delivery_notes")
    if rows is None:
        yield Chunk({"shipments": schema("shipments").empty_table(), "parcels": schema("parcels").empty_table()},
                    rejects, 0, 0)
        return
    refused = {r.record for r in rejects if r.record}
    split = re.compile(layout.options.get("tracking_separator", r"[,;|\s]+"))
    named = rows.filter(pc.is_valid(rows.column("delivery_note")))  # else read_fields refused it: required
    unnamed = rows.num_rows - named.num_rows
    # Python walks only the key and parcel-number columns (the numbers are split by a Python pattern of
    # etl.yaml); each note's other fields come from its first row, its weight summed, all in Arrow.
    first: dict[str, int] = {}
    numbers: dict[str, list[str]] = {}
    for i, (key, cell) in enumerate(zip(named.column("delivery_note").to_pylist(),
                                        named.column("tracking_number").to_pylist(), strict=True)):
        first.setdefault(key, i)
        found = numbers.setdefault(key, [])
        found += [n for n in split.split(cell or "") if n and n not in found]
    kept = [key for key in first if key not in refused]
    notes = named.take(pa.array([first[key] for key in kept], pa.int64()))
    weights = named.select(["delivery_note", "weight"]).group_by("delivery_note", use_threads=False) \
        .aggregate([("weight", "sum")])
    at = pc.index_in(notes.column("delivery_note"), value_set=weights.column("delivery_note"))
    streets = [" ".join(p for p in parts_ if p) or None for parts_ in zip(
        notes.column("delivery_street").to_pylist(), _or_nulls(notes, "house_number").to_pylist(), strict=True)]
    found_of = [numbers[key] for key in kept]
    shipments = _table("shipments", notes, {
        "weight": weights.column("weight_sum").take(at), "delivery_street": streets,
        "tracking_number": [", ".join(n) or None for n in found_of], "parcel_count": [len(n) or None for n in found_of],
        "tracked": [bool(n) for n in found_of]})
    each = pa.array([j for j, n in enumerate(found_of) for _ in n], pa.int64())
    parcels = _table("parcels", notes.take(each).select(_PARCEL_OF_NOTE), {
        "position": [i for n in found_of for i in range(1, len(n) + 1)],
        "tracking_number": [number for n in found_of for number in n]})
    yield Chunk({"shipments": shipments, "parcels": parcels}, rejects, len(first) + unnamed,
                len(first) - len(kept) + unnamed)


def _or_nulls(table: pa.Table, name: str) -> pa.ChunkedArray | pa.Array:
    """Column `name` of `table`, or nulls where the export has no such column."""
    return table.column(name) if name in table.column_names else pa.nulls(table.num_rows, pa.string())


def _table(entity: str, rows: pa.Table, values: dict[str, Any]) -> pa.Table:
    """The neutral `entity` of `rows`' columns (nulls for those it lacks), with `values` put in."""
    kinds = schema(entity)
    columns = [values[f.name] if f.name in values else _or_nulls(rows, f.name) for f in kinds]
    return pa.Table.from_arrays([pa.array(c, f.type) if isinstance(c, list) else c.cast(f.type)
                                 for c, f in zip(columns, kinds, strict=True)], schema=kinds)


def prepare(config: Config, layout: SourceLayout, ledger: Ledger, neutral: Neutral) -> Prepared:
    """Check parcel numbers per carrier, add tracking links, the shop's order and customer ids."""
    table = neutral["shipments"]
    if layout.options.get("known_orders_only", True):  # else every order id is taken as the shop's
        seen = lookup(table.column("order_id"), partial(ledger.records_seen, "orders"))
        table = put_column(table, "shop_order_id", pc.if_else(pc.is_valid(seen), table.column("order_id"), None))
    else:
        table = put_column(table, "shop_order_id", table.column("order_id"))
    customers = shop_customers(config.folder("state"), table.column("erp_customer_number"))
    table = put_column(table, "customer_id", customers)
    # Python rows of only the columns the checks read and fill (all ~45 of every note were ~3x the work).
    shipments = table.select(_NOTE_CHECKED).to_pylist()
    parcels = neutral["parcels"].select(_PARCEL_CHECKED).to_pylist()
    rejects: list[Reject] = []
    by_note = {s["delivery_note"]: s for s in shipments}
    for parcel in parcels:
        note = by_note[parcel["delivery_note"]]
        problem = _parcel(config, note, parcel)
        if problem:
            rejects.append(Reject(note["_file"], note["_line"], note["delivery_note"], *problem[:3], None, problem[3]))
    urls: dict[str, list[str]] = {}  # per note, in parcel order: one pass, not a scan of every parcel per note
    for parcel in parcels:
        if parcel.get("tracking_url"):
            urls.setdefault(parcel["delivery_note"], []).append(parcel["tracking_url"])
    for note in shipments:
        rejects += _complete_note(config, note, urls.get(note["delivery_note"], []))
    refused = pa.array(list({r.record for r in rejects}), pa.string())
    return Prepared({"shipments": _filled(table, "shipments", shipments, _NOTE_FILLED, refused),
                     "parcels": _filled(neutral["parcels"], "parcels", parcels, _PARCEL_FILLED, refused)}, rejects)


_NOTE_FILLED = ("carrier", "carrier_name", "tracking_urls", "label_product", "billing_number")
_NOTE_CHECKED = ["delivery_note", "order_id", "shop_order_id", "tracked", "language", "delivery_country",
                 "customs_description", "customs_tariff_number", "customs_value", "customs_origin", "_file", "_line",
                 *_NOTE_FILLED]
_PARCEL_FILLED = ("carrier", "carrier_name", "tracking_url")
_PARCEL_CHECKED = ["delivery_note", "tracking_number", *_PARCEL_FILLED]


def _filled(table: pa.Table, entity: str, rows: list[dict[str, Any]], names: tuple[str, ...],
            refused: pa.Array) -> pa.Table:
    """`table` with the columns `names` taken from `rows` (its rows, in order), less the refused notes."""
    kinds = schema(entity)
    for name in names:
        table = put_column(table, name, pa.array([row[name] for row in rows], kinds.field(name).type))
    table = table.select(kinds.names).cast(kinds)
    return table.filter(pc.invert(pc.is_in(table.column("delivery_note"), value_set=refused)))


def _complete_note(config: Config, note: dict[str, Any], urls: list[str]) -> list[Reject]:
    """Fill the note's carrier name and tracking links; reject a label its carrier cannot make, an order unknown."""
    rejects: list[Reject] = []
    carrier = config.carriers.get(note["carrier"] or "")
    note["carrier_name"] = carrier.name if carrier else note["carrier"]
    note["tracking_urls"] = " ".join(urls) or None
    label = _label(config, note) if carrier is not None and not note["tracked"] else None
    if label:
        rejects.append(Reject(note["_file"], note["_line"], note["delivery_note"], *label[:3], None, label[3]))
    if note["shop_order_id"] is None:
        rejects.append(Reject(note["_file"], note["_line"], note["delivery_note"], "Shopbestellnummer",
                              note["order_id"], "unknown-shop-order" if note["order_id"] else "no-shop-order-number",
                              params={"order": note["order_id"]} if note["order_id"] else {}))
    return rejects


def _parcel(config: Config, note: dict[str, Any], parcel: dict[str, Any]) -> Problem | None:
    """Fill the parcel's carrier and link; the problem (field, value, code, params) if its number is wrong."""
    number = parcel["tracking_number"]
    key = note["carrier"] or next((k for k, c in config.carriers.items() if c.patterns and c.accepts(number)), None)
    carrier = config.carriers.get(key or "")
    if carrier is None:
        return "Versanddienstleister", note["carrier"], "unknown-carrier", {}
    note["carrier"] = parcel["carrier"] = key
    parcel["carrier_name"] = carrier.name
    if not carrier.accepts(number):
        return "Paketnummer", number, "not-a-parcel-number", {
            "carrier": carrier.name, "form": Words(carrier.number_form or "–")}
    parcel["tracking_url"] = carrier.url(number, note["language"] or config.mail.default_language)
    return None


def _label(config: Config, note: dict[str, Any]) -> Problem | None:
    """Product and billing number of a label still to print; the problem if the carrier cannot take it."""
    carrier = config.carriers[note["carrier"]]
    if not carrier.product and not carrier.product_international:
        return None  # a carrier without label products (DPD's DELISprint picks its own)
    country = note["delivery_country"]
    note["label_product"] = product = carrier.product_for(country)
    note["billing_number"] = carrier.billing_for(product)
    if note["billing_number"] is None:
        key = f"carriers.{note['carrier']}.billing_numbers.{product}"
        return "Abrechnungsnummer", product, "needs-config", {"carrier": carrier.name, "product": product, "key": key}
    missing = [name for name, field in _CUSTOMS if note[field] in (None, "")]
    if carrier.needs_customs(country) and missing:
        return missing[0], None, "customs-data-missing", {"country": country, "fields": missing}
    return None


_CUSTOMS = (("Warenbeschreibung", "customs_description"), ("Zolltarifnummer", "customs_tariff_number"),
            ("Zollwert", "customs_value"), ("Ursprungsland", "customs_origin"))


def from_orders(config: Config, neutral: Neutral) -> pa.Table:
    """Shop orders as shipments to label: carrier by shipping module, the order total as COD amount."""
    orders = neutral.get("orders")
    if orders is None:
        return schema("shipments").empty_table()
    carriers = {code: key for key, c in config.carriers.items() for code in c.shop_codes}
    rows = []
    for order in orders.to_pylist():
        module = (order["shipping_code"] or "").split("_")[0]
        key = carriers.get(module)
        if key is None:
            continue
        cod = order["total"] if order["payment_type"] == "cash_on_delivery" else None
        product = config.carriers[key].product_for(order["delivery_country"])
        billing = config.carriers[key].billing_for(product)
        rows.append({**order, "label_product": product, "billing_number": billing,
                     "delivery_note": order["order_id"], "shop_order_id": order["order_id"],
                     "carrier": key, "carrier_name": config.carriers[key].name, "tracked": False,
                     "weight": Decimal(str(config.carriers[key].default_weight)), "cod_amount": cod,
                     "shipped_at": None})
    return pa.Table.from_pylist(rows, schema("shipments")) if rows else schema("shipments").empty_table()


FLOW = Flow(name="shipments", module="DHL / Deli Sprint, Trackingcode", direction="ERP -> shop, carrier, customer",
            source="sage/shipments.yaml", target="shop/shipments.yaml", outbox="shop", unit="shipments",
            extract_tables=extract_tables, prepare=prepare, extra_targets=("carrier/dhl.yaml", "carrier/dpd.yaml"),
            mails="tracking")
