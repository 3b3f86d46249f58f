"""A flow's own per-chunk checks and additions that need the working folder (`Flow.prepare`)."""

from __future__ import annotations

from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.shared.records import Neutral


class PrepareStep(Step):
    """Runs the flow's `prepare`; its refusals count as rejected, records it leaves out as skipped."""

    def before_map(self, chunk: Neutral) -> Neutral:
        """The chunk as the flow's `prepare` returns it."""
        ctx, report = self.ctx, self.ctx.report
        assert ctx.flow.prepare is not None
        prepared = ctx.flow.prepare(ctx.config, ctx.layouts.source, ctx.ledger, chunk)
        report.rejects += prepared.rejects
        target = ctx.layouts.target
        entity = target.records[target.root].entity
        if entity in chunk and entity in prepared.neutral:
            # By rows, as they came in and are written: a document listed twice and refused is two refused
            # lines (its key would count it once).
            report.rejected += chunk[entity].num_rows - prepared.neutral[entity].num_rows - prepared.skipped
        else:
            report.rejected += len({r.record for r in prepared.rejects if r.record})
        report.skipped += prepared.skipped
        report.notes += prepared.notes
        return prepared.neutral


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow has a `prepare`."""
    return PrepareStep(ctx) if ctx.flow.prepare else None
