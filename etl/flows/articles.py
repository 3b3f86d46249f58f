"""Articles (Erstbefüllung): a shop's catalog exports -> neutral catalog tables for the GS-Office import.

The other direction of the catalog flow, run once when a merchant adds GS-Office to a running shop.
The xt:Commerce tables are joined by products_id: texts per language, the article's category (its
first assignment to a category that can be placed), manufacturer name, tax rate (tax_rates of the
home zone, else the layout's value map), group prices and quantity breaks (one offers table per
customer group), and promotional prices. The category tree is checked with the catalog's rules.
GS-Office needs an Artikelnummer: a product without products_model, or whose model another product
has too, is refused with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from etl.extract import RawTable
from etl.flows.catalog import Row, _Refusals, _why, category_problem, table_of
from etl.flows.catalog_rules import category_tree, promotion_active
from etl.flows.flow import Flow
from etl.i18n import N_
from etl.shared.records import Chunk, Neutral
from etl.shared.reject_codes import Words
from etl.shared.rejects import Reject
from etl.transform.layout import SourceLayout
from etl.transform.source import check_columns, drop_comment_rows, read_fields

_GROUP = re.compile(r"personal_offers_by_customers_status_(\d+)", re.IGNORECASE)
_NO_PARENT = (None, "", "0")


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """The shop's articles of one export set, joined and checked, as one chunk."""
    rows: dict[str, list[Row]] = {}
    rejects: list[Reject] = []
    for name, raws in tables.items():
        for raw in raws:
            check_columns(layout, name, raw)
    for name in layout.tables:
        if name in tables:
            rows[name], problems = read_rows(layout, name, tables[name], run_id)
            rejects += problems
    neutral, refusals, (written, refused) = assemble(layout, rows)
    yield Chunk(neutral, rejects + refusals.rejects, written + refused, refused)


def assemble(layout: SourceLayout, rows: dict[str, list[Row]]) -> tuple[Neutral, _Refusals, tuple]:
    """Neutral tables from the rows of each shop table; (tables, refusals, (articles, refused))."""
    out = _Refusals()
    categories, category_texts = _categories(rows.get("categories", []), rows.get("categories_description", []), out)
    products = rows.get("products", [])
    for p in products:
        p["record"] = p["sku"] or f"products_id {p['product_id']}"
    products = out.keep(products, lambda p: p["sku"] is not None, "products_model", key="record", reason=lambda p: (
        "no-products-model", {"product": p["product_id"]}))
    products = _unique_models(products, out)
    products = _category_of(products, rows.get("products_to_categories", []), {c["category_id"] for c in categories},
                            out)
    products = _manufacturer_of(products, rows.get("manufacturers"), rows.get("manufacturers") is not None, out)
    products = _tax_rate_of(layout, products, rows.get("tax_rates", []), out)
    skus = {p["product_id"]: p["sku"] for p in products}
    every_product = {p["product_id"] for p in rows.get("products", [])}
    texts = _of_products(rows.get("products_description", []), skus, every_product, out, "products_description")
    prices = _prices(layout, rows, skus, every_product, out)
    articles = [{k: v for k, v in p.items() if k != "record"} for p in products]
    neutral = {name: table_of(name, data) for name, data in (
        ("categories", categories), ("category_texts", category_texts), ("articles", articles),
        ("article_texts", texts), ("prices", prices))}
    read = len(rows.get("products", []))
    return neutral, out, (len(articles), read - len(articles))


def _categories(rows: list[Row], texts: list[Row], out: _Refusals) -> tuple[list[Row], list[Row]]:
    """Categories that form a tree (xt:Commerce's parent 0 is the top), with their texts."""
    parents = {r["category_id"]: (None if r["parent_id"] in _NO_PARENT else r["parent_id"]) for r in rows}
    levels, problems = category_tree(parents)
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row["category_id"] in levels and row["category_id"] not in seen:
            seen.add(row["category_id"])
            kept.append({**row, "parent_id": parents[row["category_id"]], "level": levels[row["category_id"]]})
        else:
            out.rejects.append(Reject(row["_file"], row["_line"], row["category_id"], "parent_id",
                                      row["parent_id"], *_why(category_problem(row["category_id"], problems))))
    texts = [t for t in texts if t["category_id"] in levels or t["category_id"] not in parents]  # refused: said once
    texts = out.keep(texts, lambda t: t["category_id"] in levels, "categories_id", key="category_id",
                     value="category_id", reason=lambda t: (
                         "texts-without-category", {"category": t["category_id"], "export": "categories"}))
    return kept, texts


def _unique_models(products: list[Row], out: _Refusals) -> list[Row]:
    """Refuse every product whose model another product has too (GS-Office: one article per number)."""
    holders: dict[str, list[str]] = {}
    for p in products:
        holders.setdefault(p["sku"].strip().upper(), []).append(p["product_id"])
    return out.keep(products, lambda p: len(holders[p["sku"].strip().upper()]) == 1, "products_model",
                    key="record", value="sku", reason=lambda p: (
                        "shared-products-model", {"products": holders[p["sku"].strip().upper()]}))


