"""Send only records changed since the last successful run (`Flow.delta`, `etl/state/delta.py`)."""

from __future__ import annotations

from etl.load.base import writer_for
from etl.pipeline.context import RunContext
from etl.pipeline.steps import database
from etl.pipeline.steps.base import Step
from etl.shared.records import Neutral
from etl.state.delta import DeltaState


class DeltaStep(Step):
    """Filters unchanged records (counted as skipped); remembers the rest once the run is committed."""

    def __init__(self, ctx: RunContext, entity: str) -> None:
        super().__init__(ctx)
        self.entity = entity
        self.state = DeltaState(ctx.config.folder("state"), ctx.flow.name, ctx.full)
        # the database target replaces an article's sets with the rows the run sends: it needs them all
        self.whole = writer_for(ctx.report.format).complete_records or database.wanted(ctx)

    def before_map(self, chunk: Neutral) -> Neutral:
        """The new and changed records only."""
        chunk, unchanged = self.state.changed(chunk, self.entity, self.whole, self.ctx.flow.delta_vanished)
        self.ctx.report.skipped += unchanged
        return chunk

    def after_write(self, chunk: Neutral, written: set[str], refused: set[str]) -> None:
        """A refused record is sent again next time."""
        self.state.forget(refused)

    def committed(self) -> None:
        """After the outputs are committed: a failed run is sent again."""
        self.state.commit()

    def close(self) -> None:
        """Close the state database."""
        self.state.close()


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow sends deltas."""
    return DeltaStep(ctx, ctx.flow.delta) if ctx.flow.delta else None
