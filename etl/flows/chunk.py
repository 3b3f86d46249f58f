"""What a flow's extractor yields: neutral tables of complete records, and what it refused."""

from __future__ import annotations

from dataclasses import dataclass, field

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
