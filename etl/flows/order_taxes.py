"""An order's taxes given as one summed amount (a flat export's `ot_tax` column, an ot_tax row without a
rate in its title): the tax per rate is computed from the order's lines and must make that sum to the cent.

xt:Commerce does not store the rate of shipping and fees. The layout's `service_tax_rate` is tried
first; when it does not make the sum, each standard rate of the order's country (`standard_tax_rates`)
is tried for them, and the one rate that makes the sum to the cent is taken (and named in the report).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.i18n import N_
from etl.shared.errors import ConfigError
from etl.shared.model import DECIMAL
from etl.shared.reject_codes import Words
from etl.shared.rejects import Reject

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# Standard VAT rates when the layout names none (options.standard_tax_rates); the first country is the
# merchant's unless options.merchant_country says otherwise.
DEFAULT_RATES = {"DE": ("19", "7"), "AT": ("20", "13", "10"), "CH": ("8.1", "3.8", "2.6")}
FALLBACK_NOTE = N_("summed tax (ot_tax): shipping and fees of {count} order(s) taxed at {rate} %, the standard "
                   "rate of {country} that makes the summed tax to the cent (service_tax_rate did not): {records}")

Sums = dict[Decimal | None, Decimal]  # rate -> the order's lines at that rate, summed


@dataclass(frozen=True)
class StandardRates:
    """The standard VAT rates of each country (highest first) and the merchant's country."""

    by_country: dict[str, tuple[Decimal, ...]]
    merchant: str | None

    @classmethod
    def of(cls, options: dict[str, Any]) -> StandardRates:
        """From a source layout's `options.standard_tax_rates` and `options.merchant_country`."""
        given = options.get("standard_tax_rates", DEFAULT_RATES)
        try:
            rates = {str(country).upper(): tuple(sorted((Decimal(str(r)) for r in values), reverse=True))
                     for country, values in dict(given).items()}
        except (TypeError, ValueError, InvalidOperation):
            raise ConfigError([f"options.standard_tax_rates: {given!r} is not a map of country codes to lists "
                               "of rates in percent (DE: [19, 7])"]) from None
        merchant = options.get("merchant_country", next(iter(rates), None))
        return cls(rates, str(merchant).upper() if merchant else None)

    def for_order(self, country: str | None, goods: Iterable[Decimal]) -> tuple[str, tuple[Decimal, ...]] | None:
        """The country whose rates are tried for shipping and fees, and those rates.

        The delivery country when its standard rates hold every rate of the goods (the shop taxed the
        order at that country's rates), else the merchant's country on the same condition, else none.
        """
        wanted = {rate for rate in goods if rate}
        for candidate in dict.fromkeys((country, self.merchant)):
            rates = self.by_country.get((candidate or "").upper())
            if candidate and rates and wanted <= set(rates):
                return candidate.upper(), rates
        return None


@dataclass
class Split:
    """What `per_rate` returns: items (service rates as chosen), taxes per rate, rejects, chosen fallbacks."""

    items: pa.Table
    taxes: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    fallbacks: dict[tuple[str, Decimal], list[str]] = field(default_factory=dict)  # (country, rate) -> orders


def per_rate(items: pa.Table, taxes: pa.Table, orders: pa.Table, standard: StandardRates) -> Split:
    """`taxes` with every summed amount replaced by the taxes per rate of its order's lines; a reject
    for each order whose computed taxes do not make the summed amount at any one service rate.

    Per rate, the lines (products, shipping, fees, discounts, coupons: each with the rate it was given)
    are summed and taxed once, rounded half up to the cent: net prices add rate %, gross prices hold
    rate / (100 + rate) of the amount.
    """
    summed = pc.fill_null(pc.is_null(taxes.column("tax_rate")), False)
    if not pc.any(summed).as_py():
        return Split(items, taxes)
    ids = pc.unique(pc.filter(taxes.column("order_id"), summed))
    mine = pc.is_in(taxes.column("order_id"), value_set=ids)
    given = taxes.filter(mine).group_by("order_id", use_threads=False).aggregate([
        ("tax_amount", "sum"), ("_file", "first"), ("_line", "first"), ("_run", "first")])
    goods, services = _sums(items.filter(pc.is_in(items.column("order_id"), value_set=ids)))
    gross = dict(zip(orders.column("order_id").to_pylist(), orders.column("prices_gross").to_pylist(), strict=True))
    country = (dict(zip(orders.column("order_id").to_pylist(), orders.column("delivery_country").to_pylist(),
                        strict=True)) if "delivery_country" in orders.column_names else {})
    split = Split(items, taxes)
    chosen: dict[str, Decimal] = {}
    rows = []
    for order in given.to_pylist():
        oid = order["order_id"]
        net = not gross.get(oid, True)
        target = order["tax_amount_sum"].quantize(CENT, ROUND_HALF_UP)
        mine_goods, mine_services = goods.get(oid, {}), services.get(oid, {})
        computed = _taxes(_merged(mine_goods, mine_services), net)
        service_total = sum(mine_services.values(), Decimal(0))
        if _made(computed) != target and service_total:
            found = standard.for_order(country.get(oid), (rate for rate in mine_goods if rate))
            matches = _matches(mine_goods, service_total, found, net, target)
            if found is not None and len(matches) == 1:
                rate, computed = matches[0]
                chosen[oid] = rate
                split.fallbacks.setdefault((found[0], rate), []).append(oid)
            else:
                split.rejects.append(_reject(order, computed, target, found, [rate for rate, _ in matches]))
                computed = [(None, order["tax_amount_sum"])]  # kept as given: the order is refused for this alone
        elif _made(computed) != target:
            split.rejects.append(_reject(order, computed, target, None, []))
            computed = [(None, order["tax_amount_sum"])]
        lineage = {"_file": order["_file_first"], "_line": order["_line_first"], "_run": order["_run_first"]}
        rows += [{"order_id": oid, "tax_rate": rate, "tax_amount": tax, **lineage} for rate, tax in computed]
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("order_id", pa.string()), ("tax_rate", DECIMAL), ("tax_amount", DECIMAL), ("_file", pa.string()),
        ("_line", pa.int64()), ("_run", pa.string())]))
    kept = taxes.filter(pc.invert(mine))
    split.taxes = pa.concat_tables([kept, table.cast(kept.schema)]) if kept.num_rows else table.cast(taxes.schema)
    split.items = _service_rates(items, chosen)
    return split


