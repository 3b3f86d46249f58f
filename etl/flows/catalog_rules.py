"""The catalog's consistency rules as plain functions: category tree, BOM stock, promotion dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_FLOOR, Decimal

Why = tuple[str, dict[str, object]]  # a reject code and its parameters

def category_tree(parents: dict[str, str | None]) -> tuple[dict[str, int], dict[str, Why]]:
    """Level of every category (1 = top) and, for categories that cannot be placed, why (code, parameters).

    A category whose parent is missing is an orphan; one whose chain of parents returns to itself is
    in a cycle; a category below either of them cannot be placed either.
    """
    levels: dict[str, int] = {}
    problems: dict[str, Why] = {}
    for start in parents:
        chain: list[str] = []
        node: str | None = start
        while node is not None and node not in levels and node not in problems:
            if node in chain:
                cycle = chain[chain.index(node):]
                for member in cycle:
                    problems[member] = "category-cycle", {"cycle": " -> ".join([*cycle, node])}
                break
            if node not in parents:
                problems[chain[-1]] = "category-parent-missing", {"parent": node}
                break
            chain.append(node)
            node = parents[node]
        for member in reversed(chain):  # from the top of the chain down
            if member in problems:
                continue
            parent = parents[member]
            if parent is None:
                levels[member] = 1
            elif parent in levels:
                levels[member] = levels[parent] + 1
            else:
                problems[member] = "category-below-unplaced", {"parent": parent}
    return levels, problems


def category_problem(category: str, problems: dict[str, Why]) -> tuple[str, dict[str, object]]:
    """Why `category` is refused: its problem in the tree, else it is given twice."""
    code, params = problems.get(category, ("category-twice", {}))
    return code, {"category": category, **params}


def bom_stock(lines: Iterable[tuple[str, str, Decimal]], stock: dict[str, Decimal]) -> dict[str, Decimal]:
    """Stock of each set article: the minimum over its components of floor(stock / quantity)."""
    sets: dict[str, list[Decimal]] = {}
    for sku, component, quantity in lines:
        available = stock.get(component, Decimal(0))
        sets.setdefault(sku, []).append((available / quantity).to_integral_value(ROUND_FLOOR))
    return {sku: max(min(counts), Decimal(0)) for sku, counts in sets.items()}


def promotion_active(valid_from: date | None, valid_to: date | None, today: date) -> bool:
    """Whether a promotional price applies on `today` (both dates included, open ends allowed)."""
    return (valid_from is None or valid_from <= today) and (valid_to is None or today <= valid_to)
