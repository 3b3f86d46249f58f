"""The readers, in the order they are tried: each says by a file's first bytes whether the file is its own.

A new export form is a module with `sniff(head) -> bool` and `read(FileHead) -> list[RawTable]`, and one
`ReaderSpec` line below. The form is told by content, never by the file name (merchants rename files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from etl.extract import bmecat_source, csv_source, json_source, tab_dump, unknown, xlsx_source, xml_source
from etl.extract.base import HEAD_SIZE, FileHead, RawTable, content_start
from etl.shared.errors import InputFileError


@dataclass(frozen=True)
class ReaderSpec:
    """One export form: its name, how its first bytes look, and the function that reads it."""

    name: str
    sniff: Callable[[bytes], bool]
    read: Callable[[FileHead], list[RawTable]]


READERS: tuple[ReaderSpec, ...] = (
    # UTF-16 first: its BOM hides a '<' or '[' from the sniffers after it.
    ReaderSpec("utf16-text", csv_source.sniff_utf16, csv_source.read),
    ReaderSpec("bmecat", bmecat_source.sniff, bmecat_source.read),  # an XML document of its own shape
    ReaderSpec("xml", xml_source.sniff, xml_source.read),
    ReaderSpec("json", json_source.sniff, json_source.read),
    ReaderSpec("xlsx", xlsx_source.sniff, xlsx_source.read),
    ReaderSpec("binary", unknown.sniff, unknown.read),  # gzip, PNG, PDF...: refused with what they look like
    ReaderSpec("table-definition", tab_dump.sniff, tab_dump.read),  # mysqldump --tab: the .sql beside the .txt
    ReaderSpec("csv", csv_source.sniff, csv_source.read),  # the fallback: takes every file, so it stays last
)


def reader_for(head: bytes) -> ReaderSpec | None:
    """The first reader whose sniff accepts `head`, the file's first bytes."""
    return next((spec for spec in READERS if spec.sniff(head)), None)


def read_file(path: Path, encoding: str = "auto", delimiter: str = "auto") -> list[RawTable]:
    """Return the raw tables in `path`, chosen by the file's content, not its name."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_SIZE)
    if tab_dump.sibling_columns(path):
        # mysqldump --tab: the .sql beside it says what the .txt is; an empty one is a table without rows.
        return csv_source.read(FileHead(path, head, encoding, delimiter))
    if not content_start(head):
        raise InputFileError(path, "the file is empty")
    spec = reader_for(head)
    if spec is None:
        raise InputFileError(path, "no reader recognises this file")
    return spec.read(FileHead(path, head, encoding, delimiter))
