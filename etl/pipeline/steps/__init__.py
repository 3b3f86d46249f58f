"""The steps a run can take per chunk, in the order they run; a flow's declaration decides which it takes.

A new feature of a flow is a new module here with a `Step` and a `build(ctx)`, and one line below.
"""

from __future__ import annotations

from collections.abc import Callable

from etl.pipeline.context import RunContext
from etl.pipeline.steps import database, delta, extras, links, mails, media, once, prepare, remember
from etl.pipeline.steps.base import Step

STEPS: tuple[Callable[[RunContext], Step | None], ...] = (
    links.build,  # before mapping: ERP customer numbers
    remember.build,  # before mapping: what a flow driven by state learns from the records as read
    prepare.build,  # before mapping: the flow's own checks with the working folder's state
    media.build,  # before mapping: files copied into the outbox
    delta.build,  # before mapping: unchanged records left out
    once.build,  # after mapping: records imported before left out
    database.build,  # after mapping: the shop's database, committed before the run's files
    extras.build,  # after writing: further files from the same records
    mails.build,  # after writing: notification mails
)


def steps_for(ctx: RunContext) -> list[Step]:
    """The steps the run's flow takes."""
    return [step for build in STEPS if (step := build(ctx)) is not None]


__all__ = ["STEPS", "Step", "steps_for"]