def _category_of(products: list[Row], links: list[Row], known: set[str], out: _Refusals) -> list[Row]:
    """Each product's Warengruppe: its first category that can be placed (GS-Office has one per article)."""
    assigned: dict[str, list[str]] = {}
    for link in links:
        if link["category_id"] not in _NO_PARENT:
            assigned.setdefault(link["product_id"], []).append(link["category_id"])
    for p in products:
        mine = assigned.get(p["product_id"], [])
        p["category_id"] = next((c for c in mine if c in known), None)
        p["_categories"] = ", ".join(mine) or None
    kept = out.keep(products, lambda p: p["category_id"] is not None or not p["_categories"], "categories_id",
                    key="record", value="_categories", reason=lambda p: (
                        "category-not-in-export", {"category": p["_categories"], "export": "categories"}))
    return [{k: v for k, v in p.items() if k != "_categories"} for p in kept]


def _manufacturer_of(products: list[Row], manufacturers: list[Row] | None, exported: bool,
                     out: _Refusals) -> list[Row]:
    names = {m["manufacturer_id"]: m["name"] for m in manufacturers or []}
    for p in products:
        p["manufacturer"] = names.get(p.get("manufacturer_id"))
    return out.keep(products, lambda p: not exported or p.get("manufacturer_id") in (*_NO_PARENT, *names),
                    "manufacturers_id", key="record", value="manufacturer_id", reason=lambda p: (
                        "unknown-manufacturer", {"manufacturer": p["manufacturer_id"]}))


def _tax_rate_of(layout: SourceLayout, products: list[Row], rates: list[Row], out: _Refusals) -> list[Row]:
    """Rate per tax class: the home zone's tax_rates (highest priority first), else the value map."""
    zone = str(layout.options.get("tax_zone", "5"))
    by_class: dict[str, Decimal] = {}
    for rate in rates:
        if rate.get("zone") in (None, zone):
            by_class.setdefault(rate["tax_class"], rate["rate"])
    if not rates:
        by_class = {str(k): Decimal(str(v)) for k, v in layout.value_maps.get("tax_class_rates", {}).items()}
    by_class.setdefault("0", Decimal(0))
    for p in products:
        p["tax_rate"] = by_class.get(p.get("tax_class") or "0")
    source = (Words(N_("tax_rates (zone {zone})"), {"zone": zone}) if rates
              else Words(N_("the value map tax_class_rates of the shop articles mapping")))
    return out.keep(products, lambda p: p["tax_rate"] is not None, "products_tax_class_id", key="record",
                    value="tax_class", reason=lambda p: (
                        "tax-class-without-rate", {"tax_class": p["tax_class"], "source": source}))


def _of_products(rows: list[Row], skus: dict[str, str], every: set[str], out: _Refusals, table: str) -> list[Row]:
    """Rows of accepted products, with their sku; rows of refused products go silently with them."""
    orphans = out.keep(rows, lambda r: r["product_id"] in every, "products_id", key="product_id",
                       value="product_id", reason=lambda r: (
                           "row-without-product", {"table": table, "product": r["product_id"]}))
    return [{**r, "sku": skus[r["product_id"]]} for r in orphans if r["product_id"] in skus]


def _prices(layout: SourceLayout, rows: dict[str, list[Row]], skus: dict[str, str], every: set[str],
            out: _Refusals) -> list[Row]:
    today = layout.options.get("today") or date.today()
    today = date.fromisoformat(today) if isinstance(today, str) else today
    skip = {str(g) for g in layout.options.get("skip_customer_groups", ["0"])}
    offers = [o for o in rows.get("personal_offers", []) if o["price_group"] not in skip]
    prices = [{**p, "kind": "group", "active": True}
              for p in _of_products(offers, skus, every, out, "personal_offers")]
    specials = _of_products(rows.get("specials", []), skus, every, out, "specials")
    # A promotion that is switched off or has expired is not carried over to GS-Office.
    prices += [{**s, "kind": "special", "min_quantity": Decimal(1), "active": True} for s in specials
               if s.get("special_status") is not False and promotion_active(None, s.get("valid_to"), today)]
    return out.keep(prices, lambda p: p["price"] >= 0 and (p.get("min_quantity") is None or p["min_quantity"] > 0),
                    "price", lambda p: ("negative-price", {}))


def read_rows(layout: SourceLayout, name: str, raws: list[RawTable], run_id: str) -> tuple[list[Row], list[Reject]]:
    """Rows of layout table `name` without those that have an unreadable value.

    Read table by table: in a phpMyAdmin or mysqldump file all tables share the file name and count
    their records from 1, so a bad value must not drop the row of the same number in another table.
    Offers tables (personal_offers_by_customers_status_<N>) get N as their price group.
    """
    spec = layout.tables[name]
    rows: list[Row] = []
    rejects: list[Reject] = []
    for raw in raws:
        named = _GROUP.search(raw.name or "") or _GROUP.search(raw.path.name)
        for batch in raw.batches():
            table, problems = read_fields(layout, spec, drop_comment_rows(batch), raw.path.name, run_id, None)
            bad = {r.line for r in problems}
            rejects += problems
            for row in table.to_pylist():
                if row["_line"] in bad:
                    continue
                if name == "personal_offers":
                    row["price_group"] = row["price_group"] or (named.group(1) if named else None)
                    if row["price_group"] is None:
                        rejects.append(Reject(row["_file"], row["_line"], row["product_id"], "customers_status",
                                              None, "price-group-unknown"))
                        continue
                rows.append(row)
    return rows, rejects


FLOW = Flow(name="articles", module="Produktexport inkl. Warengruppe (Erstbefüllung)", direction="shop -> ERP",
            source="shop/articles.yaml", target="sage/articles.yaml", outbox="sage", unit="articles",
            extract_tables=extract_tables)
