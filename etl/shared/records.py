"""Types every stage shares: neutral chunks, mapped records and their keys and lineage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from etl.shared.rejects import Reject

# Neutral tables by entity name (`orders`, `order_items`, ... in etl/shared/model.py): what a chunk carries.
Neutral: TypeAlias = dict[str, pa.Table]


@dataclass
class Chunk:
    """Neutral tables of a run of complete records, with what was refused and how many came in."""

    neutral: Neutral
    rejects: list[Reject] = field(default_factory=list)
    records_in: int = 0
    rejected: int = 0
    merged: int = 0  # records folded into another one that is written (same person twice)
    # a report note that counts records: its text (with `{count}` and `{records}` left to fill) -> the
    # records it names; summed over the run's chunks into one note (pipeline/stage.py)
    tallies: dict[str, list[str]] = field(default_factory=dict)


class Prepared(NamedTuple):
    """What a flow's `prepare` step returns: the chunk, its refusals, and records left out on purpose."""

    neutral: Neutral
    rejects: list[Reject]
    skipped: int = 0  # records not for this run (already there, not due): counted as skipped
    notes: list[str] = []  # why they were skipped, for the report (never mutated: one list for all)


KEY = "_key"
LINEAGE = ("_file", "_line")


@dataclass
class Mapped:
    """The target records of one chunk, keyed by record type, and what was refused."""

    records: dict[str, pa.Table]
    rejects: list[Reject] = field(default_factory=list)

    def drop(self, keys: set[str], types: list[str] | None = None) -> None:
        """Remove every record (of every type, or of `types`) whose key is in `keys`."""
        if not keys:
            return
        value_set = pa.array(sorted(keys), pa.string())
        for name, table in self.records.items():
            if types is not None and name not in types:
                continue
            keep = pc.invert(pc.is_in(table.column(KEY), value_set=value_set))
            self.records[name] = table.filter(keep)

    @property
    def rejected_keys(self) -> set[str]:
        """Keys of records refused so far."""
        return {r.record for r in self.rejects if r.record is not None}
