"""CSV and delimited TXT exports: any separator and dialect (extract/dialect.py), encoding by content."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from etl.extract.base import BROKEN, HEAD_SIZE, LINE, RAW_TEXT, Batch, FileHead, Guess, RawTable
from etl.extract.dialect import Dialect, detect_delimiter, detect_dialect, tab_dump
from etl.extract.encoding import guess_encoding, sniff_utf16
from etl.extract.known_heads import remembered
from etl.extract.paced import Paced
from etl.extract.tab_dump import sibling_columns
from etl.extract.text_rows import Row, rows
from etl.extract.unknown import NO_EXPORT
from etl.fast.arrays import constant
from etl.fast.buffers import NEWLINE, may_hold
from etl.fast.transcode import Utf8Reader, read_block, single_byte
from etl.shared.errors import InputFileError

# ~12k order lines per batch. A chunk costs ~12 ms of Python around its Arrow calls whatever its size
# (some 600 compute calls in the extraction alone), and memory grows with its size until a run has seen
# about ten of them: 6 MB kept the peak of a 100k-line run within 1.06x of a 1M-line one (8 MB: 1.10x,
# 7 chunks at 100k) for ~3 % more time at 1M; 4 MB cost 15-18 % (bench/README.md).
BLOCK_SIZE = 6 << 20
# Arrow reads up to 32 blocks ahead of the parser on its I/O thread, whatever the consumer's pace (with
# 4 MB blocks that queue alone held ~130 MB on a long file): small blocks, gathered into BLOCK_SIZE
# tables, and the reads paced by the batches taken (extract/paced.py).
READ_BLOCK = 1 << 20
FIRST_BATCH = 1 << 20  # the first batch is small: the stages after the reader start sooner
BATCH_ROWS = 20_000
_TRIAL = 16 << 10  # how much of the head is split both ways to tell ESCAPED BY '"' from CSV

__all__ = ["detect_delimiter", "detect_encoding", "read", "sniff", "sniff_utf16"]


def sniff(head: bytes) -> bool:
    """Any other file is taken for delimited text: this reader is registered last, as the fallback."""
    return True


def detect_encoding(path: Path, head: bytes | None = None) -> str:
    """The encoding `read` takes for `path` (see extract/encoding.py)."""
    return guess_encoding(path, head).encoding


class _Header(NamedTuple):
    """What the head of a delimited file says: encoding, dialect, columns and the first data line."""

    guess: Guess
    dialect: Dialect
    columns: list[str]
    first: int
    headerless: bool


def read(file: FileHead) -> list[RawTable]:
    """Read the header of a delimited file and return it as one streamed raw table."""
    path = file.path
    named = sibling_columns(path)  # mysqldump --tab: no header; names and dialect come with the .sql
    head = _header(file, named) if named else remembered(file, partial(_header, named=None))
    encoding, dialect, columns = head.guess.encoding, head.dialect, head.columns

    def batches() -> Iterator[Batch]:
        if dialect.quote == '"' and dialect.escape == '"' and dialect.name == "csv":
            # Arrow parses in its own threads, a few blocks ahead of the batches taken (extract/paced.py);
            # a thread of ours in between only held one more chunk (~20 MB), no faster.
            return _arrow(path, columns, encoding, dialect, head.first, skip=0 if head.headerless else 1)
        return _python(path, columns, encoding, dialect, head.first)

    return [RawTable(path=path, columns=list(columns), batches=batches, encoding=head.guess, dialect=dialect)]


def _header(file: FileHead, named: list[str] | None) -> _Header:
    """Sniff the file's encoding and dialect and read its header row (`named`: the .sql's columns)."""
    path = file.path
    guess = guess_encoding(path, file.head) if file.encoding == "auto" else Guess(file.encoding, 1.0, "layout")
    encoding = guess.encoding
    # The head may end inside a character; only its first lines are used, so a replaced tail does no harm.
    sample = file.head.decode(encoding, errors="replace").lstrip("\ufeff")
    if not file.whole and "\n" not in sample and "\r" not in sample:
        raise InputFileError(path, f"the first {HEAD_SIZE // 1024} KB hold no line end: one endless line, "
                                   f"{NO_EXPORT}")
    dialect = tab_dump(file.delimiter) if named else _quote_escaped(sample, detect_dialect(sample, file.delimiter))
    header = next(rows(io.StringIO(sample), dialect, None), None)
    if header is None and not named:
        raise InputFileError(path, "the file has no header row")
    columns = [(name or "").strip() for name in header.fields] if header else []
    headerless = named is not None and named != columns  # a header row of the same names is skipped
    columns = named if named else columns
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise InputFileError(path, f"the header names columns twice: {', '.join(dupes)}", line=1)
    first = 1 if headerless or header is None else 2 + header.text.count("\n")
    return _Header(guess, dialect, columns, first, headerless)


def _quote_escaped(sample: str, dialect: Dialect) -> Dialect:
    """MySQL's `ESCAPED BY '"'` where the sample holds no NULL ("N) to tell it from CSV by: the dialect
    that splits the sample's rows (all but the last, which the sample may cut) with fewer broken."""
    if dialect.name != "csv" or dialect.escape != '"':
        return dialect
    sample = sample[:_TRIAL]  # the first rows tell; each file is read a few times (recognition, run)
    header = next(rows(io.StringIO(sample), dialect, None), None)
    if header is None:
        return dialect

    def broken(d: Dialect) -> int:
        return sum(1 for row in list(rows(io.StringIO(sample), d, len(header.fields)))[1:-1] if row.broken)

    mysql = replace(dialect, name="mysql-outfile-quote-escaped", nulls=('"N',))
    as_csv = broken(dialect)
    return mysql if as_csv and as_csv > broken(mysql) else dialect


