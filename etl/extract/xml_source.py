"""XML table exports: `mysql --xml`, `mysqldump --xml` and phpMyAdmin's XML export."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from etl.extract.base import FileHead, Guess, RawTable, content_start, text_batch
from etl.extract.encoding import xml_encoding
from etl.shared.errors import InputFileError

_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_FROM = re.compile(r"\bfrom\s+[`\"]?(?:\w+[`\"]?\.[`\"]?)?(\w+)", re.IGNORECASE)
BATCH_ROWS = 10_000

if TYPE_CHECKING:  # lxml is imported when an XML export is read, not by every run
    from lxml import etree


def sniff(head: bytes) -> bool:
    """An XML document starts with a tag (or the XML declaration)."""
    return content_start(head).startswith(b"<")


def read(file: FileHead) -> list[RawTable]:
    """Collect the rows of every table in the document, grouped by table name."""
    from lxml import etree

    path = file.path
    tables: dict[str, tuple[list[str], list[dict[str, str | None]], list[int]]] = {}
    try:
        for name, row, line in _rows(path):
            columns, rows, lines = tables.setdefault(name, ([], [], []))
            for column in row:
                if column not in columns:
                    columns.append(column)
            rows.append(row)
            lines.append(line)
    except etree.XMLSyntaxError as exc:
        raise InputFileError(path, f"not well-formed XML: {exc.msg}", line=exc.lineno) from None
    if not tables:
        raise InputFileError(path, "no table rows found (expected mysql --xml or phpMyAdmin XML)")
    encoding = xml_encoding(path, file.head)  # what `etl inspect` and the run's report name
    return [_raw(path, name, *parts, encoding) for name, parts in tables.items()]


def _raw(path: Path, name: str, columns: list[str], rows: list, lines: list[int], encoding: Guess) -> RawTable:
    def batches() -> Iterator:
        for start in range(0, len(rows), BATCH_ROWS):
            end = start + BATCH_ROWS
            yield text_batch(rows[start:end], columns, lines[start:end])

    return RawTable(path=path, columns=columns, batches=batches, name=name or None, encoding=encoding)


def _rows(path: Path) -> Iterator[tuple[str, dict[str, str | None], int]]:
    table = ""
    from lxml import etree

    context = etree.iterparse(str(path), events=("start", "end"), huge_tree=True, remove_comments=True)
    for event, elem in context:
        tag = etree.QName(elem).localname if isinstance(elem.tag, str) else ""
        if event == "start":
            if tag == "resultset":
                match = _FROM.search(elem.get("statement", ""))
                table = match.group(1) if match else ""
            elif tag == "table_data":
                table = elem.get("name", "")
            continue
        if tag == "row":
            yield table, _fields(elem, "field"), elem.sourceline or 0
            elem.clear()
        elif tag == "table" and elem.getparent() is not None and _is_pma_row(elem):
            row = _fields(elem, "column")
            # phpMyAdmin writes NULL as the text NULL; a real 'NULL' string cannot be told apart.
            yield elem.get("name", ""), {k: None if v == "NULL" else v for k, v in row.items()}, elem.sourceline or 0
            elem.clear()


def _is_pma_row(elem: etree._Element) -> bool:
    """A data row of phpMyAdmin (`<database><table>`), not its `pma:` structure section."""
    parent = elem.getparent()
    return elem.tag == "table" and parent is not None and parent.tag == "database"


def _fields(elem: etree._Element, child: str) -> dict[str, str | None]:
    from lxml import etree

    row: dict[str, str | None] = {}
    for field in elem:
        if not isinstance(field.tag, str) or etree.QName(field).localname != child:
            continue
        nil = field.get(_NIL) == "true"
        row[field.get("name", "")] = None if nil else (field.text or "")
    return row
