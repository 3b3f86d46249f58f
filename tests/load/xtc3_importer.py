"""A re-implementation, for tests only, of xt:Commerce 3's product import (admin Import/Export).

Written from the public importer (`admin/includes/classes/import.php`, class xtcImport, xt:Commerce
3.0.4 `$Id: import.php 1319 2005-10-23`, as in digineo/xt-commerce and tisoft/xtcmodified): it reads
a file the way that PHP code does and applies it to an in-memory shop the way its SQL would. Quirks
kept on purpose, because the file must survive them:
- header: `explode(separator)`, then RemoveTextNotes, then trim; records: `file()` lines, a record
  continues until a line with XTSOL in its first 6 characters; cells: plain `explode(separator)`;
  RemoveTextNotes drops the first and last character of a cell that ends with the text sign;
- every known column not in the file is '' (generate_map), so group prices (`isset`) are deleted and
  re-inserted and group permissions are set for every customer group, present in the file or not;
- group prices of a product inserted in this run go to products_id '' (the code reads $prod_data,
  set only on update): a new product gets its group prices on the second import;
- products_name/description/short_description are addslashes()-ed before the database escapes them;
- categories are matched by name under their parent in the first language, case- and umlaut-blind
  (latin1_german1_ci); missing ones are created with that name in every language; links only added.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

TEXTS = {"p_name": "products_name", "p_desc": "products_description", "p_shortdesc": "products_short_description",
         "p_meta_title": "products_meta_title", "p_meta_desc": "products_meta_description",
         "p_meta_key": "products_meta_keywords", "p_keywords": "products_keywords", "p_url": "products_url"}
PRODUCT = {"p_stock": "products_quantity", "p_priceNoTax": "products_price", "p_weight": "products_weight",
           "p_status": "products_status", "p_image": "products_image", "p_ean": "products_ean",
           "p_tax": "products_tax_class_id"}
SLASHED = ("p_name", "p_desc", "p_shortdesc")


def _addslashes(text: str) -> str:
    return "".join("\\" + c if c in "'\"\\\0" else c for c in text)


def _german1(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.replace("ß", "s"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().rstrip(" ")


@dataclass
class Shop:
    """The tables the importer touches, as dicts."""

    languages: list[tuple[int, str]]  # (languages_id, code) by sort order
    groups: list[int]  # customers_status ids, 0 (admin) first
    mo_pics: int = 3
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    descriptions: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)
    offers: dict[int, list[tuple[Any, str, str | None]]] = field(default_factory=dict)  # group -> rows
    images: dict[tuple[int, int], str] = field(default_factory=dict)
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> parent, names per language
    links: set[tuple[int, int]] = field(default_factory=set)
    manufacturers: dict[int, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def import_file(self, data: bytes, separator: str = "\t", sign: str = '"', encoding: str = "cp1252") -> None:
        """Run the importer over one file (bytes as the shop stores them; no charset conversion)."""
        text = data.decode(encoding)
        lines = [line + "\n" for line in text.split("\n")[:-1]] + ([text.rsplit("\n", 1)[-1]] if
                                                                   not text.endswith("\n") else [])

        def remove_notes(cell: str) -> str:
            return cell[1:-1] if cell.endswith(sign) and sign else cell

        mapping = {remove_notes(name).strip(): i for i, name in enumerate(lines[0].split(separator))}
        i = 1
        while i < len(lines):
            record = lines[i]
            i += 1
            while i < len(lines) and "XTSOL" not in lines[i][:6]:
                record += lines[i]
                i += 1
            cells = record.split(separator)
            row = {name: remove_notes(cells[index]) if index < len(cells) else "" for name, index in mapping.items()}
            if row.get("p_model", "") == "":
                self.errors.append("no Modelnumber")
            elif "p_cat.0" in mapping and row["p_cat.0"] == "":
                self.errors.append("no Categorie")
            else:
                self._product(row, mapping)

    def _product(self, row: dict[str, str], mapping: dict[str, int]) -> None:
        values = {"products_model": row["p_model"]}
        values.update({column: row[name] for name, column in PRODUCT.items() if name in mapping})
        if "p_manufacturer" in mapping:
            values["manufacturers_id"] = self._manufacturer(row["p_manufacturer"].strip())
        found = [pid for pid, p in self.products.items() if p["products_model"] == row["p_model"]]
        if found:
            pid, offers_id = found[0], found[0]
            self.products[pid].update(values)
        else:
            pid, offers_id = max(self.products, default=0) + 1, ""  # $prod_data is unset on insert
            self.products[pid] = values
        for group in self.groups[1:]:  # every group: generate_map() makes each key 'isset'
            cell = row.get(f"p_priceNoTax.{group}", "")
            rows = [r for r in self.offers.get(group, []) if r[0] != offers_id]
            for pair in cell.split("::"):
                quantity, *price = pair.split(":")
                rows.append((offers_id, quantity, price[0] if price else None))
            self.offers[group] = rows
            self.products[pid][f"group_permission_{group}"] = row.get(f"p_groupAcc.{group}", "")
        for n in range(1, self.mo_pics + 1):
            if row.get(f"p_image.{n}", ""):
                self.images[(pid, n)] = row[f"p_image.{n}"]
        if "p_cat.0" in mapping:
            self._link(pid, [row[f"p_cat.{n}"].strip() for n in range(6) if row.get(f"p_cat.{n}", "").strip()])
        for language_id, code in self.languages:
            texts = {column: (_addslashes(row[f"{name}.{code}"]) if name in SLASHED else row[f"{name}.{code}"])
                     for name, column in TEXTS.items() if f"{name}.{code}" in mapping}
            if not found:
                self.descriptions[(pid, language_id)] = texts
            elif (pid, language_id) in self.descriptions:
                self.descriptions[(pid, language_id)].update(texts)

    def _manufacturer(self, name: str) -> int | None:
        if name == "":
            return None
        for mid, known in self.manufacturers.items():
            if known == name:
                return mid
        if "'" in name or "\\" in name:
            raise RuntimeError(f"SQL error: manufacturers_name = '{name}'")
        mid = max(self.manufacturers, default=0) + 1
        self.manufacturers[mid] = name
        return mid

    def _link(self, pid: int, path: list[str]) -> None:
        parent = 0
        first = self.languages[0][0]
        for name in path:
            match = [cid for cid, c in sorted(self.categories.items())
                     if c["parent_id"] == parent and _german1(c["names"][first]) == _german1(name)]
            if match:
                parent = match[0]
            else:
                cid = max(self.categories, default=0) + 1
                self.categories[cid] = {"parent_id": parent, "names": {lid: name for lid, _ in self.languages}}
                parent = cid
        self.links.add((pid, parent))

    def path(self, category: int) -> list[str]:
        """Names (first language) from the top down to `category`."""
        names = []
        while category:
            names.append(self.categories[category]["names"][self.languages[0][0]])
            category = self.categories[category]["parent_id"]
        return names[::-1]