def _open_encoding(encoding: str) -> str:
    return "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding


def _arrow(path: Path, columns: list[str], encoding: str, dialect: Dialect, first: int, skip: int = 1
           ) -> Iterator[Batch]:
    """The fast path for RFC 4180 text; from a row it cannot split on, the rest goes to `_python`."""
    if single_byte(encoding):  # a code page such as cp1252: decoded by transcode.py
        stream: io.RawIOBase = Utf8Reader(path, encoding)
        source, source_encoding = Paced(stream.read), "utf8"
    else:
        stream = path.open("rb", buffering=0)
        source, source_encoding = Paced(partial(read_block, stream)), encoding
    with stream, source:
        yield from _arrow_from(source, source_encoding, path, columns, encoding, dialect, first, skip)


def _arrow_from(source: Paced, source_encoding: str, path: Path, columns: list[str], encoding: str,
                dialect: Dialect, first: int, skip: int) -> Iterator[Batch]:
    """`_arrow` reading `source` (the file, or the file decoded to UTF-8); the rest as there."""
    try:
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(encoding=source_encoding, block_size=READ_BLOCK, column_names=columns,
                                           skip_rows=skip),
            parse_options=pacsv.ParseOptions(delimiter=dialect.separator, newlines_in_values=True,
                                             invalid_row_handler=lambda row: "error"),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in columns}, null_values=list(dialect.nulls),
                strings_can_be_null=True, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        yield from _python(path, columns, encoding, dialect, first)
        return
    next_line = first
    held: pa.Table | None = None
    pending: list[pa.RecordBatch] = []
    size, limit = 0, FIRST_BATCH
    while True:
        try:
            with source.taking():
                batch = reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowInvalid, UnicodeDecodeError):
            if held is not None:
                yield held
            if pending:
                numbered, spanned = _numbered(pending, next_line)
                yield numbered
                next_line += spanned
            yield from _python(path, columns, encoding, dialect, first, skip_before=next_line)
            return
        if not batch.num_rows:
            continue
        pending.append(batch)
        size += batch.nbytes
        if size >= limit:
            numbered, spanned = _numbered(pending, next_line)
            if held is not None:
                yield held
            held = numbered  # the last table waits: the file may end inside its last row
            next_line += spanned
            pending, size, limit = [], 0, BLOCK_SIZE
    if pending:
        if held is not None:
            yield held
        held = _numbered(pending, next_line)[0]
    if held is not None:
        yield _cut_tail(path, held, columns, encoding, dialect)


