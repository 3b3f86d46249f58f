"""Catalog (Produktexport inkl. Warengruppen): GS-Office export tables -> neutral catalog tables.

Every table is read with its layout into a `Store` (etl/fast/store.py), then checked against the
others in SQL (flows/catalog_sql.py): the category tree must be a tree, every price, text, variant,
relation, BOM line, stock row and file must belong to an article that is in the export (and not
refused), and stock is summed over warehouses, variants and BOMs. The records come back in chunks of
whole articles, in the order of the articles file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from etl.extract import RawTable
from etl.fast.store import MEMORY_MB, Store
from etl.flows import catalog_sql as rules
from etl.flows.catalog_rules import category_problem
from etl.flows.flow import Flow
from etl.shared.model import schema
from etl.shared.records import Chunk
from etl.transform.layout import SourceLayout
from etl.transform.source import conform
from etl.transform.staged import stage_set

# Articles per chunk: an article comes with ~8 rows (texts, prices, variants, stock, ...), so a chunk
# holds about as many rows as another flow's chunk of `CHUNK_RECORDS` records.
ARTICLES_PER_CHUNK = 5_000
READ_MEMORY_MB = 32  # the store's memory once the rules ran: reading back ranges needs little


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """The catalog of one export set, checked, in chunks of whole articles (with their variants, prices, ...)."""
    with Store() as store:
        rejects = stage_set(store, layout, tables, run_id, drop_bad=True)
        # Article lines that could not be read are articles in too: in = written + rejected.
        files = {raw.path.name for raw in tables.get("articles", [])}
        unreadable = len({(r.file, r.line) for r in rejects if r.file in files})
        language = layout.options.get("language", "de")
        rejects += rules.categories(store, language, category_problem)
        rejects += rules.articles(store)
        rejects += rules.children(store, language, _today(layout))
        rules.finish(store)
        written, refused = store.rows("acc"), store.rows("articles") - store.rows("acc") + unreadable
        first: Chunk | None = Chunk({}, rejects, written + refused, refused)  # the rejects and counts go first
        store.limit(min(READ_MEMORY_MB, MEMORY_MB))  # room for the chunks on their way
        for part in store.chunks(rules.OUTPUTS, ARTICLES_PER_CHUNK):
            if first is None and not any(table.num_rows for table in part.values()):
                continue  # a range of refused articles
            neutral = {entity: conform(part[entity], schema(entity)) for entity in rules.OUTPUTS}
            yield replace(first, neutral=neutral) if first else Chunk(neutral)
            first = None
        if first:  # nothing to write: the rejects and counts all the same
            yield replace(first, neutral={entity: schema(entity).empty_table() for entity in rules.OUTPUTS})


def _today(layout: SourceLayout) -> date:
    """The day promotions are judged on: the layout's `today` (tests), else today."""
    today = layout.options.get("today") or date.today()
    return date.fromisoformat(today) if isinstance(today, str) else today


FLOW = Flow(name="catalog", module="Produktexport inkl. Warengruppe", direction="ERP -> shop",
            source="sage/catalog.yaml", target="shop/catalog.yaml", outbox="shop", unit="articles",
            extract_tables=extract_tables, delta_vanished={"stock": "quantity"}, delta="articles",
            media={"article_media": ("file", True), "categories": ("image", False)})