def _sums(lines: pa.Table) -> tuple[dict[str, Sums], dict[str, Sums]]:
    """Per order and rate, the summed goods lines and the summed service lines (shipping, fees, ...)."""
    service = pc.not_equal(lines.column("kind"), "product")
    grouped = lines.append_column("_service", service).group_by(
        ["order_id", "tax_rate", "_service"], use_threads=False).aggregate([("line_total", "sum")])
    goods: dict[str, Sums] = {}
    services: dict[str, Sums] = {}
    for row in grouped.to_pylist():
        if row["line_total_sum"] is not None:
            into = (services if row["_service"] else goods).setdefault(row["order_id"], {})
            into[row["tax_rate"]] = into.get(row["tax_rate"], Decimal(0)) + row["line_total_sum"]
    return goods, services


def _matches(goods: Sums, services: Decimal, found: tuple[str, tuple[Decimal, ...]] | None, net: bool,
             target: Decimal) -> list[tuple[Decimal, list[tuple[Decimal | None, Decimal]]]]:
    """Each standard rate that, given to all shipping and fees, makes the summed tax; with its taxes."""
    matches = []
    for rate in found[1] if found else ():
        taxes = _taxes(_merged(goods, {rate: services}), net)
        if _made(taxes) == target:
            matches.append((rate, taxes))
    return matches


def _merged(goods: Sums, services: Sums) -> Sums:
    merged = dict(goods)
    for rate, amount in services.items():
        merged[rate] = merged.get(rate, Decimal(0)) + amount
    return merged


def _taxes(sums: Sums, net: bool) -> list[tuple[Decimal | None, Decimal]]:
    """The tax per rate (highest first), each rounded half up to the cent once."""
    taxes = []
    for rate, amount in sums.items():
        if rate:
            share = rate / HUNDRED if net else rate / (HUNDRED + rate)
            taxes.append((rate, (amount * share).quantize(CENT, ROUND_HALF_UP)))
    return sorted(taxes, key=lambda t: t[0] or 0, reverse=True)


def _made(taxes: list[tuple[Decimal | None, Decimal]]) -> Decimal:
    return sum((tax for _, tax in taxes), Decimal(0))


def _reject(order: dict[str, Any], computed: list[tuple[Decimal | None, Decimal]], target: Decimal,
            found: tuple[str, tuple[Decimal, ...]] | None, matches: list[Decimal]) -> Reject:
    made = _made(computed)
    per = [Words(N_("{rate} %: {tax}"), {"rate": rate, "tax": tax}) for rate, tax in computed if rate]
    facts: dict[str, object] = {"per": per or [Words(N_("no taxed lines"))], "made": made, "summed": target,
                                "difference": (target - made).quantize(CENT)}
    if len(matches) > 1:
        code, facts["rates"] = "tax-rate-ambiguous", [Words(N_("{rate} %"), {"rate": r}) for r in matches]
    elif found is not None:
        code, facts["country"] = "tax-no-standard-rate", found[0]
        facts["rates"] = [Words(N_("{rate} %"), {"rate": r}) for r in found[1]]
    else:
        code = "tax-does-not-add-up"
    return Reject(order["_file_first"], order["_line_first"], order["order_id"], "ot_tax", f"{target}", code,
                  params=facts)


def _service_rates(items: pa.Table, chosen: dict[str, Decimal]) -> pa.Table:
    """`items` with the service lines of the orders in `chosen` at the rate chosen for them."""
    if not chosen:
        return items
    index = pc.index_in(items.column("order_id"), value_set=pa.array(list(chosen), pa.string()))
    rate = pc.take(pa.array(list(chosen.values()), DECIMAL), index)
    service = pc.and_(pc.not_equal(items.column("kind"), "product"), pc.is_valid(index))
    column = items.column_names.index("tax_rate")
    old = items.column(column)
    return items.set_column(column, "tax_rate", pc.if_else(service, pc.cast(rate, old.type), old))
