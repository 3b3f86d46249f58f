"""`mysqldump --tab` (`mariadb-dump --tab`): per table a headerless `<table>.txt` beside `<table>.sql`.

The `.sql` holds the CREATE TABLE: the column names of the `.txt`, in order. Dropped together, the
`.txt` is read with those names as its header, and the `.sql` is read as the same table without rows,
so that it is recognised (and archived) with its data file instead of being refused as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from etl.extract.base import HEAD_SIZE, LINE, FileHead, Guess, RawTable, content_start
from etl.extract.unknown import NO_EXPORT
from etl.shared.errors import InputFileError

_CREATE = re.compile(rb"CREATE TABLE\s+`([^`]+)`\s*\(", re.IGNORECASE)
_COLUMN = re.compile(r"^\s*`((?:[^`]|``)+)`\s+\w", re.MULTILINE)


def sniff(head: bytes) -> bool:
    """A table definition written by mysqldump/mariadb-dump: SQL comments or hints, then CREATE TABLE."""
    start = content_start(head)
    return start.startswith((b"--", b"/*")) and _CREATE.search(head) is not None \
        and b"INSERT INTO" not in head


def columns_of(sql: str) -> tuple[str, list[str]] | None:
    """The table name and its column names, in order, from the first CREATE TABLE in `sql`."""
    found = _CREATE.search(sql.encode("utf-8", errors="replace"))
    if found is None:
        return None
    body = sql[sql.index("(", sql.upper().index("CREATE TABLE")) + 1:]
    body = body[:body.find("\n)")] if "\n)" in body else body
    names = [m.group(1).replace("``", "`") for m in _COLUMN.finditer(body)]
    return found.group(1).decode("utf-8", errors="replace"), names


def sibling_columns(path: Path) -> list[str] | None:
    """The column names of a `--tab` data file from the `.sql` beside it (same stem), if there is one."""
    sql = path.with_suffix(".sql")
    if path.suffix.lower() == ".sql" or not sql.is_file():
        return None
    text = sql.read_bytes()
    if not sniff(text[:HEAD_SIZE]):  # a whole dump with INSERTs is no --tab definition
        return None
    found = columns_of(text.decode("utf-8", errors="replace"))
    if found is None or found[0] != path.stem or not found[1]:
        return None
    return found[1]


def read(file: FileHead) -> list[RawTable]:
    """The table the CREATE TABLE defines, with its columns and no rows (the rows are in the `.txt`)."""
    found = columns_of(file.head.decode("utf-8", errors="replace"))
    name, columns = found if found else (None, [])
    data = [p for p in (file.path.with_suffix(".txt"), file.path.with_suffix(".TXT")) if p.is_file()]
    if not data or name != file.path.stem:
        raise InputFileError(file.path, (
            f"the table definition (CREATE TABLE {name}) of a `mysqldump --tab` dump without its data file "
            f"{file.path.stem}.txt beside it: {NO_EXPORT} alone; drop both files together"))

    def batches() -> Iterator[pa.RecordBatch]:
        arrays = [pa.array([], pa.string()) for _ in columns] + [pa.array([], pa.int64())]
        yield pa.RecordBatch.from_arrays(arrays, names=[*columns, LINE])

    return [RawTable(file.path, list(columns), batches, name=name, encoding=Guess("utf-8", 1.0, "SQL dump"))]
