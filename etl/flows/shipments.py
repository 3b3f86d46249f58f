"""Shipments (DHL / Deli Sprint, Trackingcode): ERP delivery notes -> neutral shipments and parcels.

A delivery note may come as several rows (one per parcel) or list its parcel numbers in one cell;
here it becomes one shipment with its parcels. Checks that need the working folder's settings (the
carriers' parcel-number forms, tracking URLs, which orders the shop knows) run in `prepare`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.config import Config
from etl.extract import RawTable
from etl.fast.store import Store
from etl.flows.flow import Flow
from etl.flows.shipment_notes import assemble, group_notes, splitter
from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral, Prepared
from etl.shared.reject_codes import Words
from etl.shared.rejects import Reject
from etl.state.ledger import Ledger
from etl.state.links import shop_customers
from etl.transform.layout import SourceLayout
from etl.transform.relate import lookup
from etl.transform.source import conform, put_column
from etl.transform.staged import stage_set

Problem = tuple[str, str | None, str, dict[str, Any]]  # field, value, reject code, its parameters


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Group the delivery-note rows into shipments with their parcels, a bounded number of notes per chunk."""
    names = ("shipments", "parcels")
    with Store() as store:
        rejects = stage_set(store, layout, tables, run_id, key="delivery_note")
        read, refused = group_notes(store, {r.record for r in rejects if r.record})
        split = splitter(layout.options.get("tracking_separator"))
        done = False
        for part in store.chunks({"shipments": "shipments", "cells": "cells"}):
            shipments, parcels = assemble(part["shipments"], part["cells"], split)
            yield Chunk({"shipments": conform(shipments, schema("shipments")),
                         "parcels": conform(parcels, schema("parcels"))}, rejects, read, refused)
            rejects, read, refused, done = [], 0, 0, True  # they go with the first chunk only
        if not done:
            yield Chunk({name: schema(name).empty_table() for name in names}, rejects, read, refused)


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
