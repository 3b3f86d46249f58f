"""A record (by its key) is imported once, whatever file or form it comes in (`Flow.once_per_record`)."""

from __future__ import annotations

from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.records import KEY, Mapped


class OncePerRecordStep(Step):
    """Leaves out records an earlier run, or an earlier file of this run, already wrote (`--force` keeps them)."""

    def after_map(self, mapped: Mapped) -> None:
        """Drop the root records (with their children) imported before."""
        ctx, report = self.ctx, self.ctx.report
        keys = set(mapped.records[ctx.layouts.target.root].column(KEY).to_pylist())
        done = {} if ctx.force else ctx.ledger.records_seen(ctx.flow.name, sorted(keys))
        again = (keys & set(ctx.written)) | set(done)
        if not again:
            return
        mapped.drop(again)
        report.skipped += len(again)
        report.notes.append(f"{len(again)} {report.unit} skipped: already imported "
                            f"({', '.join(sorted(again)[:5])}{', …' if len(again) > 5 else ''})")


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow imports each record once."""
    return OncePerRecordStep(ctx) if ctx.flow.once_per_record else None
