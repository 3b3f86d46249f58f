"""What every reader shares: the raw table it returns and the file head it is handed.

A raw table holds the text columns of one table found in one file, streamed as Arrow batches. Every
batch holds only string columns (null where the export said NULL) plus `_line`, the line (or record
number) where the row starts, so that any later reject can name its place.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import pyarrow as pa

if TYPE_CHECKING:
    from etl.extract.dialect import Dialect

LINE = "_line"
BROKEN = "_broken"  # why a row could not be split (null for good rows); only in batches that have one
RAW_TEXT = "_raw"  # the text of such a row, for its reject
CUT_OFF = "the file ends inside this row: the export was cut off"  # the reason of a row a cut file ends in
HEAD_SIZE = 64 * 1024  # enough to sniff the format and to find a CSV file's header and separator


@dataclass(frozen=True)
class Guess:
    """An encoding, how sure the guess is (0..1), and how it was found."""

    encoding: str
    confidence: float
    how: str


# Rows as a record batch, or as a table of several: the CSV reader's blocks are handed on as read,
# not copied into one batch.
Batch: TypeAlias = pa.RecordBatch | pa.Table


@dataclass
class RawTable:
    """One table inside one input file."""

    path: Path
    columns: list[str]
    batches: Callable[[], Iterator[Batch]]
    name: str | None = None  # table name the file itself states (XML/JSON), if any
    encoding: Guess | None = None  # how a text file was decoded (None: the format fixes it)
    dialect: Dialect | None = None  # how a delimited text file was split

    def read_all(self) -> pa.Table:
        """Every row at once, for tests and small files (a run streams `batches`)."""
        parts = [b if isinstance(b, pa.Table) else pa.Table.from_batches([b]) for b in self.batches()]
        if not parts:
            return pa.table({name: pa.array([], pa.string()) for name in self.columns})
        return pa.concat_tables(parts, promote_options="default")


@dataclass(frozen=True)
class FileHead:
    """An input file with its first bytes, read once by `read_file`, and the layout's text settings."""

    path: Path
    head: bytes
    encoding: str = "auto"
    delimiter: str = "auto"

    @property
    def whole(self) -> bool:
        """True when the head is the whole file."""
        return len(self.head) < HEAD_SIZE


def content_start(head: bytes) -> bytes:
    """The head without a UTF-8 byte order mark and leading white space: where XML or JSON shows itself."""
    return head.removeprefix(codecs.BOM_UTF8).lstrip()


def text_batch(rows: list[dict[str, str | None]], columns: list[str], lines: list[int]) -> pa.RecordBatch:
    """Build a batch of text columns from row dicts (used by the XML, JSON and xlsx readers)."""
    arrays = [pa.array([row.get(col) for row in rows], pa.string()) for col in columns]
    arrays.append(pa.array(lines, pa.int64()))
    return pa.RecordBatch.from_arrays(arrays, names=[*columns, LINE])
