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
from etl.extract.rawtable import RawTable
from etl.ledger import Ledger
from etl.links import shop_customer_ids
from etl.media import find_media
from etl.model import schema
from etl.records import Chunk, Prepared
from etl.rejects import Reject
from etl.transform.layout import SourceLayout
from etl.transform.source import read_tables


def read_entity(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str, entity: str,
                key: str) -> Chunk:
    """Every row of the layout's tables of `entity`, typed; a row with an unreadable value is refused."""
    parts, rejects = read_tables(layout, tables, run_id, key=key)
    rows = [row for name, spec in layout.tables.items() if spec.entity == entity and parts.get(name) is not None
            for row in parts[name].to_pylist()]  # type: ignore[union-attr]
    bad = {(r.file, r.line) for r in rejects}
    kept = [row for row in rows if (row["_file"], row["_line"]) not in bad]
    return Chunk({entity: pa.Table.from_pylist(kept, schema(entity))}, rejects, len(rows), len(rows) - len(kept))


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """The documents of the export as one chunk; each named by type and number (numbers repeat across types)."""
    chunk = read_entity(layout, tables, run_id, "documents", "document_number")
    docs = chunk.neutral["documents"].to_pylist()
    for doc in docs:
        doc["document_id"] = f"{doc['document_type']}:{doc['document_number']}"
    chunk.neutral["documents"] = pa.Table.from_pylist(docs, schema("documents"))
    yield chunk


def prepare(config: Config, layout: SourceLayout, ledger: Ledger, neutral: dict[str, pa.Table]) -> Prepared:
    """Shop customer of each document (links), its PDF present; the list sorted per customer and date."""
    docs = neutral["documents"].to_pylist()
    customers = shop_customer_ids(config.folder("state"), sorted({d["erp_customer_number"] for d in docs}))
    media = config.folder("media")
    rejects: list[Reject] = []
    kept = []
    for doc in docs:
        doc["customer_id"] = customers.get(doc["erp_customer_number"])
        _, missing = find_media(media, doc["pdf_file"])
        if doc["customer_id"] is None:
            rejects.append(Reject(doc["_file"], doc["_line"], doc["document_id"], "Kundennummer",
                                  doc["erp_customer_number"], "no shop customer is linked to this ERP customer "
                                  "number (the customer never came from the shop): no account to show it in"))
        elif None not in (doc["net"], doc["tax"]) and doc["net"] + doc["tax"] != doc["gross"]:
            rejects.append(Reject(doc["_file"], doc["_line"], doc["document_id"], "Bruttobetrag", str(doc["gross"]),
                                  f"is not net {doc['net']} + tax {doc['tax']}: the account must not show a "
                                  "wrong amount"))
        elif missing:
            rejects.append(Reject(doc["_file"], doc["_line"], doc["document_id"], "PDF-Datei", doc["pdf_file"],
                                  f"the PDF {missing}: the document would have nothing to download"))
        else:
            kept.append(doc)
    kept.sort(key=lambda d: (d["customer_id"], d["document_date"], d["document_id"]))
    return Prepared({"documents": pa.Table.from_pylist(kept, schema("documents"))}, rejects)
