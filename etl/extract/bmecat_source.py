"""BMEcat catalogs (2005, either namespace) read back as tables: what a procurement system or a supplier sends.

Each record of the document becomes a row of a table named after its element, the columns named after
BMEcat's elements (`mappings/bmecat/articles.yaml` reads them for the `articles` flow):
- PRODUCT: SUPPLIER_PID, INTERNATIONAL_PID, MANUFACTURER_NAME, ORDER_UNIT and the list price (the undated
  net_list price from 1) as PRICE_AMOUNT, PRICE_CURRENCY, TAX;
- DESCRIPTION: SUPPLIER_PID, lang, DESCRIPTION_SHORT, DESCRIPTION_LONG (one row per language);
- PRODUCT_PRICE: the other undated prices (price_type, PRICE_AMOUNT, PRICE_CURRENCY, LOWER_BOUND);
  PRODUCT_PRICE_VALID: the prices with VALID_START_DATE / VALID_END_DATE (promotions);
- CATALOG_STRUCTURE (GROUP_ID, PARENT_ID, GROUP_ORDER; the tree's root group is BMEcat's, not a
  Warengruppe: left out, its children have no parent), GROUP_NAME (GROUP_ID, lang, GROUP_NAME,
  GROUP_DESCRIPTION) and PRODUCT_TO_CATALOGGROUP_MAP (PROD_ID, CATALOG_GROUP_ID).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from etl.extract.base import FileHead, RawTable, text_batch
from etl.shared.errors import InputFileError

if TYPE_CHECKING:  # lxml is imported when a catalog is read
    from lxml import etree

Row = dict[str, str | None]
_ROOT = re.compile(rb"<(?:\w+:)?BMECAT[\s>]")
TABLES = {
    "PRODUCT": ["SUPPLIER_PID", "INTERNATIONAL_PID", "MANUFACTURER_NAME", "ORDER_UNIT", "PRICE_AMOUNT",
                "PRICE_CURRENCY", "TAX"],
    "DESCRIPTION": ["SUPPLIER_PID", "lang", "DESCRIPTION_SHORT", "DESCRIPTION_LONG"],
    "PRODUCT_PRICE": ["SUPPLIER_PID", "price_type", "PRICE_AMOUNT", "PRICE_CURRENCY", "LOWER_BOUND"],
    "PRODUCT_PRICE_VALID": ["SUPPLIER_PID", "price_type", "PRICE_AMOUNT", "PRICE_CURRENCY", "VALID_START_DATE",
                            "VALID_END_DATE"],
    "CATALOG_STRUCTURE": ["GROUP_ID", "PARENT_ID", "GROUP_ORDER"],
    "GROUP_NAME": ["GROUP_ID", "lang", "GROUP_NAME", "GROUP_DESCRIPTION"],
    "PRODUCT_TO_CATALOGGROUP_MAP": ["PROD_ID", "CATALOG_GROUP_ID"],
}


def sniff(head: bytes) -> bool:
    """A BMEcat document: its document element is BMECAT."""
    return _ROOT.search(head) is not None


def read(file: FileHead) -> list[RawTable]:
    """The catalog's tables (only those with rows)."""
    from lxml import etree

    rows: dict[str, list[tuple[Row, int]]] = {name: [] for name in TABLES}
    roots: set[str] = set()
    try:
        for name, row, line in _records(file):
            if name == "CATALOG_STRUCTURE" and row.pop("type", None) == "root":
                roots.add(row["GROUP_ID"] or "")
                continue
            rows[name].append((row, line))
    except etree.XMLSyntaxError as exc:
        raise InputFileError(file.path, f"not well-formed XML: {exc.msg}", line=exc.lineno) from None
    for row, _ in rows["CATALOG_STRUCTURE"]:
        if row["PARENT_ID"] in roots:
            row["PARENT_ID"] = None
    return [_table(file, name, found) for name, found in rows.items() if found]


def _table(file: FileHead, name: str, found: list[tuple[Row, int]]) -> RawTable:
    columns = TABLES[name]

    def batches() -> Iterator[Any]:
        yield text_batch([row for row, _ in found], columns, [line for _, line in found])

    return RawTable(path=file.path, columns=columns, batches=batches, name=name)


