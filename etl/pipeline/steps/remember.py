"""What a flow driven by state remembers between runs (`Flow.memory`), e.g. the open payments.

It sees every chunk before the flow's `prepare` (the records as read), then the records written; it
saves what it learnt in `before_commit`, with the mails queued and before the run commits (never in a dry run).
"""

from __future__ import annotations

from pathlib import Path

from etl.flows.flow import Memory
from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.shared.records import Neutral


class RememberStep(Step):
    """Feeds the flow's memory with what each chunk says and what the run wrote, and saves it."""

    def __init__(self, ctx: RunContext, memory: Memory) -> None:
        super().__init__(ctx)
        self.memory = memory

    def before_map(self, chunk: Neutral) -> Neutral:
        """The records as read (placed before `prepare`, which leaves out what is not due)."""
        self.memory.observe(chunk)
        return chunk

    def after_write(self, chunk: Neutral, written: set[str], refused: set[str]) -> None:
        """The records written from this chunk."""
        self.memory.written(chunk, written)

    def before_commit(self) -> list[Path]:
        """Save what the run learnt (a dry run saves nothing)."""
        if not self.ctx.dry_run:
            self.ctx.report.notes += self.memory.commit()
        return []


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow keeps a memory."""
    if ctx.flow.memory is None:
        return None
    return RememberStep(ctx, ctx.flow.memory(ctx.config.folder("state"), ctx.layouts.source))
