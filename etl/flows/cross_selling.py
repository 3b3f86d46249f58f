"""Cross-selling from order history: "customers who bought X also bought Y", from the staging area.

The orders flow stages every order export it imports (staging/<run>/*/order_items.parquet). Here
those orders are read back (the latest copy of an order wins), grouped into baskets (per customer,
or per order), and every pair of different articles in a basket counts once. An article's partners
need at least `min_support` baskets; the `top_n` strongest are kept, inactive articles never. The
ERP-defined relations of the latest catalog run come first and are kept as they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import permutations
from pathlib import Path
from typing import Any

import pyarrow as pa

from etl.flows.flow import Flow
from etl.shared.model import schema
from etl.shared.records import Chunk
from etl.state.staging import staged
from etl.transform.layout import SourceLayout

Row = dict[str, Any]


def table_of(entity: str, rows: list[Row]) -> pa.Table:
    """A neutral table of `entity` from row dicts (missing fields null)."""
    target = schema(entity)
    return pa.table([pa.array([row.get(f.name) for row in rows], f.type) for f in target], schema=target)


def extract_staged(staging: Path, layout: SourceLayout, run_id: str) -> Iterator[Chunk]:
    """Co-purchase relations merged with the ERP's, as one chunk."""
    options = layout.options
    catalog = _latest_catalog(staging)
    parents = {r["sku"]: r["parent_sku"] for r in catalog.get("variants", [])}
    inactive = {r["sku"] for r in catalog.get("articles", []) if r["status"] is False}
    baskets = _baskets(staging, options.get("basket", "customer"), parents)
    computed = also_bought(baskets, int(options.get("min_support", 2)), int(options.get("top_n", 5)), inactive)
    # Only articles the latest catalog run sent: the shop knows no other (none without a catalog run).
    known = {r["sku"] for r in catalog.get("articles", [])}
    computed = {sku: [p for p in partners if p[0] in known] for sku, partners in computed.items() if sku in known}
    computed = {sku: partners for sku, partners in computed.items() if partners}
    erp = [r for r in catalog.get("relations", []) if r["sku"] not in inactive and r["related_sku"] not in inactive]
    relations = merge(erp, computed, run_id)
    yield Chunk({"relations": table_of("relations", relations)}, [], len(relations), 0)


def also_bought(baskets: Iterable[set[str]], min_support: int, top_n: int, inactive: set[str]
                ) -> dict[str, list[tuple[str, int]]]:
    """Per article, its partners (article, baskets with both), strongest first, ties by number."""
    pairs: Counter[tuple[str, str]] = Counter()
    for basket in baskets:
        pairs.update(permutations(sorted(basket), 2))  # ordered pairs of different articles
    partners: dict[str, list[tuple[str, int]]] = {}
    for (sku, other), count in pairs.items():
        if count >= min_support and sku not in inactive and other not in inactive:
            partners.setdefault(sku, []).append((other, count))
    return {sku: sorted(found, key=lambda p: (-p[1], p[0]))[:top_n] for sku, found in sorted(partners.items())}


def merge(erp: list[Row], computed: dict[str, list[tuple[str, int]]], run_id: str) -> list[Row]:
    """ERP relations first; computed cross-selling appended where the ERP does not name it yet."""
    out = [{**r, "origin": "erp"} for r in erp]
    taken = {(r["sku"], r["related_sku"], r["kind"]) for r in erp}
    last = Counter[str]()
    for r in erp:
        if r["kind"] == "crossselling":
            last[r["sku"]] = max(last[r["sku"]], r["sort"] or 0)
    for sku, partners in computed.items():
        for other, count in partners:
            if (sku, other, "crossselling") in taken:
                continue
            last[sku] += 1
            out.append({"sku": sku, "related_sku": other, "kind": "crossselling", "sort": last[sku],
                        "origin": "history", "support": count, "_file": "order history", "_line": None,
                        "_run": run_id})
    return out


def _baskets(staging: Path, by: str, parents: dict[str, str]) -> list[set[str]]:
    orders: dict[str, tuple[str, list[str]]] = {}
    for items_file in sorted(staging.glob("*/*/order_items.parquet")):  # run ids sort by time
        folder = items_file.parent
        who = {}
        for heads in staged(folder, "orders", ["order_id", "customer_id", "email"]):
            for o in heads.to_pylist():
                who[o["order_id"]] = o["customer_id"] or (o["email"] or "").lower() or None
        lines: dict[str, list[str]] = {}
        for items in staged(folder, "order_items", ["order_id", "kind", "sku"]):
            for item in items.to_pylist():
                if item["kind"] == "product" and item["sku"]:
                    lines.setdefault(item["order_id"], []).append(parents.get(item["sku"], item["sku"]))
        for order_id, skus in lines.items():
            owner = who.get(order_id) if by == "customer" else None
            orders[order_id] = (owner or f"order {order_id}", skus)
    baskets: dict[str, set[str]] = {}
    for owner, skus in orders.values():
        baskets.setdefault(owner, set()).update(skus)
    return list(baskets.values())


def _latest_catalog(staging: Path) -> dict[str, list[Row]]:
    found = sorted(staging.glob("*/*/articles.parquet"))
    if not found:
        return {}
    folder = found[-1].parent
    return {name: [row for part in staged(folder, name) for row in part.to_pylist()]
            for name in ("articles", "variants", "relations") if (folder / f"{name}.parquet").exists()}


FLOW = Flow(name="cross-selling", module="Cross-Selling", direction="shop -> shop", source="shop/order_history.yaml",
            target="shop/cross_selling.yaml", outbox="shop", unit="relations", extract_staged=extract_staged)
