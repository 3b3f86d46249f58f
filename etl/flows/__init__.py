"""The flow registry: what each flow reads, in which direction, and with which layouts.

A new flow is one entry here (plus its source layout, target layout, template and schemas); its
extractor turns recognised raw tables into chunks of neutral tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa

from etl.extract.rawtable import RawTable
from etl.flows import (
    articles,
    catalog,
    cross_selling,
    customers,
    documents,
    erp_orders,
    orders,
    payment_requests,
    shipments,
    stock,
)
from etl.records import Chunk
from etl.transform.layout import SourceLayout

Extractor = Callable[[SourceLayout, dict[str, list[RawTable]], str], Iterator[Chunk]]
FlatExtractor = Callable[[SourceLayout, RawTable, str], Iterator[Chunk]]
# Reads what other flows staged (the staging folder), not the inbox: staging, layout, run id.
StagedExtractor = Callable[[Path, SourceLayout, str], Iterator[Chunk]]
# Per chunk, before mapping: checks and additions that need the working folder (settings, state).
# Returns (neutral, rejects) or a `Prepared` (chunk.py) that also counts records skipped on purpose.
Prepare = Callable[[Any, SourceLayout, Any, dict[str, pa.Table]], tuple[Any, ...]]


class Media(NamedTuple):
    """Files an entity's records name, copied into the outbox (etl/media.py)."""

    column: str
    drop: bool  # drop the record when its file is refused, else keep it without the file
    folder: str = "media"  # subfolder of the flow's outbox
    private: bool = False  # unguessable names (HMAC with the working folder's secret), e.g. invoices


@dataclass(frozen=True)
class Flow:
    """One data flow between the systems."""

    name: str
    module: str  # the module name of the seed (German), for the merchant
    direction: str
    source: str  # default source layout, under mappings/
    target: str  # default target layout, under mappings/
    outbox: str  # subfolder of the outbox the import files go to
    unit: str  # what one record is, for the report
    extract_tables: Extractor | None = None
    extract_flat: FlatExtractor | None = None
    links: str | None = None  # neutral entity whose customers get ERP customer numbers (etl/links.py)
    once_per_record: bool = False  # a record (by its key) is imported once, whatever file it comes in
    prepare: Prepare | None = None
    extra_targets: tuple[str, ...] = ()  # more target layouts the same run writes (etl/pipeline/steps/extras.py)
    mails: str | None = None  # notification mails sent for the written records (etl/mail/)
    extract_staged: StagedExtractor | None = None
    # Send only changed records (etl/delta.py); unchanged records of this entity count as skipped.
    delta: str | None = None
    # Files the records name, copied into the outbox: entity -> Media (or its leading fields as a tuple).
    media: dict[str, Media | tuple[str, bool]] = field(default_factory=dict)
    # Said when customers got a new ERP number and were not written along (`{count}`): the flow's own words.
    new_customers_note: str | None = None

    @property
    def built(self) -> bool:
        """Whether the flow can run yet."""
        return self.extract_tables is not None or self.extract_staged is not None


FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in [
        Flow("orders", "Bestellimport", "shop -> ERP", "shop/orders.yaml", "sage/orders.yaml", "sage",
             "orders", orders.extract_tables, orders.extract_flat, links="orders", once_per_record=True,
             new_customers_note="{count} customer(s) not yet in the ERP got a new customer number; export them with "
             "`etl run customers`, or let the orders flow write them (flows.orders.extra_targets: "
             "[sage/customers.yaml] in etl.yaml)"),
        Flow("customers", "Kundenexport / Kundenimport", "shop -> ERP", "shop/customers.yaml",
             "sage/customers.yaml", "sage", "customers", customers.extract_tables, links="customers"),
        Flow("catalog", "Produktexport inkl. Warengruppe", "ERP -> shop", "sage/catalog.yaml",
             "shop/catalog.yaml", "shop", "articles", catalog.extract_tables, delta="articles",
             media={"article_media": ("file", True), "categories": ("image", False)}),
        Flow("articles", "Produktexport inkl. Warengruppe (Erstbefüllung)", "shop -> ERP", "shop/articles.yaml",
             "sage/articles.yaml", "sage", "articles", articles.extract_tables),
        Flow("stock", "Lagerbestand", "ERP -> shop", "sage/stock.yaml", "shop/stock.yaml", "shop", "articles",
             stock.extract_tables, delta="stock_levels"),
        Flow("shipments", "DHL / Deli Sprint, Trackingcode", "ERP -> shop, carrier, customer",
             "sage/shipments.yaml", "shop/shipments.yaml", "shop", "shipments", shipments.extract_tables,
             prepare=shipments.prepare, extra_targets=("carrier/dhl.yaml", "carrier/dpd.yaml"), mails="tracking"),
        Flow("documents", "Dokumentenmanagement", "ERP -> shop", "sage/documents.yaml",
             "shop/documents.yaml", "shop", "documents", documents.extract_tables, prepare=documents.prepare,
             media={"documents": Media("pdf_file", True, folder="documents", private=True)}),
        Flow("erp-orders", "Bestellexport B2B", "ERP -> shop", "sage/erp_orders.yaml",
             "shop/erp_orders.yaml", "shop", "orders", erp_orders.extract_tables, prepare=erp_orders.prepare,
             once_per_record=True),
        Flow("cross-selling", "Cross-Selling", "shop -> shop", "shop/order_history.yaml",
             "shop/cross_selling.yaml", "shop", "relations", extract_staged=cross_selling.extract_staged),
        Flow("payment-requests", "Zahlungsaufforderung", "shop -> customer", "shop/payment_requests.yaml",
             "mail/payment_requests.yaml", "mail", "payment requests", payment_requests.extract_tables,
             prepare=payment_requests.prepare, once_per_record=True, mails="payment_request"),
    ]
}
