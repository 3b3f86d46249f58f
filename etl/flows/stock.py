"""Stock (Lagerbestand): GS-Office stock per warehouse -> summed stock per article, variant and BOM.

Small and frequent: with the delta (etl/state/delta.py) a run sends only the stock that changed. The BOM
and variant files are optional; sent along, they make set articles and variant parents derived.
The set is staged in a `Store` (etl/fast/store.py) and joined in SQL; the records come back in chunks,
each article (sku) whole: its summed level with its warehouse rows.
"""

from __future__ import annotations

from collections.abc import Iterator

from etl.extract import RawTable
from etl.fast.store import AT, SEQ, Store
from etl.flows.flow import Flow
from etl.flows.stock_levels import create_stock_levels
from etl.shared.model import LINEAGE, schema
from etl.shared.records import Chunk
from etl.transform.layout import SourceLayout
from etl.transform.source import conform
from etl.transform.staged import refused, stage_set

_ROW = "sku, _file, _line, _run"


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """Stock per warehouse and summed, in chunks of whole articles; counted per article (summed record)."""
    with Store() as store:
        rejects = stage_set(store, layout, tables, run_id, drop_bad=True)
        # The catalog's rule: a set with a component quantity that is not positive has no stock to derive
        # (it divided by zero); the set is refused as a whole, each of its lines named.
        store.create("broken", "SELECT DISTINCT sku FROM bom_lines WHERE quantity <= 0")
        rejects += refused(store, f"SELECT _file, _line, sku AS record, quantity AS value, sku FROM bom_lines "
                                  f"SEMI JOIN broken USING (sku) ORDER BY {SEQ}", "Menge", "bom-quantity", ("sku",))
        for table in ("bom_lines", "stock"):
            store.execute(f"DELETE FROM {table} WHERE sku IN (SELECT sku FROM broken)")
        _articles(store)
        create_stock_levels(store, "articles", "variants", "bom_lines", "stock", "levels")
        store.create("rows", f"SELECT s.*, l.{AT} FROM stock s JOIN levels l USING (sku)", order=f"{AT}, {SEQ}")
        lines = len({r.line for r in rejects})
        records_in, sent = store.counts["levels"] + lines, False
        for part in store.chunks({"stock": "rows", "stock_levels": "levels"}):
            neutral = {name: conform(table, schema(name)) for name, table in part.items()}
            # the rejects and counts go with the first chunk
            yield Chunk(neutral, [] if sent else rejects, 0 if sent else records_in, 0 if sent else lines)
            sent = True
        if not sent:  # nothing to send: the counts and rejects all the same
            yield Chunk({name: schema(name).empty_table() for name in ("stock", "stock_levels")}, rejects,
                        records_in, lines)


def _articles(store: Store) -> None:
    """Table `articles`: the numbers with stock or a BOM (not variants), then the variant parents not among them.

    A number's lineage is its first warehouse row, else its first BOM line; a parent's its last variant row.
    """
    shift = store.counts["stock"]  # BOM lines count after the warehouse rows
    after = shift + store.counts["bom_lines"]
    # first and last rows found by `__seq` alone, then joined: a group-by that kept their texts ran out of memory
    store.create("articles", f"WITH given AS (SELECT {_ROW}, {SEQ} FROM stock UNION ALL SELECT {_ROW}, {SEQ} + {shift} "
                             f"FROM bom_lines), listed AS (SELECT * FROM given SEMI JOIN (SELECT min({SEQ}) AS {SEQ} "
                             f"FROM given GROUP BY sku) USING ({SEQ})) "
                             f"SELECT * FROM listed ANTI JOIN variants v USING (sku) UNION ALL SELECT v.parent_sku, "
                             f"{', '.join(f'v.{n}' for n in LINEAGE)}, p.first + {after} FROM variants v JOIN (SELECT "
                             f"parent_sku, max({SEQ}) AS last, min({SEQ}) AS first FROM variants v ANTI JOIN listed x "
                             f"ON x.sku = v.parent_sku GROUP BY parent_sku) p ON v.{SEQ} = p.last")


FLOW = Flow(name="stock", module="Lagerbestand", direction="ERP -> shop", source="sage/stock.yaml",
            target="shop/stock.yaml", outbox="shop", unit="articles", extract_tables=extract_tables,
            delta_vanished={"stock": "quantity"}, delta="stock_levels")
