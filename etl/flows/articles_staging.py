"""The articles flow's tables staged in a `Store`: each offers table with its price group, every table the SQL names.

The flow's SQL (etl/flows/articles.py) reads the shop's tables and fields; a source layout may have
fewer of them (BMEcat's has no manufacturers, tax rates or promotion status): those are added empty.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import RawTable
from etl.fast.store import Store, quoted
from etl.shared.rejects import Reject
from etl.transform.layout import SourceLayout
from etl.transform.source import check_columns, drop_comment_rows, read_fields
from etl.transform.staged import stage_set

_GROUP = re.compile(r"personal_offers_by_customers_status_(\d+)", re.IGNORECASE)
OFFERS = "personal_offers"
# What the flow's SQL reads of each table beyond lineage (`_file`, `_line`, `__seq`), with the type an absent one gets.
NEEDED: dict[str, dict[str, str]] = {
    "products": {"product_id": "VARCHAR", "sku": "VARCHAR", "tax_class": "VARCHAR", "manufacturer_id": "VARCHAR"},
    "products_description": {"product_id": "VARCHAR"},
    "categories": {"category_id": "VARCHAR", "parent_id": "VARCHAR"},
    "categories_description": {"category_id": "VARCHAR"},
    "products_to_categories": {"product_id": "VARCHAR", "category_id": "VARCHAR"},
    "manufacturers": {"manufacturer_id": "VARCHAR", "name": "VARCHAR"},
    "tax_rates": {"tax_class": "VARCHAR", "zone": "VARCHAR", "rate": "DECIMAL(18,4)"},
    OFFERS: {"product_id": "VARCHAR", "price_group": "VARCHAR", "min_quantity": "DECIMAL(18,4)",
             "price": "DECIMAL(18,4)"},
    "specials": {"product_id": "VARCHAR", "price": "DECIMAL(18,4)", "special_status": "BOOLEAN", "valid_to": "DATE"},
}
_LINEAGE = {"_file": "VARCHAR", "_line": "BIGINT", "__seq": "BIGINT"}


def stage(store: Store, layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> list[Reject]:
    """Every table of the set into `store` (`stage_set`), the offers tables with their price group; the rejects.

    Read table by table: in a phpMyAdmin or mysqldump file all tables share the file name and count
    their records from 1, so a bad value must not drop the row of the same number in another table.
    """
    for name, raws in tables.items():
        for raw in raws:
            check_columns(layout, name, raw)
    names = list(layout.tables)
    at = names.index(OFFERS) if OFFERS in names else len(names)
    before, after = names[:at], names[at:]
    rejects = stage_set(store, _part(layout, before), {n: tables[n] for n in before if n in tables}, run_id,
                        drop_bad=True)
    for raw in tables.get(OFFERS, []):
        rejects += _stage_offers(store, layout, raw, run_id)
    later = {n: tables[n] for n in after if n in tables and n != OFFERS}  # the offers staged above, if any
    rejects += stage_set(store, _part(layout, after), later, run_id, drop_bad=True)
    _complete(store)
    return rejects


def _part(layout: SourceLayout, names: list[str]) -> SourceLayout:
    return layout.model_copy(update={"tables": {n: layout.tables[n] for n in names}})


def _stage_offers(store: Store, layout: SourceLayout, raw: RawTable, run_id: str) -> list[Reject]:
    """An offers table (personal_offers_by_customers_status_<N>) with N as the price group of its rows."""
    named = _GROUP.search(raw.name or "") or _GROUP.search(raw.path.name)
    spec = layout.tables[OFFERS]
    rejects: list[Reject] = []
    for batch in raw.batches():
        table, problems = read_fields(layout, spec, drop_comment_rows(batch), raw.path.name, run_id, None)
        rejects += problems
        bad = pa.array(sorted({r.line for r in problems if r.line is not None}), pa.int64())
        table = table.filter(pc.invert(pc.is_in(table.column("_line"), value_set=bad)))
        if "price_group" not in table.column_names:
            table = table.append_column("price_group", pa.nulls(table.num_rows, pa.string()))
        if named:
            group = pc.coalesce(table.column("price_group"), pa.scalar(named.group(1)))
            table = table.set_column(table.column_names.index("price_group"), "price_group", group)
        unknown = pc.is_null(table.column("price_group"))
        rejects += [Reject(row["_file"], row["_line"], row["product_id"], "customers_status", None,
                           "price-group-unknown") for row in table.filter(unknown).to_pylist()]
        store.append(OFFERS, table.filter(pc.invert(unknown)))
    return rejects




def _complete(store: Store) -> None:
    """Every table and column the flow's SQL reads, empty where the layout has none."""
    for table, fields in NEEDED.items():
        needed = {**fields, **_LINEAGE}
        if not store.has(table):
            nulls = ", ".join(f"NULL::{kind} AS {quoted(name)}" for name, kind in needed.items())
            store.create(table, f"SELECT {nulls} WHERE false")
            continue
        present = set(store.table("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                  (table,)).column(0).to_pylist())
        for name in needed.keys() - present:
            store.execute(f"ALTER TABLE {quoted(table)} ADD COLUMN {quoted(name)} {needed[name]}")
