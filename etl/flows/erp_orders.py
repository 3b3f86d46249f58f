"""B2B orders (Bestellexport B2B): orders entered in GS-Office -> shop order imports for the web account.

An order taken by phone, fax or e-mail is written for the shop marked as not placed there, under its
ERP order number (never a shop order id, so the two can never be confused). An order that came from
the shop (it names a shop order the `orders` flow imported) is skipped: the shop has it already.
The same ERP order in a later export is skipped too (`once_per_record`).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc

from etl.config import Config
from etl.extract import RawTable
from etl.fast.arrays import constant
from etl.flows.flow import Flow
from etl.shared.model import DECIMAL, schema
from etl.shared.records import Chunk, Neutral, Prepared
from etl.shared.rejects import Reject
from etl.state.ledger import Ledger
from etl.state.links import shop_customers
from etl.transform.layout import SourceLayout
from etl.transform.relate import lookup, orphans, per_parent
from etl.transform.source import part_of, put_column, read_tables


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Headers with their positions as one chunk; an order whose positions do not add up is refused."""
    parts, rejects = read_tables(layout, tables, run_id, key="order_id")
    heads, lines = part_of(parts, "header", "orders"), part_of(parts, "positions", "order_items")
    lines, lost = orphans(lines, "order_id", heads.column("order_id"), "Auftragsnummer", "position-without-order",
                          name_record=True)
    rejects += lost
    total = pc.fill_null(per_parent(lines, "order_id", "line_total", "sum", heads.column("order_id")),
                         pa.scalar(0, DECIMAL))
    for head, lines_total in zip(heads.to_pylist(), total.to_pylist(), strict=True):
        if head["net_total"] is not None and abs(lines_total - head["net_total"]) > Decimal("0.01"):
            rejects.append(Reject(head["_file"], head["_line"], head["order_id"], "Nettobetrag", str(head["net_total"]),
                                  "lines-do-not-add-up", params={"sum": lines_total}))
    refused = pa.array(sorted({r.record for r in rejects if r.record}), pa.string())
    # an order without its number is refused by the layout (required) under no key: it is left out too
    kept = heads.filter(pc.and_(pc.is_valid(heads.column("order_id")),
                                pc.invert(pc.is_in(heads.column("order_id"), value_set=refused))))
    items = lines.filter(pc.invert(pc.is_in(lines.column("order_id"), value_set=refused)))
    items = put_column(put_column(items, "kind", constant("product", items.num_rows, pa.string())),
                       "prices_gross", constant(False, items.num_rows, pa.bool_()))
    yield Chunk({"orders": kept, "order_items": items}, rejects, heads.num_rows, heads.num_rows - kept.num_rows)


def prepare(config: Config, layout: SourceLayout, ledger: Ledger, neutral: Neutral) -> Prepared:
    """Skip orders that came from the shop; refuse those of customers without a shop account."""
    table = neutral["orders"]
    imported = pc.is_valid(lookup(table.column("shop_order_id"), partial(ledger.records_seen, "orders")))
    customers = shop_customers(config.folder("state"), table.column("erp_customer_number"))
    table = put_column(table, "customer_id", customers)
    rejects: list[Reject] = []
    kept, back = [], []
    for order, known in zip(table.to_pylist(), imported.to_pylist(), strict=True):
        shop_id = order["shop_order_id"]
        if shop_id and known:
            back.append(order["order_id"])
        elif shop_id:
            rejects.append(Reject(order["_file"], order["_line"], order["order_id"], "Shopbestellnummer", shop_id,
                                  "shop-order-not-imported"))
        elif order["customer_id"] is None:
            rejects.append(Reject(order["_file"], order["_line"], order["order_id"], "Kundennummer",
                                  order["erp_customer_number"], "no-linked-customer"))
        else:
            kept.append(order)
    ids = pa.array([o["order_id"] for o in kept], pa.string())
    items = neutral["order_items"].filter(pc.is_in(neutral["order_items"].column("order_id"), value_set=ids))
    notes = [f"{len(back)} orders came from the shop and are already there: not imported again "
             f"({', '.join(back[:5])}{', …' if len(back) > 5 else ''})"] if back else []
    return Prepared({"orders": pa.Table.from_pylist(kept, schema("orders")), "order_items": items},
                    rejects, len(back), notes)


FLOW = Flow(name="erp-orders", module="Bestellexport B2B", direction="ERP -> shop", source="sage/erp_orders.yaml",
            target="shop/erp_orders.yaml", outbox="shop", unit="orders", extract_tables=extract_tables,
            prepare=prepare, once_per_record=True)
