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
        # A customer must never get a mail from the placeholder sender: the step stops, the run goes on.
        self.unset = settings.unset() if settings.enabled else []

    def start(self) -> None:
        """Begin this run's batch of mails."""
        from etl.mail.kinds import mailer_for

        if not self.unset:
            self.batch = mailer_for(self.kind)(self.ctx.config, self.ctx.stem)

    def after_write(self, chunk: Neutral, written: set[str], refused: set[str]) -> None:
        """Render the mails due for the written records."""
        if self.batch is not None:
            self.batch.take(chunk, written)

    def before_commit(self) -> list[Path]:
        """Queue before publishing: a crash cannot lose a mail, a rerun cannot queue it twice."""
        if self.batch is None:
            self.ctx.report.notes.append(N_("{kind} mails not queued: etl.yaml sets no {keys} (the sender and "
                                            "shop name customers see); fill them in under mail:").format(
                kind=self.kind, keys=", ".join(self.unset)))
            self.unset = []  # said once; send_queued then only tells why the queue waits
            return []
        if self.ctx.dry_run:
            self.batch.discard()
            temps = []
        else:
            self.batch.commit()
            temps = list(self.batch.temps)
        self.ctx.report.notes.append(f"{self.kind} mails: {len(self.batch.pending)} new")
        return temps

    def rollback(self) -> None:
        """Drop the mails rendered in this run."""
        if self.batch is not None:
            self.batch.discard()

    def committed(self) -> None:
        """Send what is due, this run's mails and those that could not be sent before."""
        from etl.mail.tracking import send_queued

        notes = send_queued(self.ctx.config)
        self.ctx.report.notes += [n for n in notes if not n.startswith("mails not sent: etl.yaml")] \
            if self.batch is None and not self.unset else notes

    def close(self) -> None:
        """Close the mail queue."""
        if self.batch is not None:
            self.batch.queue.close()


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow sends mails."""
    return MailsStep(ctx, ctx.flow.mails) if ctx.flow.mails else None
