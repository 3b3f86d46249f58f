"""Notification mails for the written records (`Flow.mails`, `etl/mail/`): queued once, sent after the commit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from etl.i18n import N_
from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.shared.records import Neutral

if TYPE_CHECKING:  # the mail package (jinja2, babel) is imported by runs that send mails only
    from etl.mail.batch import MailBatch


class MailsStep(Step):
    """Renders a mail per written record, queues it before the commit, sends what is due after it."""

    def __init__(self, ctx: RunContext, kind: str) -> None:
        super().__init__(ctx)
        self.kind = kind
        self.batch: MailBatch | None = None
        settings = ctx.config.mail
        # A customer must never get a mail from the placeholder sender: the mails are held, the run goes on.
        self.unset = settings.unset() if settings.enabled else []

    def start(self) -> None:
        """Begin this run's batch of mails."""
        from etl.mail.kinds import mailer_for

        self.batch = mailer_for(self.kind)(self.ctx.config, self.ctx.stem)

    def after_write(self, chunk: Neutral, written: set[str], refused: set[str]) -> None:
        """Render the mails due for the written records."""
        if self.batch is not None:
            self.batch.take(chunk, written)
            self.batch.flush()

    def before_commit(self) -> list[Path]:
        """Queue before publishing: a crash cannot lose a mail, a rerun cannot queue it twice."""
        if self.batch is None:
            return []
        if self.ctx.dry_run:
            self.batch.discard()
            temps = []
        else:
            self.batch.commit()
            temps = list(self.batch.temps)
        if self.unset:
            self.ctx.report.notes.append(N_(
                "{kind} mails held: {count} queued, not sent while etl.yaml sets no {keys} (the sender and shop "
                "name customers see); fill them in under mail: and they go out with the next run or `etl mail`"
            ).format(kind=self.kind, count=self.batch.count, keys=", ".join(self.unset)))
        else:
            self.ctx.report.notes.append(f"{self.kind} mails: {self.batch.count} new")
        return temps

    def rollback(self) -> None:
        """Drop the mails rendered in this run."""
        if self.batch is not None:
            self.batch.discard()

    def committed(self) -> None:
        """Send what is due, this run's mails and those that could not be sent before."""
        from etl.mail.tracking import send_queued

        notes = send_queued(self.ctx.config)
        # held: the note above says why nothing goes out
        self.ctx.report.notes += [n for n in notes if not (self.unset and n.startswith("mails not sent: etl.yaml"))]

    def close(self) -> None:
        """Close the mail queue."""
        if self.batch is not None:
            self.batch.queue.close()


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow sends mails."""
    return MailsStep(ctx, ctx.flow.mails) if ctx.flow.mails else None
