"""Catalog (Produktexport inkl. Warengruppen): GS-Office export tables -> neutral catalog tables.

Every table is read with its layout, then checked against the others: the category tree must be a
tree, every price, text, variant, relation, BOM line, stock row and file must belong to an article
that is in the export (and not refused), and stock is summed over warehouses, variants and BOMs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from etl.extract import RawTable
from etl.flows.catalog_rules import Why, category_tree, promotion_active
from etl.flows.flow import Flow
from etl.flows.stock_levels import stock_levels
from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral
from etl.shared.rejects import Reject
from etl.transform.layout import SourceLayout
from etl.transform.source import read_clean

Row = dict[str, Any]
TEXTS = ("name", "short_text", "long_text", "meta_title", "meta_description", "meta_keywords")
CATEGORY_TEXTS = ("name", "long_name", "description", "meta_title", "meta_description", "meta_keywords")


class _Refusals:
    """Collects rejects while rows are checked, one reason per refused row."""

    def __init__(self) -> None:
        self.rejects: list[Reject] = []

    def keep(self, rows: list[Row], ok: Any, field: str, reason: Any, key: str = "sku",
             value: str | None = None) -> list[Row]:
        """The rows for which `ok(row)` holds; the others are rejected with `reason(row)`: (code, parameters)."""
        kept = []
        for row in rows:
            if ok(row):
                kept.append(row)
            else:
                value_of = row.get(value or field)
                self.rejects.append(Reject(row["_file"], row["_line"], _text(row.get(key)), field,
                                           _text(value_of), *_why(reason(row))))
        return kept


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """The catalog of one export set, checked, as one chunk."""
    parts, rejects = read_clean(layout, tables, run_id)
    rows = {name: (table.to_pylist() if table is not None else []) for name, table in parts.items()}
    neutral, refusals, counts = assemble(layout, rows)
    # Article lines that could not be read are articles in too: in = written + rejected.
    files = {raw.path.name for raw in tables.get("articles", [])}
    unreadable = len({(r.file, r.line) for r in rejects if r.file in files})
    yield Chunk(neutral, rejects + refusals.rejects, sum(counts) + unreadable, counts[1] + unreadable)


def assemble(layout: SourceLayout, rows: dict[str, list[Row]]) -> tuple[Neutral, _Refusals, tuple]:
    """Neutral tables from the rows of each source table; (tables, refusals, (articles, refused))."""
    out = _Refusals()
    language = layout.options.get("language", "de")
    categories, category_texts = _categories(rows.get("categories", []), rows.get("category_texts", []),
                                             language, out)
    known_categories = {c["category_id"] for c in categories}
    articles = rows.get("articles", [])
    read = len(articles)
    # An article number given twice is refused by the layout (`unique: [sku]`), both lines named.
    articles = out.keep(articles, lambda a: a["category_id"] is None or a["category_id"] in known_categories,
                        "Warengruppe", value="category_id", reason=lambda a: (
                            "category-not-in-export", {"category": a["category_id"], "export": "Warengruppen"}))
    skus = {a["sku"] for a in articles}
    variants = _variants(rows.get("variants", []), skus, out)
    known = skus | {v["sku"] for v in variants}
    texts = [{**{k: a.get(k) for k in TEXTS}, "sku": a["sku"], "language": language, **_lineage(a)}
             for a in articles] + _known(rows.get("article_texts", []), skus, out)
    prices = _prices(layout, rows, known, out)
    bom = _bom(rows.get("bom_lines", []), skus, known, out)
    relations = _known(rows.get("relations", []), skus, out)
    relations = out.keep(relations, lambda r: r["related_sku"] in skus and r["related_sku"] != r["sku"],
                         "related_sku", lambda r: ("unknown-related-article", {"sku": r["related_sku"]}), key="sku")
    relations = [{**r, "origin": "erp"} for r in relations]
    stock = _known(rows.get("stock", []), known, out)
    media = [{**m, "file": m["source_file"]} for m in _known(rows.get("media", []), skus, out)]
    levels = stock_levels(table_of("articles", articles), table_of("variants", variants), table_of("bom_lines", bom),
                          table_of("stock", stock))
    total = dict(zip(levels.column("sku").to_pylist(), levels.column("quantity").to_pylist(), strict=True))
    articles = [{**a, "stock": total.get(a["sku"], Decimal(0))} for a in articles]
    variants = [{**v, "stock": total.get(v["sku"], v.get("stock") or Decimal(0))} for v in variants]
    texts = [{**t, "text_id": f"{t['sku']}|{t['language']}"} for t in texts]
    category_texts = [{**t, "text_id": f"{t['category_id']}|{t['language']}"} for t in category_texts]
    neutral = {name: table_of(name, data) for name, data in (
        ("categories", categories), ("category_texts", category_texts), ("articles", articles),
        ("article_texts", texts), ("variants", variants), ("prices", prices), ("bom_lines", bom),
        ("relations", relations), ("stock", stock), ("article_media", media))}
    neutral["stock_levels"] = levels
    return neutral, out, (len(articles), read - len(articles))


def _categories(rows: list[Row], extra: list[Row], language: str, out: _Refusals) -> tuple[list[Row], list[Row]]:
    levels, problems = category_tree({r["category_id"]: r["parent_id"] for r in rows})
    rows = out.keep(rows, lambda r: r["category_id"] in levels, "Übergeordnete Warengruppe", value="parent_id",
                    reason=lambda r: category_problem(r["category_id"], problems), key="category_id")
    categories = [{**r, "level": levels[r["category_id"]]} for r in rows]
    texts = [{**{k: r.get(k) for k in CATEGORY_TEXTS}, "category_id": r["category_id"], "language": language,
              **_lineage(r)} for r in rows]
    texts += out.keep(extra, lambda t: t["category_id"] in levels, "Warengruppe", value="category_id",
                      reason=lambda t: ("texts-without-category", {"category": t["category_id"],
                                                                   "export": "Warengruppen"}), key="category_id")
    return categories, texts


def _variants(rows: list[Row], skus: set[str], out: _Refusals) -> list[Row]:
    rows = _known(rows, skus, out, field="parent_sku")
    variants = []
    for row in rows:
        for n in (1, 2, 3):
            if row.get(f"option_{n}") and row.get(f"value_{n}"):
                variants.append({**row, "option": row[f"option_{n}"], "value": row[f"value_{n}"], "position": n})
    return variants


def _prices(layout: SourceLayout, rows: dict[str, list[Row]], known: set[str], out: _Refusals) -> list[Row]:
    today = layout.options.get("today") or date.today()
    today = date.fromisoformat(today) if isinstance(today, str) else today
    prices = [{**p, "kind": "group", "active": True} for p in rows.get("prices", [])]
    prices += [{**p, "kind": "customer", "active": True} for p in rows.get("customer_prices", [])]
    prices += [{**p, "kind": "special", "min_quantity": Decimal(1),
                "active": promotion_active(p.get("valid_from"), p.get("valid_to"), today)}
               for p in rows.get("specials", [])]
    prices = _known(prices, known, out)
    return out.keep(prices, lambda p: p["price"] >= 0 and (p.get("min_quantity") is None or p["min_quantity"] > 0),
                    "price", lambda p: ("negative-price", {}))


def _bom(rows: list[Row], skus: set[str], known: set[str], out: _Refusals) -> list[Row]:
    broken = {r["sku"] for r in rows if r["sku"] not in skus or r["component_sku"] not in known
              or r["quantity"] <= 0}
    return out.keep(rows, lambda r: r["sku"] not in broken, "component_sku",
                    lambda r: ("bom-refused", {"sku": r["sku"]}))


def _known(rows: list[Row], known: set[str], out: _Refusals, field: str = "sku") -> list[Row]:
    return out.keep(rows, lambda r: r[field] in known, field,
                    lambda r: ("unknown-article", {"sku": r[field]}))


def _lineage(row: Row) -> Row:
    return {"_file": row["_file"], "_line": row["_line"], "_run": row["_run"]}


def table_of(entity: str, rows: list[Row]) -> pa.Table:
    """A neutral table of `entity` from row dicts (missing fields null)."""
    target = schema(entity)
    # Column by column: a dict per row for from_pylist cost more than the rows' own assembly.
    return pa.table([pa.array([row.get(f.name) for row in rows], f.type) for f in target], schema=target)


def category_problem(category: str, problems: dict[str, Why]) -> tuple[str, dict[str, object]]:
    """Why `category` is refused: its problem in the tree, else it is given twice."""
    code, params = problems.get(category, ("category-twice", {}))
    return code, {"category": category, **params}


def _why(reason: tuple[str, dict[str, object]]) -> tuple[str, None, dict[str, object]]:
    return reason[0], None, reason[1]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


FLOW = Flow(name="catalog", module="Produktexport inkl. Warengruppe", direction="ERP -> shop",
            source="sage/catalog.yaml", target="shop/catalog.yaml", outbox="shop", unit="articles",
            extract_tables=extract_tables, delta_vanished={"stock": "quantity"}, delta="articles",
            media={"article_media": ("file", True), "categories": ("image", False)})
