"""Rejected records: where (file, line, field), what (value) and why, in words a merchant can act on."""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from operator import attrgetter
from typing import overload

import pyarrow as pa
import pyarrow.compute as pc

FIELDS = ("file", "line", "record", "field", "value", "reason")


@dataclass(frozen=True)
class Reject:
    """One refused record (or one reason it was refused)."""

    file: str
    line: int | None
    record: str | None  # the record's key, e.g. the order id
    field: str | None
    value: str | None
    reason: str
    kind: str | None = None  # the target record type refused, when known (not in the reject file)

    def as_dict(self) -> dict[str, object]:
        """Plain dict for reports and the reject file."""
        return asdict(self)


def rejects_where(
    table: pa.Table, mask: pa.Array, field: str, values: pa.Array, reason: str, key: str | None
) -> list[Reject]:
    """A reject for every row of `table` where `mask` is true (rare rows only: built in Python)."""
    if not pc.any(mask).as_py():  # nulls are skipped: true only where some value is true
        return []
    mask = pc.fill_null(mask, False)
    files = pc.filter(table.column("_file"), mask).to_pylist()
    lines = pc.filter(table.column("_line"), mask).to_pylist()
    keys = pc.filter(table.column(key), mask).to_pylist() if key else [None] * len(files)
    vals = pc.filter(values, mask).to_pylist()
    return [
        Reject(f, ln, None if k is None else str(k), field, None if v is None else str(v), reason)
        for f, ln, k, v in zip(files, lines, keys, vals, strict=True)
    ]


class RejectLog(Sequence[Reject]):
    """A run's rejects in order: the first in memory, the rest in a private temporary SQLite database.

    An export whose every line is refused (a price column in the wrong decimal convention) gives a reject
    per line: held as objects, a 1M-line export took 840 MB. Here memory stays at a few MB.
    """

    def __init__(self, rejects: Iterable[Reject] = (), keep: int = 1_000, batch: int = 5_000) -> None:
        self.keep, self.batch = keep, batch
        self._head: list[Reject] = []  # the first `keep`: what summaries show
        self._tail: list[Reject] = []  # later ones, not yet in the database
        self._stored = 0  # later ones in the database
        self._db: sqlite3.Connection | None = None
        self += rejects

    def __iadd__(self, rejects: Iterable[Reject]) -> RejectLog:
        for reject in rejects:
            if len(self._head) < self.keep:
                self._head.append(reject)
            else:
                self._tail.append(reject)
        if len(self._tail) >= self.batch:
            self._spill()
        return self

    def _spill(self) -> None:
        if self._db is None:
            # "": a temporary database of this connection alone, in a file once it outgrows its cache
            self._db = sqlite3.connect("", check_same_thread=False)
            self._db.execute(f"CREATE TABLE rejects (n INTEGER PRIMARY KEY, {', '.join(_COLUMNS)})")
            weakref.finalize(self, self._db.close)
        self._db.executemany(f"INSERT INTO rejects VALUES (?, {', '.join('?' * len(_COLUMNS))})",
                             ((self._stored + n, *_row(r)) for n, r in enumerate(self._tail)))
        self._stored += len(self._tail)
        self._tail = []

    def __len__(self) -> int:
        return len(self._head) + self._stored + len(self._tail)

    def __iter__(self) -> Iterator[Reject]:
        yield from self._head
        if self._db is not None:
            stored = self._stored  # rows added while iterating come after these
            for row in self._db.execute("SELECT * FROM rejects WHERE n < ? ORDER BY n", (stored,)):
                yield Reject(*row[1:])
        yield from self._tail

    @overload
    def __getitem__(self, index: int) -> Reject: ...

    @overload
    def __getitem__(self, index: slice) -> list[Reject]: ...

    def __getitem__(self, index: int | slice) -> Reject | list[Reject]:
        if isinstance(index, slice) and (index.start or 0) >= 0 and index.stop is not None \
                and 0 <= index.stop <= len(self._head):
            return self._head[index]  # the first few, as summaries take them
        if isinstance(index, int) and 0 <= index < len(self._head):
            return self._head[index]
        return list(self)[index]

    def truncate(self, size: int) -> None:
        """Drop every reject after the first `size` (an input refused as a whole takes its rejects back)."""
        if size <= len(self._head):
            del self._head[size:]
            self._tail, self._stored = [], 0
            if self._db is not None:
                self._db.execute("DELETE FROM rejects")
            return
        size -= len(self._head)
        if size <= self._stored:
            self._tail = []
            if self._db is not None:
                self._db.execute("DELETE FROM rejects WHERE n >= ?", (size,))
            self._stored = size
        else:
            del self._tail[size - self._stored:]

    def __deepcopy__(self, memo: dict[int, object]) -> RejectLog:
        return RejectLog(self, self.keep, self.batch)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"RejectLog({self._head[:5]!r}{' ...' if len(self) > 5 else ''}, {len(self)} in all)"


_COLUMNS = [f.name for f in fields(Reject)]
_row = attrgetter(*_COLUMNS)
