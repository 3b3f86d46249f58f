"""The one interface of a run's per-chunk features (links, prepare, media, delta, ...): a `Step`.

A step is built when the run starts. When there is something to process, the pipeline calls
`start`, then for every chunk: `before_map` of each step in order, maps the chunk onto the
target layout, `after_map`, writes the main target, `after_write`. After the last chunk: `before_commit`
(files closed, what must precede the run's commit made durable or, in a dry run, undone; returns
temporary outputs to publish with the run). After the run committed and published: `committed`.
If the chunk phase fails: `rollback`. At the very end, always: `close`.
"""

from __future__ import annotations

from pathlib import Path

from etl.pipeline.context import RunContext
from etl.shared.records import Mapped, Neutral


class Step:
    """A feature of a run; every hook does nothing unless the step needs it."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    def start(self) -> None:
        """The chunk phase begins: open files (not called when the run has nothing to process)."""

    def before_map(self, chunk: Neutral) -> Neutral:
        """Check, complete or filter the neutral records of one chunk."""
        return chunk

    def after_map(self, mapped: Mapped) -> None:
        """Look at (or drop from) the mapped records before the main target writes them."""

    def after_write(self, chunk: Neutral, written: set[str], refused: set[str]) -> None:
        """React to the root records the main target wrote and refused in this chunk."""

    def before_commit(self) -> list[Path]:
        """Every chunk is done: return temporary outputs to publish with the run."""
        return []

    def committed(self) -> None:
        """The run is committed and published (never called in a dry run)."""

    def rollback(self) -> None:
        """The chunk phase failed: undo what this step prepared."""

    def close(self) -> None:
        """Release what the step holds (always called last)."""
