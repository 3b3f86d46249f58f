"""A raw table: the text columns of one table found in one file, streamed as Arrow batches.

Every batch holds only string columns (null where the export said NULL) plus `_line`, the line
(or record number) where the row starts, so that any later reject can name its place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from etl.errors import InputFileError

LINE = "_line"


@dataclass
class RawTable:
    """One table inside one input file."""

    path: Path
    columns: list[str]
    batches: Callable[[], Iterator[pa.RecordBatch]]
    name: str | None = None  # table name the file itself states (XML/JSON), if any


def read_file(path: Path, encoding: str = "auto", delimiter: str = "auto") -> list[RawTable]:
    """Return the raw tables in `path`, chosen by the file's content, not its name."""
    from etl.extract import csv_source, json_source, xlsx_source, xml_source

    head = _head(path)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text (Excel "Unicode text"): delimited
        return csv_source.read(path, encoding=encoding, delimiter=delimiter)
    stripped = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if stripped.startswith(b"<"):
        return xml_source.read(path)
    if stripped.startswith((b"[", b"{")):
        return json_source.read(path)
    if head.startswith(b"PK\x03\x04"):
        return xlsx_source.read(path)
    if not stripped:
        raise InputFileError(path, "the file is empty")
    return csv_source.read(path, encoding=encoding, delimiter=delimiter)


def _head(path: Path, size: int = 4096) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def text_batch(rows: list[dict[str, str | None]], columns: list[str], lines: list[int]) -> pa.RecordBatch:
    """Build a batch of text columns from row dicts (used by the XML, JSON and xlsx readers)."""
    arrays = [pa.array([row.get(col) for row in rows], pa.string()) for col in columns]
    arrays.append(pa.array(lines, pa.int64()))
    return pa.RecordBatch.from_arrays(arrays, names=[*columns, LINE])
