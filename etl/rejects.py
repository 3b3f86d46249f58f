"""Rejected records: where (file, line, field), what (value) and why, in words a merchant can act on."""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
