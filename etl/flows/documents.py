"""Documents (Dokumentenmanagement): GS-Office document exports -> each customer's document list.

An offer, order confirmation, delivery note, invoice or credit note becomes a record of the customer's
account ("Mein Konto") with its PDF. `prepare` translates the ERP customer number into the shop
customer (id links) and checks that the PDF is there; the pipeline then copies it under an unguessable
name (`Flow.media`, private). A document nobody can be shown, or without its PDF, is refused.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from etl.config import Config
from etl.extract import RawTable
from etl.flows.flow import Flow, Media
from etl.load.media import find_media
from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral, Prepared
from etl.shared.rejects import Reject
from etl.state.ledger import Ledger
from etl.state.links import shop_customers
from etl.transform.layout import SourceLayout
from etl.transform.source import put_column, read_entity


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """The documents of the export as one chunk (the layout names each by type and number)."""
    yield read_entity(layout, tables, run_id, "documents", "document_number")


def prepare(config: Config, layout: SourceLayout, ledger: Ledger, neutral: Neutral) -> Prepared:
    """Shop customer of each document (links), its PDF present; the list sorted per customer and date."""
    table = neutral["documents"]
    customers = shop_customers(config.folder("state"), table.column("erp_customer_number"))
    docs = put_column(table, "customer_id", customers).to_pylist()
    media = config.folder("media")
    rejects: list[Reject] = []
    kept = []
    for doc in docs:
        _, missing = find_media(media, doc["pdf_file"])
        if doc["customer_id"] is None:
            rejects.append(Reject(doc["_file"], doc["_line"], doc["document_id"], "Kundennummer",
                                  doc["erp_customer_number"], "no-linked-customer"))
        elif None not in (doc["net"], doc["tax"]) and doc["net"] + doc["tax"] != doc["gross"]:
            rejects.append(Reject(doc["_file"], doc["_line"], doc["document_id"], "Bruttobetrag", str(doc["gross"]),
                                  "net-plus-tax", params={"net": doc["net"], "tax": doc["tax"]}))
        elif missing:
            rejects.append(Reject(doc["_file"], doc["_line"], doc["document_id"], "PDF-Datei", doc["pdf_file"],
                                  missing, params={"folder": str(media)}))
        else:
            kept.append(doc)
    kept.sort(key=lambda d: (d["customer_id"], d["document_date"], d["document_id"]))
    return Prepared({"documents": pa.Table.from_pylist(kept, schema("documents"))}, rejects)


FLOW = Flow(name="documents", module="Dokumentenmanagement", direction="ERP -> shop", source="sage/documents.yaml",
            target="shop/documents.yaml", outbox="shop", unit="documents", extract_tables=extract_tables,
            prepare=prepare, media={"documents": Media("pdf_file", True, folder="documents", private=True)})
