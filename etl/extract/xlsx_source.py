"""Excel workbooks (a filled template, or an export saved from Excel): every sheet with a header row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from etl.extract.base import FileHead, RawTable, text_batch
from etl.shared.errors import InputFileError

BATCH_ROWS = 10_000


def sniff(head: bytes) -> bool:
    """An xlsx workbook is a zip archive; other zips are refused by the reader with openpyxl's reason."""
    return head.startswith(b"PK\x03\x04")


def read(file: FileHead) -> list[RawTable]:
    """Return one raw table per sheet whose first non-empty row is a header; `_line` is the row."""
    path = file.path
    # A handle, not the path: openpyxl refuses a path by its suffix, and a workbook may be named .csv.
    with path.open("rb") as handle:
        return _sheets(path, handle)


def _sheets(path: Path, handle: BinaryIO) -> list[RawTable]:
    import openpyxl  # imported on first use: it is slow to import and most runs read no workbook

    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken zip or workbook
        raise InputFileError(path, f"not a readable xlsx workbook: {exc}") from None
    tables = []
    for sheet in book.worksheets:
        rows = [(number, row) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        rows = [(n, r) for n, r in rows if any(cell not in (None, "") for cell in r)]
        if not rows:
            continue
        _, header = rows[0]
        columns = [str(cell).strip() for cell in header if cell not in (None, "")]
        body = [
            ({columns[i]: _text(cell) for i, cell in enumerate(r[: len(columns)])}, n) for n, r in rows[1:]
        ]
        tables.append(_raw(path, sheet.title, columns, body))
    book.close()
    return tables


def _raw(path: Path, name: str, columns: list[str], body: list) -> RawTable:
    def batches() -> Iterator:
        for start in range(0, len(body), BATCH_ROWS):
            chunk = body[start : start + BATCH_ROWS]
            yield text_batch([r for r, _ in chunk], columns, [n for _, n in chunk])

    return RawTable(path=path, columns=columns, batches=batches, name=name)


def _text(cell: object) -> str | None:
    if cell is None or cell == "":
        return None
    if isinstance(cell, dt.datetime):
        return cell.strftime("%Y-%m-%d %H:%M:%S") if cell.time() != dt.time() else cell.strftime("%Y-%m-%d")
    if isinstance(cell, dt.date):
        return cell.strftime("%Y-%m-%d")
    if isinstance(cell, float):
        # Excel stores numbers as binary floats; repr gives the shortest exact decimal text.
        return str(Decimal(repr(cell))).rstrip("0").rstrip(".") if "." in repr(cell) else repr(cell)
    return str(cell)
