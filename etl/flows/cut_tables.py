"""Orders a cut-off table of their export may lack rows of: an export that ends inside a row has lost
that row and every row after it, so the orders those rows belonged to cannot be written whole.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from etl.shared.rejects import Reject, rejects_where


def cut_off(orders: pa.Table, parts: dict[str, pa.Table | None], rejects: list[Reject]) -> list[Reject]:
    """A reject for every order from the cut row's order on, in the order of the orders table, for each
    table of the set (not the orders table: orders after its cut are not there) the file ends inside."""
    found: list[Reject] = []
    own_files = set(pc.unique(orders.column("_file")).to_pylist())
    for cut in (r for r in rejects if r.code == "row-cut-off" and r.file not in own_files):
        ids = orders.column("order_id").to_pylist()
        anchor = cut.record if cut.record in ids else _last_before(parts, cut)
        start = ids.index(anchor) if anchor in ids else 0
        mask = pa.array([n >= start for n in range(len(ids))])
        found += rejects_where(orders, mask, cut.file, orders.column("order_id"), "export-cut-off", "order_id",
                               {"file": cut.file, "line": cut.line})
    return found


def _last_before(parts: dict[str, pa.Table | None], cut: Reject) -> str | None:
    """The order of the last whole row before the cut in the cut file: the cut row may belong to it."""
    for table in parts.values():
        if table is None or "order_id" not in table.column_names:
            continue
        before = table.filter(pc.and_(pc.equal(table.column("_file"), cut.file),
                                      pc.less(table.column("_line"), cut.line or 0)))
        if before.num_rows:
            last = pc.index(before.column("_line"), pc.max(before.column("_line")))
            return str(before.column("order_id")[last.as_py()].as_py())
    return None
