"""The mail kinds a flow can name (`Flow.mails`), each with the batch class that decides its mails."""

from __future__ import annotations

from etl.mail.batch import MailBatch
from etl.mail.payment import PaymentMails
from etl.mail.tracking import TrackingMails
from etl.shared.errors import UsageError

MAILERS: dict[str, type[MailBatch]] = {cls.kind: cls for cls in (TrackingMails, PaymentMails)}


def mailer_for(kind: str) -> type[MailBatch]:
    """The batch class of mail kind `kind`."""
    if kind not in MAILERS:
        raise UsageError(f"unknown mail kind '{kind}'; known: {', '.join(MAILERS)}")
    return MAILERS[kind]
