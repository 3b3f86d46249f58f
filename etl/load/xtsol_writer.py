"""The shop's own product import: xt:Commerce 3's admin "Import/Export" file (first column `XTSOL`).

One line per article, built from the xt:Commerce tables of the shop's catalog layout (products,
products_description, personal_offers_by_customers_status_<N>, products_images, products_to_categories,
categories, categories_description). The rules follow the importer (`admin/includes/classes/import.php`,
class xtcImport, xt:Commerce 3.0.4): the header is split at the separator and trimmed; a record runs
from a line with `XTSOL` in its first six characters to the next such line; cells are split at every
separator (no quoting), and a cell that ends with the text sign loses its first and last character.
So every cell is written between text signs, the line ends with a separator (the last cell carries the
line break), and an article whose values the importer would read differently is refused, with why
(`etl/load/xtsol_rules.py`). Shop settings (separator, text sign, charset, languages, customer groups,
category depth, extra images) are the target layout's `dialects.xtsol` and `options.xtsol`.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from etl.load.base import Writer
from etl.load.text import format_column
from etl.load.xtsol_rules import XtsolSettings, category_paths, check_line
from etl.shared.records import KEY, Mapped
from etl.shared.rejects import Reject

# Shop column -> the XTSOL column (texts get `.<language code>` appended).
PRODUCT_COLUMNS = {
    "products_model": "p_model", "products_quantity": "p_stock", "products_price": "p_priceNoTax",
    "products_tax_class_id": "p_tax", "products_status": "p_status", "products_weight": "p_weight",
    "products_ean": "p_ean", "manufacturers_name": "p_manufacturer",
}
TEXT_COLUMNS = {
    "products_name": "p_name", "products_description": "p_desc", "products_short_description": "p_shortdesc",
    "products_meta_title": "p_meta_title", "products_meta_description": "p_meta_desc",
    "products_meta_keywords": "p_meta_key",
}
OFFERS = "personal_offers_by_customers_status_"


class XtsolWriter(Writer):
    """One XTSOL import file for the shop's admin Import/Export, one line per article."""

    format = "xtsol"
    extension = "csv"
    # The importer overwrites every column it is given: a line must carry the whole article.
    complete_records = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dialect = self.layout.dialect(self.format)
        self.settings = XtsolSettings.of(self.layout.options.get("xtsol", {}), self.dialect)
        self.handle: BinaryIO | None = None
        self.file = self.path()

    def header(self) -> list[str]:
        """The column names, in the order the shop's own export writes them."""
        s = self.settings
        names = ["XTSOL", "p_model", "p_stock", "p_manufacturer", "p_priceNoTax"]
        names += [f"p_priceNoTax.{g}" for g in s.groups] + [f"p_groupAcc.{g}" for g in s.groups]
        names += ["p_tax", "p_status", "p_weight", "p_ean"]
        names += [f"p_image.{n}" for n in range(1, s.images + 1)] + ["p_image"]
        for code in s.languages:
            names += [f"{column}.{code}" for column in TEXT_COLUMNS.values()]
        return names + [f"p_cat.{n}" for n in range(s.depth)]

    def write(self, mapped: Mapped) -> list[Reject]:
        rows = {name: self._rows(mapped, name) for name in mapped.records}
        products = rows.get("products", [])
        texts, offers, images = defaultdict(list), defaultdict(list), defaultdict(list)
        for row in rows.get("products_description", []):
            texts[row["products_model"]].append(row)
        for name, found in rows.items():
            if name.startswith(OFFERS):
                for row in found:
                    offers[(row[KEY], name.removeprefix(OFFERS))].append(row)
        for row in rows.get("products_images", []):
            images[row[KEY]].append(row)
        paths, problems = category_paths(rows.get("categories", []), rows.get("categories_description", []),
                                         rows.get("products_to_categories", []), self.settings)
        rejects: list[Reject] = []
        lines = []
        for product in products:
            sku = product[KEY]
            cells = self._cells(product, texts[sku], offers, images[sku], paths.get(sku), sku)
            line = problems.get(sku) or check_line(cells, self.settings)
            if isinstance(line, tuple):
                field, value, code, params = line
                rejects.append(Reject(product["_file"], product["_line"], sku, field, value, code, "products", params))
                continue
            lines.append(line)
        if lines:
            self._append(lines)
        return rejects

    def _cells(self, product: dict[str, Any], texts: list[dict[str, Any]],
               offers: dict[tuple[str, str], list[dict[str, Any]]], images: list[dict[str, Any]],
               path: list[str] | None, sku: str) -> dict[str, str]:
        s = self.settings
        cells = {"XTSOL": "XTSOL"}
        cells.update({xtsol: product.get(shop) or "" for shop, xtsol in PRODUCT_COLUMNS.items()})
        for group in s.groups:
            pairs = sorted(offers.get((sku, group), []), key=lambda o: int(o["quantity"] or 1))
            cells[f"p_priceNoTax.{group}"] = "::".join(f"{o['quantity'] or 1}:{o['personal_offer']}" for o in pairs)
            cells[f"p_groupAcc.{group}"] = "1"
        by_position = {int(i["image_nr"] or 1): i["image_name"] for i in images}
        cells["p_image"] = by_position.pop(1, "")
        for n in range(1, s.images + 1):
            cells[f"p_image.{n}"] = by_position.pop(n + 1, "")
        if by_position:
            cells["_too_many_images"] = ", ".join(by_position.values())
        per_language = {t.get("language_code"): t for t in texts}
        for code in s.languages:
            text = per_language.get(code, {})
            cells.update({f"{xtsol}.{code}": text.get(shop) or "" for shop, xtsol in TEXT_COLUMNS.items()})
        for n in range(s.depth):
            cells[f"p_cat.{n}"] = path[n] if path and n < len(path) else ""
        if path is not None and len(path) > s.depth:
            cells["_too_deep"] = " > ".join(path)
        marks = {name: value for name, value in cells.items() if name.startswith("_")}
        return {**marks, **{name: cells[name] for name in self.header()}}

    def _rows(self, mapped: Mapped, name: str) -> list[dict[str, Any]]:
        """The records of `name` as dicts of text in the dialect (numbers with a decimal point)."""
        table = mapped.records[name]
        spec = self.layout.records[name]
        columns = {f.name: format_column(table.column(f.name).combine_chunks(), f, self.dialect)
                   for f in spec.fields}
        text = pa.table({**columns, KEY: table.column(KEY), "_file": table.column("_file"),
                         "_line": table.column("_line")})
        return text.to_pylist()

    def _append(self, lines: list[str]) -> None:
        s = self.settings
        if self.handle is None:
            self.handle = self.file.open("wb")
            self.handle.write(self._line(self.header(), quoted=False))
        for line in lines:
            self.handle.write(line.encode(s.encoding))

    def _line(self, cells: list[str], quoted: bool) -> bytes:
        s = self.settings
        sign = s.text_sign if quoted else ""
        text = "".join(f"{sign}{cell}{sign}{s.separator}" for cell in cells) + s.line_ending
        return text.encode(s.encoding)

    def close(self) -> list[Path]:
        if self.handle is None:  # nothing to import: no file (an empty file would only be a header)
            return []
        self.handle.close()
        return [self.file]