def _cut_tail(path: Path, table: pa.Table, columns: list[str], encoding: str, dialect: Dialect) -> pa.Table:
    """`table` (the file's last rows) with its last two rows read again by the Python reader when the
    file does not end with a line end: it may be cut inside a row."""
    # Arrow takes a quoted value the file ends in as closed, or runs it into the row before: a cut
    # export would pass a cut value on. Only the rows from the last but one on are read again.
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 1))
        if handle.read(1) in (b"\n", b"") or "16" in encoding or "32" in encoding:
            return table
        keep = max(0, table.num_rows - 2)
        start = int(table.column(LINE)[keep].as_py())
        handle.seek(0)
        need, offset = start - 1, 0  # the row starts after this many line ends
        while need and (block := handle.read(READ_BLOCK)):
            if block.count(b"\n") < need:
                need, offset = need - block.count(b"\n"), offset + len(block)
                continue
            at = -1
            for _ in range(need):
                at = block.index(b"\n", at + 1)
            need, offset = 0, offset + at + 1
        handle.seek(offset)
        text = io.TextIOWrapper(handle, encoding=_open_encoding(encoding), newline="")
        last = [Row(row.line + start - 1, row.fields, row.text, row.broken, row.cut)
                for row in rows(text, dialect, len(columns))]
    if not last:
        return table.slice(0, keep)
    return pa.concat_tables([table.slice(0, keep), pa.Table.from_batches([_batch(last, columns)])],
                            promote_options="default")


def _numbered(parts: list[pa.RecordBatch], next_line: int) -> tuple[pa.Table, int]:
    """The parts as one table (not copied together), each row with the source line it starts on (from
    `next_line`), and the number of lines its rows span."""
    table = pa.Table.from_batches(parts)
    # A row starts on the line after the previous row ends; embedded newlines push it down.
    # Counted only in the few columns that hold a line break at all (a scan is cheaper than a count).
    extra = None
    for column in table.columns:
        if may_hold(column, NEWLINE):  # every raw column is text
            count = pc.fill_null(pc.count_substring(column, "\n"), 0).cast(pa.int64())
            extra = count if extra is None else pc.add(extra, count)
    span = constant(1, table.num_rows, pa.int64()) if extra is None else pc.add(extra, 1)
    ends = pc.cumulative_sum(span)
    return table.append_column(LINE, pc.add(pc.subtract(ends, span), next_line)), int(ends[-1].as_py())


def _python(path: Path, columns: list[str], encoding: str, dialect: Dialect, first: int,
            skip_before: int = 0) -> Iterator[pa.RecordBatch]:
    """Every row by the dialect's rules; broken rows travel as rows marked `_broken` (text in `_raw`)."""
    total, broken, first_broken = 0, 0, None
    pending: list[Row] = []
    with path.open(encoding=_open_encoding(encoding), newline="") as handle:
        found = rows(handle, dialect, len(columns))
        try:
            for row in found:
                if row.line < max(first, skip_before):
                    continue
                total += 1
                if row.broken and not row.cut:  # a cut end is no sign of a misread dialect
                    if _split_from_previous(row, pending, len(columns)):
                        pending[-1].broken = "the row goes on in the next line (a line break inside a value?)"
                        broken += 1
                        first_broken = first_broken or pending[-1]
                    broken += 1
                    first_broken = first_broken or row
                pending.append(row)
                if len(pending) > BATCH_ROWS:  # the last row stays: the next may show it is broken
                    yield _batch(pending[:-1], columns)
                    pending = pending[-1:]
        except UnicodeDecodeError as exc:
            raise InputFileError(path, f"not readable as {encoding}: {exc.reason} (byte {exc.start} of a block)"
                                 ) from None
    if pending:
        yield _batch(pending, columns)
    if first_broken is not None and broken * 2 > total:
        raise InputFileError(path, (
            f"most rows ({broken} of {total}) cannot be split as {dialect.name} (separator "
            f"{dialect.describe()['separator']}, quote {dialect.describe()['quote']}, escape "
            f"{dialect.describe()['escape']}); the first: {first_broken.broken}: {first_broken.text[:80]!r}"),
            line=first_broken.line)


def _split_from_previous(row: Row, pending: list[Row], width: int) -> bool:
    """Too few fields right after a whole row: the line break of a value split them both."""
    return (len(row.fields) < width and bool(pending) and not pending[-1].broken
            and pending[-1].line + pending[-1].text.count("\n") + 1 == row.line)


def _batch(found: list[Row], columns: list[str]) -> pa.RecordBatch:
    arrays = [pa.array([r.fields[i] if i < len(r.fields) else None for r in found], pa.string())
              for i in range(len(columns))]
    names = [*columns, LINE]
    arrays.append(pa.array([r.line for r in found], pa.int64()))
    if any(r.broken for r in found):
        arrays += [pa.array([r.broken for r in found], pa.string()),
                   pa.array([r.text if r.broken else None for r in found], pa.string())]
        names += [BROKEN, RAW_TEXT]
    return pa.RecordBatch.from_arrays(arrays, names=names)
