"""Stock (Lagerbestand): GS-Office stock per warehouse -> summed stock per article, variant and BOM.

Small and frequent: with the delta (etl/state/delta.py) a run sends only the stock that changed. The BOM
and variant files are optional; sent along, they make set articles and variant parents derived.
"""

from __future__ import annotations

from collections.abc import Iterator

from etl.extract import RawTable
from etl.flows.catalog import stock_levels, table_of
from etl.flows.flow import Flow
from etl.shared.records import Chunk
from etl.shared.rejects import Reject
from etl.transform.layout import SourceLayout
from etl.transform.relate import unique_rows
from etl.transform.source import read_clean


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Stock per warehouse and summed, as one chunk; counted per article (summed record)."""
    parts, rejects = read_clean(layout, tables, run_id)
    rows = {name: (table.to_pylist() if table is not None else []) for name, table in parts.items()}
    stock, bom = rows.get("stock", []), rows.get("bom_lines", [])
    # The catalog's rule: a set with a component quantity that is not positive has no stock to derive
    # (it divided by zero); the set is refused as a whole, each of its lines named.
    broken = {b["sku"] for b in bom if b["quantity"] <= 0}
    rejects += [Reject(b["_file"], b["_line"], b["sku"], "Menge", str(b["quantity"]), "bom-quantity",
                       params={"sku": b["sku"]})
                for b in bom if b["sku"] in broken]
    bom = [b for b in bom if b["sku"] not in broken]
    stock = [s for s in stock if s["sku"] not in broken]
    variants = rows.get("variants", [])  # the catalog's rule: warehouse rows, else the variant's Bestand
    listed = unique_rows([*stock, *bom], "sku")
    # The articles the export names: those with stock or a BOM (not variants), and variant parents.
    skus, variant_skus = {row["sku"] for row in listed}, {v["sku"] for v in variants}
    parents = [{**v, "sku": v["parent_sku"]} for v in variants if v["parent_sku"] not in skus]
    articles = [row for row in listed if row["sku"] not in variant_skus] + unique_rows(parents, "sku", keep="last")
    levels = stock_levels(articles, variants, bom, stock)
    neutral = {"stock": table_of("stock", stock), "stock_levels": table_of("stock_levels", levels)}
    refused = len({r.line for r in rejects})
    yield Chunk(neutral, rejects, len(levels) + refused, refused)


FLOW = Flow(name="stock", module="Lagerbestand", direction="ERP -> shop", source="sage/stock.yaml",
            target="shop/stock.yaml", outbox="shop", unit="articles", extract_tables=extract_tables,
            delta_vanished={"stock": "quantity"}, delta="stock_levels")
