"""Stock (Lagerbestand): GS-Office stock per warehouse -> summed stock per article, variant and BOM.

Small and frequent: with the delta (etl/delta.py) a run sends only the stock that changed. The BOM
and variant files are optional; sent along, they make set articles and variant parents derived.
"""

from __future__ import annotations

from collections.abc import Iterator

from etl.extract.rawtable import RawTable
from etl.flows.catalog import Row, stock_levels, table_of
from etl.records import Chunk
from etl.transform.layout import SourceLayout
from etl.transform.source import read_clean


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Stock per warehouse and summed, as one chunk; counted per article (summed record)."""
    parts, rejects = read_clean(layout, tables, run_id)
    rows = {name: (table.to_pylist() if table is not None else []) for name, table in parts.items()}
    stock, bom = rows.get("stock", []), rows.get("bom_lines", [])
    variants = [{**v, "stock": None} for v in rows.get("variants", [])]
    skus = {s["sku"] for s in stock} | {b["sku"] for b in bom}
    variant_skus = {v["sku"] for v in variants}
    firsts: dict[str, Row] = {}
    for row in [*stock, *bom]:
        firsts.setdefault(row["sku"], row)
    articles = [row for sku, row in firsts.items() if sku not in variant_skus]
    articles += [{**v, "sku": v["parent_sku"]} for v in variants if v["parent_sku"] not in skus]
    levels = stock_levels(list({a["sku"]: a for a in articles}.values()), variants, bom, stock)
    neutral = {"stock": table_of("stock", stock), "stock_levels": table_of("stock_levels", levels)}
    refused = len({r.line for r in rejects})
    yield Chunk(neutral, rejects, len(levels) + refused, refused)
