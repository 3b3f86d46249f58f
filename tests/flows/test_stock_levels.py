"""The stock rule (etl/flows/stock_levels.py, in SQL over a store) against the rule written out in plain Python.

Random catalogs with negative stock, variants without warehouse rows, variants of unknown parents,
sets of sets, an article numbered like a variant, fractional quantities: both versions must give
the same levels (sku, parent, kind, quantity, lineage) in the same order as the row-by-row rule.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from etl.fast.store import AT, SEQ, Store
from etl.flows.catalog_rules import bom_stock
from etl.flows.stock_levels import create_stock_levels
from etl.shared.model import schema

Row = dict[str, Any]


def _lineage(row: Row) -> Row:
    return {"_file": row["_file"], "_line": row["_line"], "_run": row["_run"]}


def rule(articles: list[Row], variants: list[Row], bom: list[Row], stock: list[Row]) -> list[Row]:
    """docs/catalog.md's stock rule, row by row (the catalog flow's code before it moved to Arrow)."""
    per_sku: dict[str, Decimal] = {}
    for row in stock:
        per_sku[row["sku"]] = per_sku.get(row["sku"], Decimal(0)) + row["quantity"]
    levels: dict[str, Row] = {}
    for v in variants:
        if v["sku"] not in levels:
            quantity = per_sku.get(v["sku"], v.get("stock") or Decimal(0))
            levels[v["sku"]] = {"sku": v["sku"], "parent_sku": v["parent_sku"], "kind": "variant",
                                "quantity": quantity, **_lineage(v)}
    children: dict[str, Decimal] = {}
    for level in levels.values():
        children[level["parent_sku"]] = children.get(level["parent_sku"], Decimal(0)) + level["quantity"]
    plain = {**per_sku, **{sku: level["quantity"] for sku, level in levels.items()}, **children}
    sets = bom_stock(((b["sku"], b["component_sku"], b["quantity"]) for b in bom), plain)
    for a in articles:
        kind = "bom" if a["sku"] in sets else "variant_parent" if a["sku"] in children else "article"
        quantity = sets.get(a["sku"], plain.get(a["sku"], Decimal(0)))
        levels[a["sku"]] = {"sku": a["sku"], "parent_sku": None, "kind": kind, "quantity": quantity, **_lineage(a)}
    return list(levels.values())


def _catalog(rng: random.Random) -> tuple[list[Row], list[Row], list[Row], list[Row]]:
    line = iter(range(2, 10_000))

    def row(**values: Any) -> Row:
        return {**values, "_file": "x.csv", "_line": next(line), "_run": "r"}

    skus = [f"A{n}" for n in range(rng.randint(0, 12))]
    variant_skus = [f"V{n}" for n in range(rng.randint(0, 10))]
    if skus and variant_skus and rng.random() < 0.3:
        variant_skus[0] = skus[0]  # an article numbered like a variant: the article takes its place
    parents = [*skus, "GONE"]
    variants = [row(sku=v, parent_sku=rng.choice(parents), option=f"O{o}",
                    stock=rng.choice([None, Decimal(rng.randint(-3, 9))]))
                for v in variant_skus for o in range(rng.randint(1, 2))]
    every = [*skus, *variant_skus, "NOWHERE"]
    stock = [row(sku=rng.choice(every), warehouse=f"L{n}", quantity=Decimal(rng.randint(-20, 60)) / rng.choice([1, 4]))
             for n in range(rng.randint(0, 25))]
    bom = [row(sku=rng.choice(skus), component_sku=rng.choice(every),
               quantity=Decimal(rng.randint(1, 12)) / rng.choice([1, 2, 8]))
           for _ in range(rng.randint(0, 8) if skus else 0)]
    articles = [row(sku=sku) for sku in skus]
    return articles, variants, bom, stock


def _table(entity: str, rows: list[Row]) -> pa.Table:
    target = schema(entity)
    return pa.table([pa.array([r.get(f.name) for r in rows], f.type) for f in target], schema=target)


def _in_store(articles: pa.Table, variants: pa.Table, bom: pa.Table, stock: pa.Table) -> pa.Table:
    with Store() as store:
        for name, table in {"a": articles, "v": variants, "b": bom, "s": stock}.items():
            store.append(name, table)
        create_stock_levels(store, "a", "v", "b", "s", "levels")
        got = store.table(f"SELECT * FROM levels ORDER BY {AT}, {SEQ}")
        assert store.table("SHOW TABLES").column(0).to_pylist() == ["a", "b", "levels", "s", "v"]
        return got.drop_columns([AT, SEQ]).cast(schema("stock_levels"))


@pytest.mark.parametrize("seed", range(60))
def test_stock_levels_follow_the_rule(seed: int) -> None:
    articles, variants, bom, stock = _catalog(random.Random(seed))
    expected = rule(articles, variants, bom, stock)
    got = _in_store(_table("articles", articles), _table("variants", variants), _table("bom_lines", bom),
                 _table("stock", stock)).to_pylist()
    assert got == [{**e, "quantity": e["quantity"].quantize(Decimal("0.0001"))} for e in expected]

