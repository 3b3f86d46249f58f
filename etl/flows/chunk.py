"""What a flow's extractor yields: neutral tables of complete records, and what it refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import pyarrow as pa

from etl.transform.rejects import Reject


@dataclass
class Chunk:
    """Neutral tables of a run of complete records, with what was refused and how many came in."""

    neutral: dict[str, pa.Table]
    rejects: list[Reject] = field(default_factory=list)
    records_in: int = 0
    rejected: int = 0
    merged: int = 0  # records folded into another one that is written (same person twice)


class Prepared(NamedTuple):
    """What a flow's `prepare` step returns: the chunk, its refusals, and records left out on purpose.

    A prepare step may return a plain (neutral, rejects) pair; `Prepared(*result)` fills the rest.
    """

    neutral: dict[str, pa.Table]
    rejects: list[Reject]
    skipped: int = 0  # records not for this run (already there, not due): counted as skipped
    notes: list[str] = []  # noqa: RUF012  # why they were skipped, for the report (never mutated)
