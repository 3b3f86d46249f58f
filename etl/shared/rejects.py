"""Rejected records: where (file, line, field), what (value) and why, in words a merchant can act on."""

from __future__ import annotations

import dataclasses
import os
import pickle
import tempfile
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import IO, overload

import pyarrow as pa
import pyarrow.compute as pc

from etl.shared.reject_codes import CODES, plain, render

FIELDS = ("file", "line", "record", "field", "value", "reason", "code", "params")


@dataclass(frozen=True)
class Reject:
    """One refused record (or one reason it was refused): where, what, and why as a code with its parameters."""

    file: str
    line: int | None
    record: str | None  # the record's key, e.g. the order id
    field: str | None
    value: str | None
    code: str  # a code of etl/shared/reject_codes (docs/rejects.md)
    kind: str | None = None  # the target record type refused, when known (not in the reject file)
    params: Mapping[str, object] = dataclasses.field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a sentence where the code belongs: every reject is registered
            raise ValueError(f"unknown reject code {self.code!r}: register it in etl/shared/reject_codes/")

    @property
    def reason(self) -> str:
        """The reason in English words (as before codes); shown to people: `reason_in` their language."""
        return render(self.code, self.params, "en")

    def reason_in(self, lang: str | None) -> str:
        """The reason in words in `lang` (default: the current language)."""
        return render(self.code, self.params, lang)

    def as_dict(self, lang: str | None = "en") -> dict[str, object]:
        """Plain dict for reports: where, what, the code, its parameters and the reason in `lang` (None: current)."""
        return {"file": self.file, "line": self.line, "record": self.record, "field": self.field,
                "value": self.value, "code": self.code, "params": plain(self.params), "reason": self.reason_in(lang),
                "kind": self.kind}


def rejects_where(table: pa.Table, mask: pa.Array, field: str, values: pa.Array, code: str, key: str | None,
                  params: Mapping[str, object] | None = None) -> list[Reject]:
    """A reject for every row of `table` where `mask` is true (rare rows only: built in Python)."""
    if not pc.any(mask).as_py():  # nulls are skipped: true only where some value is true
        return []
    mask = pc.fill_null(mask, False)
    files = pc.filter(table.column("_file"), mask).to_pylist()
    lines = pc.filter(table.column("_line"), mask).to_pylist()
    keys = pc.filter(table.column(key), mask).to_pylist() if key else [None] * len(files)
    vals = pc.filter(values, mask).to_pylist()
    return [
        Reject(f, ln, None if k is None else str(k), field, None if v is None else str(v), code, None, params or {})
        for f, ln, k, v in zip(files, lines, keys, vals, strict=True)
    ]


class RejectLog(Sequence[Reject]):
    """A run's rejects in order: the first in memory, the rest spooled to a private temporary file.

    An export whose every line is refused (a price column in the wrong decimal convention) gives a reject
    per line: held as objects, a 1M-line export took 840 MB. Here memory stays at a few MB. The spool
    holds pickled batches of plain tuples (a SQLite table took ~3x the time to fill and to read back).
    """

    def __init__(self, rejects: Iterable[Reject] = (), keep: int = 1_000, batch: int = 5_000) -> None:
        self.keep, self.batch = keep, batch
        self.files: set[str] = set()  # the files the rejects name
        self.codes: Counter[str] = Counter()  # how many rejects of each code
        self._head: list[Reject] = []  # the first `keep`: what summaries show
        self._tail: list[Reject] = []  # later ones, not yet spooled
        self._spool: IO[bytes] | None = None
        self._batches: list[tuple[int, int]] = []  # spooled: (offset, count) of each batch, in order
        self._stored = 0  # rejects spooled
        self += rejects

    def __iadd__(self, rejects: Iterable[Reject]) -> RejectLog:
        for reject in rejects:
            self.files.add(reject.file)
            self.codes[reject.code] += 1
            if len(self._head) < self.keep:
                self._head.append(reject)
            else:
                self._tail.append(reject)
        if len(self._tail) >= self.batch:
            self._spill()
        return self

    def _spill(self) -> None:
        if self._spool is None:
            self._spool = tempfile.TemporaryFile(prefix="etl-rejects-")  # noqa: SIM115 (as long as the log)
            weakref.finalize(self, self._spool.close)
        self._spool.seek(0, os.SEEK_END)
        self._batches.append((self._spool.tell(), len(self._tail)))
        pickle.dump([_row(r) for r in self._tail], self._spool, protocol=pickle.HIGHEST_PROTOCOL)
        self._stored += len(self._tail)
        self._tail = []

    def _batch(self, index: int) -> list[Reject]:
        assert self._spool is not None
        self._spool.seek(self._batches[index][0])
        return [Reject(*row) for row in pickle.load(self._spool)]

    def __len__(self) -> int:
        return len(self._head) + self._stored + len(self._tail)

    def __iter__(self) -> Iterator[Reject]:
        yield from self._head
        for index in range(len(self._batches)):  # batches added while iterating come after these
            yield from self._batch(index)
        yield from list(self._tail)

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
            self._drop_batches(0)
            self._tail = []
        elif size - len(self._head) >= self._stored:
            del self._tail[size - len(self._head) - self._stored:]
        else:  # the cut is in a spooled batch: what is kept of it becomes the tail
            left, before = size - len(self._head), 0
            index = next(i for i, (_, count) in enumerate(self._batches) if (before := before + count) > left)
            start = before - self._batches[index][1]
            kept = self._batch(index)[:left - start]
            self._drop_batches(index)
            self._tail = kept
        self.files = {reject.file for reject in self}
        self.codes = Counter(reject.code for reject in self)

    def _drop_batches(self, index: int) -> None:
        if self._spool is not None and index < len(self._batches):
            self._spool.truncate(self._batches[index][0])
        self._stored -= sum(count for _, count in self._batches[index:])
        del self._batches[index:]

    def __deepcopy__(self, memo: dict[int, object]) -> RejectLog:
        return RejectLog(self, self.keep, self.batch)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"RejectLog({self._head[:5]!r}{' ...' if len(self) > 5 else ''}, {len(self)} in all)"


_COLUMNS = [f.name for f in fields(Reject)]
_row = attrgetter(*_COLUMNS)
