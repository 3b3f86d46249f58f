"""An order's taxes given as one summed amount (a flat export's `ot_tax` column, an ot_tax row without a
rate in its title): the tax per rate is computed from the order's lines and must make that sum to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa
import pyarrow.compute as pc

from etl.model import DECIMAL
from etl.rejects import Reject

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def per_rate(items: pa.Table, taxes: pa.Table, orders: pa.Table) -> tuple[pa.Table, list[Reject]]:
    """`taxes` with every summed amount replaced by the taxes per rate of its order's lines; a reject
    for each order whose computed taxes do not make the summed amount.

    Per rate, the lines (products, shipping, fees, discounts, coupons: each with the rate it was given)
    are summed and taxed once, rounded half up to the cent: net prices add rate %, gross prices hold
    rate / (100 + rate) of the amount.
    """
    summed = pc.fill_null(pc.is_null(taxes.column("tax_rate")), False)
    if not pc.any(summed).as_py():
        return taxes, []
    ids = pc.unique(pc.filter(taxes.column("order_id"), summed))
    mine = pc.is_in(taxes.column("order_id"), value_set=ids)
    given = taxes.filter(mine).group_by("order_id", use_threads=False).aggregate([
        ("tax_amount", "sum"), ("_file", "first"), ("_line", "first"), ("_run", "first")])
    lines = items.filter(pc.is_in(items.column("order_id"), value_set=ids))
    by_rate = lines.group_by(["order_id", "tax_rate"], use_threads=False).aggregate([("line_total", "sum")])
    gross = dict(zip(orders.column("order_id").to_pylist(), orders.column("prices_gross").to_pylist(), strict=True))
    amounts: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for row in by_rate.to_pylist():
        rate, amount = row["tax_rate"], row["line_total_sum"]
        if rate and amount is not None:
            share = rate / (HUNDRED + rate) if gross.get(row["order_id"], True) else rate / HUNDRED
            amounts.setdefault(row["order_id"], []).append((rate, (amount * share).quantize(CENT, ROUND_HALF_UP)))
    rows, rejects = [], []
    for order in given.to_pylist():
        computed: list[tuple[Decimal | None, Decimal]] = sorted(amounts.get(order["order_id"], []), reverse=True)
        made = sum((tax for _, tax in computed), Decimal(0))
        summed_tax = order["tax_amount_sum"]
        lineage = {"_file": order["_file_first"], "_line": order["_line_first"], "_run": order["_run_first"]}
        if made != summed_tax.quantize(CENT, ROUND_HALF_UP):
            per = ", ".join(f"{rate.normalize():f} %: {tax}" for rate, tax in computed if rate) or "no taxed lines"
            rejects.append(Reject(order["_file_first"], order["_line_first"], order["order_id"], "ot_tax",
                                  f"{summed_tax.quantize(CENT)}", (
                                      f"the taxes computed from the order lines per rate ({per}) make {made}, the "
                                      f"summed tax (ot_tax) is {summed_tax.quantize(CENT)} (difference "
                                      f"{(summed_tax - made).quantize(CENT)})")))
            computed = [(None, summed_tax)]  # kept as given: the order is refused for this reason alone
        rows += [{"order_id": order["order_id"], "tax_rate": rate, "tax_amount": tax, **lineage}
                 for rate, tax in computed]
    split = pa.Table.from_pylist(rows, schema=pa.schema([
        ("order_id", pa.string()), ("tax_rate", DECIMAL), ("tax_amount", DECIMAL), ("_file", pa.string()),
        ("_line", pa.int64()), ("_run", pa.string())]))
    kept = taxes.filter(pc.invert(mine))
    return pa.concat_tables([kept, split.cast(kept.schema)]) if kept.num_rows else split.cast(taxes.schema), rejects
