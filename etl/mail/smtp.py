"""Send queued mails over SMTP (STARTTLS, TLS or plain), one connection per round."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

from etl.config.mail import MailSettings, SmtpSettings
from etl.i18n import N_
from etl.mail.current import up_to_date
from etl.shared.errors import ConfigError, EtlError
from etl.state.mail_queue import MailQueue


@dataclass
class SendResult:
    """What one sending round did."""

    sent: int = 0
    failed: list[str] = field(default_factory=list)  # "key: error", for the report
    skipped: str | None = None  # why nothing was tried (no server configured)


def _connect(smtp: SmtpSettings, base: Path) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if smtp.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.user:
            client.login(smtp.user, smtp.password(base) or "")
    except BaseException:
        client.close()
        raise
    return client


def send_due(queue: MailQueue, settings: MailSettings, base: Path, templates: tuple[Path, ...] = ()) -> SendResult:
    """Send every due mail, rendered with the settings of now (`templates`: where its templates are found);
    failures stay queued with their error (the password never appears)."""
    result = SendResult()
    due = []
    for mail in queue.due(settings.max_attempts):
        try:
            due.append(up_to_date(queue, mail, settings, templates))
        except (OSError, EtlError) as exc:  # no room for its .eml, a template gone: kept queued, tried again
            queue.attempt_failed(mail.key, _describe(exc), settings.max_attempts)
            result.failed.append(f"{mail.key} to {mail.recipient}: {_describe(exc)}")
    if not due:
        return result
    if settings.smtp is None:
        result.skipped = N_("{count} mails saved in outbox/mail/, not sent: etl.yaml names no SMTP server").format(
            count=len(due))
        return result
    client: smtplib.SMTP | None = None
    for mail in due:
        try:
            if client is None:
                client = _connect(settings.smtp, base)
            client.send_message(current_sender(message_from_bytes(mail.message, policy=policy.SMTP), settings))
        except (OSError, smtplib.SMTPException, ConfigError) as exc:  # kept queued, tried again later
            error = _describe(exc)
            queue.attempt_failed(mail.key, error, settings.max_attempts)
            result.failed.append(N_("{key} to {to}: {error}").format(key=mail.key, to=mail.recipient, error=error))
            if client is not None and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                _quit(client)
                client = None
            continue
        queue.sent(mail.key)
        result.sent += 1
    if client is not None:
        _quit(client)
    return result


def send_one(smtp: SmtpSettings, base: Path, message: Message) -> None:
    """Send one message now (a notification to the merchant); an error is raised to the caller."""
    client = _connect(smtp, base)
    try:
        client.send_message(message)
    finally:
        _quit(client)


def current_sender(message: Message, settings: MailSettings) -> Message:
    """`message` from the sender etl.yaml names now: a mail queued before a change goes out from the new one."""
    del message["From"], message["Reply-To"]
    message["From"] = settings.sender
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    return message


def _describe(exc: Exception) -> str:
    """The error in words, without anything from the credentials."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"the server answered {exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the server refused the recipient"
    return f"{type(exc).__name__}: {exc}"


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
