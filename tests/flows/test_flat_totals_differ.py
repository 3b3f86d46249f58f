"""Lines of one order disagreeing on a totals column: the quick text screen finds every order the exact rule finds."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from etl.bundled import bundled
from etl.flows import FLOWS
from etl.flows.orders import _differing_totals
from etl.transform.layout import SourceLayout, load_layout
from etl.transform.relate import first_rows

LAYOUT = load_layout(bundled("mappings") / FLOWS["orders"].source, SourceLayout)
TEXTS = st.sampled_from([None, "", "5", "5.0", " 5.00", "6", "19.99"])
ROWS = st.lists(st.tuples(st.sampled_from(["1", "2", "3", None]), TEXTS, TEXTS), min_size=1, max_size=12)


def _exact(rows: list[tuple[str | None, str | None, str | None]]) -> set[tuple[str | None, str]]:
    """(order, column) pairs whose lines give more than one amount, ignoring empty cells."""
    amounts: dict[tuple[str | None, str], set[Decimal]] = {}
    for order, total, shipping in rows:
        for column, text in (("ot_total", total), ("ot_shipping", shipping)):
            if text is not None and text.strip():
                amounts.setdefault((order, column), set()).add(Decimal(text.strip()))
    return {pair for pair, found in amounts.items() if len(found) > 1}


@settings(max_examples=400)
@given(rows=ROWS)
@example(rows=[("1", None, None), ("1", "5", None), ("1", "6", None)])  # the first line empty, the others apart
@example(rows=[("1", "5", None), ("2", "6", None), ("1", "5.00", None)])  # one amount, written two ways
def test_every_order_whose_lines_differ_is_refused_and_no_other(rows: list[tuple[str | None, str | None, str | None]]
                                                                ) -> None:
    batch = pa.table({name: pa.array([r[i] for r in rows], pa.string())  # a CSV reader's text columns
                      for i, name in enumerate(("orders_id", "ot_total", "ot_shipping"))})
    first = first_rows(batch.column("orders_id"))
    heads = batch.take(first)
    orders = pa.table({"order_id": heads.column("orders_id"), "_file": ["flat.csv"] * len(first),
                       "_line": [i + 2 for i in first.to_pylist()]})
    rejects = _differing_totals(LAYOUT, batch, orders, first)
    assert {(r.record, r.field) for r in rejects} == _exact(rows)
