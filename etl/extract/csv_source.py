"""CSV and delimited TXT exports: any separator, UTF-8 (with or without BOM) or cp1252."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from etl.errors import InputFileError
from etl.extract.base import HEAD_SIZE, LINE, FileHead, RawTable

NULL_LITERALS = ["NULL", "\\N"]
BLOCK_SIZE = 4 << 20  # ~8k order lines per batch: memory stays flat, vectorised steps stay large
_CANDIDATES = ";,\t|"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def sniff_utf16(head: bytes) -> bool:
    """UTF-16 text (Excel's "Unicode text") shows itself by its byte order mark."""
    return head.startswith(_UTF16_BOMS)


def sniff(head: bytes) -> bool:
    """Any other file is taken for delimited text: this reader is registered last, as the fallback."""
    return True


def detect_encoding(path: Path, head: bytes | None = None) -> str:
    """UTF-16 by its BOM (Excel's "Unicode text"); UTF-8 when the whole file decodes as UTF-8; else cp1252.

    `head`, the file's first bytes when the caller has them, spares opening the file for the BOM, and
    for the UTF-8 check too when it is shorter than `HEAD_SIZE` (then it is the whole file).
    """
    if head is None:
        with path.open("rb") as handle:
            head = handle.read(HEAD_SIZE)
    if sniff_utf16(head):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        if len(head) < HEAD_SIZE:
            decoder.decode(head, final=True)
            return "utf-8"
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def detect_delimiter(sample: str) -> str:
    """The separator that splits the header and the next lines into the same number of fields."""
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_CANDIDATES).delimiter
    except csv.Error:
        counts = {sep: lines[0].count(sep) for sep in _CANDIDATES} if lines else {}
        best = max(counts, key=lambda sep: counts[sep], default=";")
        return best if counts.get(best) else ";"


def read(file: FileHead) -> list[RawTable]:
    """Read the header of a delimited file and return it as one streamed raw table."""
    path, encoding, delimiter = file.path, file.encoding, file.delimiter
    if encoding == "auto":
        encoding = detect_encoding(path, file.head)
    # The head may end inside a character; only its first lines are used, so a replaced tail does no harm.
    sample = file.head.decode(encoding, errors="replace").lstrip("\ufeff")
    if delimiter == "auto":
        delimiter = detect_delimiter(sample)
    try:
        header = next(csv.reader(sample.splitlines()[:1], delimiter=delimiter))
    except StopIteration:
        raise InputFileError(path, "the file has no header row") from None
    columns = [name.strip() for name in header]
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise InputFileError(path, f"the header names columns twice: {', '.join(dupes)}", line=1)

    def batches() -> Iterator[pa.RecordBatch]:
        return _stream(path, columns, encoding, delimiter)

    return [RawTable(path=path, columns=columns, batches=batches)]


def _stream(path: Path, columns: list[str], encoding: str, delimiter: str) -> Iterator[pa.RecordBatch]:
    broken: list[pacsv.InvalidRow] = []

    def refuse_row(row: pacsv.InvalidRow) -> str:
        broken.append(row)
        return "error"

    def failure(exc: Exception, after: int) -> InputFileError:
        if broken:
            row = broken[0]
            return InputFileError(path, (
                f"a row has {row.actual_columns} fields where the header has {row.expected_columns} "
                f"(a '{delimiter}' inside a field that is not in quotes?): {row.text[:80]!r}"),
                line=_line_of(path, encoding, row.text, after))
        return InputFileError(path, f"not a well-formed CSV file after line {after}: {exc}")

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=encoding, block_size=BLOCK_SIZE, column_names=columns, skip_rows=1
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             invalid_row_handler=refuse_row),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in columns},
                null_values=NULL_LITERALS,
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise failure(exc, 1) from None
    next_line = 2
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise failure(exc, next_line) from None
        # A row starts on the line after the previous row ends; embedded newlines push it down.
        extra = pa.array([0] * batch.num_rows, pa.int64())
        for column in batch.columns:
            extra = pc.add(extra, pc.fill_null(pc.count_substring(column, "\n"), 0))
        span = pc.add(extra, 1)
        ends = pc.cumulative_sum(span)
        starts = pc.add(pc.subtract(ends, span), next_line)
        if batch.num_rows:
            next_line += ends[-1].as_py()
        yield batch.append_column(LINE, starts)


def _line_of(path: Path, encoding: str, text: str, after: int) -> int | None:
    """The line (from `after` on) where a broken row's text starts; only called on failure."""
    first = text.splitlines()[0] if text else ""
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if number >= after and line.rstrip("\r\n") == first:
                return number
    return None
