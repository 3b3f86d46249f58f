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
from etl.fast import store as stores
from etl.fast.arrays import positions
from etl.fast.store import Store
from etl.flows.flow import Flow
from etl.flows.shipment_checks import check_parcels
from etl.flows.shipment_notes import assemble, group_notes, splitter
from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral, Prepared
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
        for part in store.chunks({"shipments": "shipments", "cells": "cells"}, size=stores.CHUNK_RECORDS):
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
    parcels = neutral["parcels"]
    checked = check_parcels(config, table, parcels)
    parcels = put_column(put_column(put_column(parcels, "carrier", checked.carrier), "carrier_name",
                                    checked.carrier_name), "tracking_url", checked.tracking_url)
    carrier = checked.note_carrier
    names = {key: c.name for key, c in config.carriers.items()}
    known = pc.index_in(carrier, value_set=pa.array(list(names), pa.string()))
    table = put_column(table, "carrier", carrier)
    table = put_column(table, "carrier_name", pc.coalesce(pc.take(pa.array(list(names.values()), pa.string()), known),
                                                          carrier))
    table = put_column(table, "tracking_urls", pc.if_else(pc.equal(checked.tracking_urls, ""), None,
                                                          checked.tracking_urls))
    table, notes_refused = _notes(config, table, pc.and_(pc.is_valid(known), pc.invert(table.column("tracked"))))
    rejects = checked.rejects + notes_refused
    refused = pa.array(list({r.record for r in rejects}), pa.string())
    return Prepared({"shipments": _without(table, "shipments", refused),
                     "parcels": _without(parcels, "parcels", refused)}, rejects)


def _without(table: pa.Table, entity: str, refused: pa.Array) -> pa.Table:
    """`table` as the neutral `entity`, less the refused notes."""
    table = table.select(schema(entity).names).cast(schema(entity))
    return table.filter(pc.invert(pc.is_in(table.column("delivery_note"), value_set=refused)))


def _notes(config: Config, table: pa.Table, labels: pa.Array) -> tuple[pa.Table, list[Reject]]:
    """The label product and billing number of the notes to label; rejects of a label, an order unknown (per note)."""
    rows = pc.indices_nonzero(pc.or_(labels, pc.is_null(table.column("shop_order_id"))))
    wanted = table.select(_NOTE_CHECKED).take(rows).to_pylist()
    label = pc.take(labels, rows).to_pylist()
    rejects: list[Reject] = []
    for note, to_label in zip(wanted, label, strict=True):
        rejects += _complete_note(config, note, to_label)
    products = pa.array([n["label_product"] for n in wanted], pa.string())
    billing = pa.array([n["billing_number"] for n in wanted], pa.string())
    for name, values in (("label_product", products), ("billing_number", billing)):
        column = table.column(name).combine_chunks()
        if len(rows):
            column = pc.replace_with_mask(column, pc.is_in(positions(table.num_rows), value_set=rows),
                                          values.cast(column.type))
        table = put_column(table, name, column)
    return table, rejects


_NOTE_CHECKED = ["delivery_note", "order_id", "shop_order_id", "carrier", "delivery_country", "customs_description",
                 "customs_tariff_number", "customs_value", "customs_origin", "_file", "_line", "label_product",
                 "billing_number"]


def _complete_note(config: Config, note: dict[str, Any], to_label: bool) -> list[Reject]:
    """Fill the label of a note to label; reject a label its carrier cannot make, an order unknown."""
    rejects: list[Reject] = []
    label = _label(config, note) if to_label else None
    if label:
        rejects.append(Reject(note["_file"], note["_line"], note["delivery_note"], *label[:3], None, label[3]))
    if note["shop_order_id"] is None:
        rejects.append(Reject(note["_file"], note["_line"], note["delivery_note"], "Shopbestellnummer",
                              note["order_id"], "unknown-shop-order" if note["order_id"] else "no-shop-order-number",
                              params={"order": note["order_id"]} if note["order_id"] else {}))
    return rejects


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
