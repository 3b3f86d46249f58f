"""Stock (Lagerbestand): GS-Office stock per warehouse -> summed stock per article, variant and BOM.

Small and frequent: with the delta (etl/state/delta.py) a run sends only the stock that changed. The BOM
and variant files are optional; sent along, they make set articles and variant parents derived.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import RawTable
from etl.fast.arrays import positions
from etl.flows.flow import Flow
from etl.flows.stock_levels import stock_levels
from etl.shared.model import LINEAGE, schema
from etl.shared.records import Chunk
from etl.shared.rejects import Reject
from etl.transform.layout import SourceLayout
from etl.transform.relate import first_rows
from etl.transform.source import conform, read_clean


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Stock per warehouse and summed, as one chunk; counted per article (summed record)."""
    parts, rejects = read_clean(layout, tables, run_id)
    stock = _table(parts.get("stock"), "stock")
    bom = _table(parts.get("bom_lines"), "bom_lines")
    variants = _table(parts.get("variants"), "variants")
    # The catalog's rule: a set with a component quantity that is not positive has no stock to derive
    # (it divided by zero); the set is refused as a whole, each of its lines named.
    broken = pc.unique(pc.filter(bom.column("sku"), pc.less_equal(bom.column("quantity"), 0)))
    in_broken = pc.is_in(bom.column("sku"), value_set=broken)
    rejects += [Reject(b["_file"], b["_line"], b["sku"], "Menge", str(b["quantity"]), "bom-quantity",
                       params={"sku": b["sku"]})
                for b in bom.filter(in_broken).to_pylist()]
    bom = bom.filter(pc.invert(in_broken))
    stock = stock.filter(pc.invert(pc.is_in(stock.column("sku"), value_set=broken)))
    listed = pa.concat_tables([stock.select(_ROW), bom.select(_ROW)])  # the catalog's rule: warehouse rows, else
    listed = listed.take(first_rows(listed.column("sku")))  # the variant's Bestand
    # The articles the export names: those with stock or a BOM (not variants), and variant parents.
    parents = variants.filter(pc.invert(pc.is_in(variants.column("parent_sku"), value_set=listed.column("sku"))))
    parents = pa.table({"sku": parents.column("parent_sku"), **{n: parents.column(n) for n in LINEAGE}})
    parents = _last_values(parents)
    articles = pa.concat_tables([listed.filter(pc.invert(pc.is_in(listed.column("sku"),
                                                                  value_set=variants.column("sku")))), parents])
    levels = stock_levels(articles, variants, bom, stock)
    neutral = {"stock": stock, "stock_levels": levels}
    refused = len({r.line for r in rejects})
    yield Chunk(neutral, rejects, levels.num_rows + refused, refused)


_ROW = ["sku", *LINEAGE]


def _table(table: pa.Table | None, entity: str) -> pa.Table:
    return conform(table, schema(entity)) if table is not None else schema(entity).empty_table()


def _last_values(rows: pa.Table) -> pa.Table:
    """One row per sku at the place of its first row, with the values of its last row."""
    if rows.num_rows == 0:
        return rows
    indexed = rows.append_column("__at", positions(rows.num_rows))
    grouped = indexed.group_by("sku", use_threads=False).aggregate([("__at", "min"), ("__at", "max")])
    order = pc.sort_indices(grouped.column("__at_min"))
    return rows.take(pc.take(grouped.column("__at_max"), order))


FLOW = Flow(name="stock", module="Lagerbestand", direction="ERP -> shop", source="sage/stock.yaml",
            target="shop/stock.yaml", outbox="shop", unit="articles", extract_tables=extract_tables,
            delta_vanished={"stock": "quantity"}, delta="stock_levels")
