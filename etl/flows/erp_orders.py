"""B2B orders (Bestellexport B2B): orders entered in GS-Office -> shop order imports for the web account.

An order taken by phone, fax or e-mail is written for the shop marked as not placed there, under its
ERP order number (never a shop order id, so the two can never be confused). An order that came from
the shop (it names a shop order the `orders` flow imported) is skipped: the shop has it already.
The same ERP order in a later export is skipped too (`once_per_record`).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pyarrow as pa

from etl.config import Config
from etl.extract.rawtable import RawTable
from etl.ledger import Ledger
from etl.links import shop_customer_ids
from etl.model import schema
from etl.records import Chunk, Prepared
from etl.rejects import Reject
from etl.transform.layout import SourceLayout
from etl.transform.source import read_tables


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Headers with their positions as one chunk; an order whose positions do not add up is refused."""
    parts, rejects = read_tables(layout, tables, run_id, key="order_id")
    heads = parts["header"].to_pylist() if parts.get("header") is not None else []  # type: ignore[union-attr]
    lines = parts["positions"].to_pylist() if parts.get("positions") is not None else []  # type: ignore[union-attr]
    refused = {r.record for r in rejects if r.record}
    known = {h["order_id"] for h in heads}
    for line in lines:
        if line["order_id"] not in known:
            rejects.append(Reject(line["_file"], line["_line"], line["order_id"], "Auftragsnummer", line["order_id"],
                                  "a position without its order header in this export"))
    for head in heads:
        own = [line for line in lines if line["order_id"] == head["order_id"]]
        total = sum((line["line_total"] or Decimal(0) for line in own), Decimal(0))
        if head["net_total"] is not None and abs(total - head["net_total"]) > Decimal("0.01"):
            refused.add(head["order_id"])
            rejects.append(Reject(head["_file"], head["_line"], head["order_id"], "Nettobetrag", str(head["net_total"]),
                                  f"the positions add up to {total:.2f}: money is never guessed"))
    kept = [h | {"erp_order_number": h["order_id"]} for h in heads if h["order_id"] not in refused]
    items = [{**line, "kind": "product", "prices_gross": False} for line in lines
             if line["order_id"] in known and line["order_id"] not in refused]
    neutral = {"orders": pa.Table.from_pylist(kept, schema("orders")),
               "order_items": pa.Table.from_pylist(items, schema("order_items"))}
    yield Chunk(neutral, rejects, len(heads), len(heads) - len(kept))


def prepare(config: Config, layout: SourceLayout, ledger: Ledger, neutral: dict[str, pa.Table]) -> Prepared:
    """Skip orders that came from the shop; refuse those of customers without a shop account."""
    orders = neutral["orders"].to_pylist()
    from_shop = {o["shop_order_id"] for o in orders if o["shop_order_id"]}
    imported = ledger.records_seen("orders", sorted(from_shop))
    customers = shop_customer_ids(config.folder("state"), sorted({o["erp_customer_number"] for o in orders}))
    rejects: list[Reject] = []
    kept, back = [], []
    for order in orders:
        shop_id = order["shop_order_id"]
        order["customer_id"] = customers.get(order["erp_customer_number"])
        if shop_id and shop_id in imported:
            back.append(order["order_id"])
        elif shop_id:
            rejects.append(Reject(order["_file"], order["_line"], order["order_id"], "Shopbestellnummer", shop_id,
                                  "names a shop order the orders flow never imported: it would be the shop's "
                                  "order twice; import the shop's export first or clear the field in GS-Office"))
        elif order["customer_id"] is None:
            rejects.append(Reject(order["_file"], order["_line"], order["order_id"], "Kundennummer",
                                  order["erp_customer_number"], "no shop customer is linked to this ERP customer "
                                  "number: there is no web account to show the order in"))
        else:
            kept.append(order)
    ids = {o["order_id"] for o in kept}
    items = neutral["order_items"].filter(pa.array([i in ids for i in neutral["order_items"].column("order_id")
                                                    .to_pylist()], pa.bool_()))
    notes = [f"{len(back)} orders came from the shop and are already there: not imported again "
             f"({', '.join(back[:5])}{', …' if len(back) > 5 else ''})"] if back else []
    return Prepared({"orders": pa.Table.from_pylist(kept, schema("orders")), "order_items": items},
                    rejects, len(back), notes)