def _records(file: FileHead) -> Iterator[tuple[str, Row, int]]:
    from lxml import etree

    wanted = ("PRODUCT", "CATALOG_STRUCTURE", "PRODUCT_TO_CATALOGGROUP_MAP")
    for _, elem in etree.iterparse(str(file.path), events=("end",), huge_tree=True, remove_comments=True):
        tag = _local(elem)
        if tag not in wanted:
            continue
        line = elem.sourceline or 0
        if tag == "PRODUCT":
            yield from _product(elem, line)
        elif tag == "CATALOG_STRUCTURE":
            group = _text(elem, "GROUP_ID")
            yield tag, {"GROUP_ID": group, "PARENT_ID": _text(elem, "PARENT_ID"),
                        "GROUP_ORDER": _text(elem, "GROUP_ORDER"), "type": elem.get("type")}, line
            if elem.get("type") != "root":
                yield from _languages(elem, "GROUP_NAME", ("GROUP_NAME", "GROUP_DESCRIPTION"), {"GROUP_ID": group},
                                      line)
        else:
            yield tag, {"PROD_ID": _text(elem, "PROD_ID"), "CATALOG_GROUP_ID": _text(elem, "CATALOG_GROUP_ID")}, line
        elem.clear()


def _product(elem: etree._Element, line: int) -> Iterator[tuple[str, Row, int]]:
    pid = _text(elem, "SUPPLIER_PID")
    details = _child(elem, "PRODUCT_DETAILS")
    product: Row = {"SUPPLIER_PID": pid, "INTERNATIONAL_PID": _text(details, "INTERNATIONAL_PID"),
                    "MANUFACTURER_NAME": _text(details, "MANUFACTURER_NAME"),
                    "ORDER_UNIT": _text(_child(elem, "PRODUCT_ORDER_DETAILS"), "ORDER_UNIT")}
    prices: list[tuple[str, Row, int]] = []
    for block in _children(elem, "PRODUCT_PRICE_DETAILS"):
        start, end = _text(block, "VALID_START_DATE"), _text(block, "VALID_END_DATE")
        for price in _children(block, "PRODUCT_PRICE"):
            row: Row = {"SUPPLIER_PID": pid, "price_type": price.get("price_type"),
                        "PRICE_AMOUNT": _text(price, "PRICE_AMOUNT"), "PRICE_CURRENCY": _text(price, "PRICE_CURRENCY")}
            bound = _text(price, "LOWER_BOUND")
            dated = start is not None or end is not None
            if not dated and row["price_type"] == "net_list" and "PRICE_AMOUNT" not in product and _one(bound):
                product |= {"PRICE_AMOUNT": row["PRICE_AMOUNT"], "PRICE_CURRENCY": row["PRICE_CURRENCY"],
                            "TAX": _text(price, "TAX")}
            elif dated:
                prices.append(("PRODUCT_PRICE_VALID", {**row, "VALID_START_DATE": start, "VALID_END_DATE": end},
                               price.sourceline or line))
            else:
                prices.append(("PRODUCT_PRICE", {**row, "LOWER_BOUND": bound}, price.sourceline or line))
    yield "PRODUCT", product, line
    yield from _languages(details, "DESCRIPTION", ("DESCRIPTION_SHORT", "DESCRIPTION_LONG"), {"SUPPLIER_PID": pid},
                          line)
    yield from prices


def _languages(elem: Any, table: str, names: tuple[str, ...], key: Row, line: int) -> Iterator[tuple[str, Row, int]]:
    """One row per language of the multi-language elements `names` (no `lang`: the catalog's default)."""
    by_lang: dict[str | None, Row] = {}
    for name in names:
        for child in _children(elem, name):
            by_lang.setdefault(child.get("lang"), {**key, "lang": child.get("lang")})[name] = child.text
    for row in by_lang.values():
        yield table, row, line


def _local(elem: Any) -> str:
    return elem.tag.rpartition("}")[2] if isinstance(elem.tag, str) else ""


def _children(elem: Any, name: str) -> list[Any]:
    return [] if elem is None else [c for c in elem if _local(c) == name]


def _child(elem: Any, name: str) -> Any:
    found = _children(elem, name)
    return found[0] if found else None


def _text(elem: Any, name: str) -> str | None:
    child = _child(elem, name)
    return None if child is None else child.text


def _one(bound: str | None) -> bool:
    """Whether a LOWER_BOUND is 1 (or not given): the list price, not a quantity break."""
    try:
        return bound is None or Decimal(bound) == 1
    except InvalidOperation:
        return False
