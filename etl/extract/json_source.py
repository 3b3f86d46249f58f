"""JSON table exports: phpMyAdmin's JSON export, or a plain array of row objects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from etl.extract.base import FileHead, RawTable, content_start, text_batch
from etl.extract.unknown import NO_EXPORT
from etl.shared.errors import InputFileError

BATCH_ROWS = 10_000


def sniff(head: bytes) -> bool:
    """A JSON document starts with an array or an object."""
    return content_start(head).startswith((b"[", b"{"))


def read(file: FileHead) -> list[RawTable]:
    """Return one raw table per table in the document; `_line` counts records (1-based)."""
    path = file.path
    try:
        # Numbers stay as written: a float would change a price's digits, and Python refuses to convert
        # an integer of more than 4,300 digits; the layout's types judge the text, value by value.
        doc = json.loads((file.head if file.whole else path.read_bytes()).decode("utf-8-sig"),
                         parse_float=str, parse_int=str)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputFileError(path, f"not valid UTF-8 JSON: {exc}", line=line) from None
    except RecursionError:
        raise InputFileError(path, f"arrays or objects nested thousands of levels deep: {NO_EXPORT}") from None
    tables: list[tuple[str | None, list]] = []
    if isinstance(doc, list) and all(isinstance(item, dict) and "type" in item for item in doc):
        tables = [(item.get("name"), item.get("data") or []) for item in doc if item.get("type") == "table"]
    elif isinstance(doc, list):
        tables = [(None, doc)]
    elif isinstance(doc, dict):
        tables = [(name, rows) for name, rows in doc.items() if isinstance(rows, list)]
    result = [_raw(path, name, rows) for name, rows in tables if rows]
    if not result:
        raise InputFileError(path, "no table rows found (expected phpMyAdmin JSON or an array of rows)")
    return result


def _raw(path: Path, name: str | None, rows: list) -> RawTable:
    columns: list[str] = []
    for row in rows:
        if not isinstance(row, dict):
            raise InputFileError(path, f"table {name or '?'} holds a row that is not an object")
        columns.extend(key for key in row if key not in columns)
    texts = [{key: _text(value) for key, value in row.items()} for row in rows]

    def batches() -> Iterator:
        for start in range(0, len(texts), BATCH_ROWS):
            chunk = texts[start : start + BATCH_ROWS]
            yield text_batch(chunk, columns, list(range(start + 1, start + len(chunk) + 1)))

    return RawTable(path=path, columns=columns, batches=batches, name=name)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):  # a nested value is kept as the JSON it is, not as Python's repr
        try:
            return json.dumps(value, ensure_ascii=False)
        except RecursionError:
            return "[nested too deeply]"
    return str(value)
