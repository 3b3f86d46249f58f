"""Unattended, but not unheard: what `etl watch` refused reaches the merchant by mail (`notify:` in etl.yaml).

The error folder is the record: every input the watcher refuses lands there with its reason file, whether
no flow reads it, a run over it failed ("processing failed") or its table set timed out. The notifier looks
at the newest day folders after each cycle, keeps each new refusal (since the watcher started) in
`state/notify.sqlite`, and mails the waiting events of a kind together, at most once per
`notify.every_minutes`. An event is marked mailed only once the server accepted the mail: a refused send
is tried again later, nothing is lost, and a restart mails nothing twice.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from etl.config import Config
from etl.config.mail import SmtpSettings
from etl.i18n import N_, translate
from etl.mail.formats import filters
from etl.mail.smtp import send_one
from etl.shared.errors import ConfigError
from etl.state.lifecycle import read_reason
from etl.state.notify_log import Event, NotifyLog
from etl.state.page_token import page_token

log = logging.getLogger("etl.watch")
RETRY_SECONDS = 300.0  # after a refused send, the next try
_DAYS = 2  # day folders of the error folder looked at: today's and the one before (a watcher running at midnight)
SUBJECTS = {"failed-run": N_("A run of etl watch failed"), "refused-file": N_("etl watch refused a file"),
            "set-timeout": N_("An export arrived incomplete")}
STEPS = {
    "failed-run": N_("The run stopped with an error and wrote nothing of this file. Fix the cause the reason names "
                     "(`etl run <flow> --debug` on the file shows more), then press Retry on the status page."),
    "refused-file": N_("Open the reason, correct the export (or adapt the layout, docs/layouts.md), then press Retry "
                       "on the status page: the file goes back to the inbox."),
    "set-timeout": N_("Export the tables of the set together (as one folder or zip, or with done-markers) and drop "
                      "them again; or press Retry on the status page once the missing table is in the inbox."),
}
ANCHORS = {"failed-run": "failed", "refused-file": "failed", "set-timeout": "failed"}


KINDS = {"processing-failed": "failed-run", "incomplete-set": "set-timeout"}  # by the refusal's code


def kind_of(code: str) -> str:
    """The kind of a refusal by its code (the reason file names it)."""
    return KINDS.get(code, "refused-file")


class Notifier:
    """The notification mails of one watcher: `tick` after every cycle (nothing at all without recipients)."""

    def __init__(self, config: Config, started: float | None = None) -> None:
        self.config = config
        self.settings = config.notify
        # to the second, as a reason file says when: a refusal in the watcher's first second counts
        self.started = datetime.fromtimestamp(time.time() if started is None else started).replace(microsecond=0)
        self.seen: set[Path] = set()  # reason files read already (known, or older than the watcher)
        self.next_try = 0.0
        self.waiting = self.settings.recipients != []  # events of an earlier watcher may wait in the state

    def tick(self, now: float | None = None) -> None:
        """Take in new refusals and mail the kinds that are due; a mail that cannot go now is tried later."""
        if not self.settings.recipients:
            return
        fresh = self._fresh()
        if not (fresh or self.waiting):  # the state database is opened only when there is something to do
            return
        events = NotifyLog(self.config.folder("state"))
        try:
            self._mail_due(events, fresh, time.time() if now is None else now)
            self.waiting = bool(events.waiting())
        finally:
            events.close()

    def _mail_due(self, events: NotifyLog, fresh: dict[str, Path], now: float) -> None:
        known = events.known(fresh)
        found = (_read(path, key) for key, path in fresh.items() if key not in known)
        events.add(e for e in found if e is not None and datetime.fromisoformat(e.at) >= self.started)
        if now < self.next_try:
            return
        for kind, waiting in events.waiting().items():
            last = events.last_mail(kind)
            if kind not in self.settings.kinds or (last is not None and now - last < self.settings.every_minutes * 60):
                continue
            try:
                send_one(self._smtp(), self.config.base, self.message(kind, waiting))
            except (OSError, smtplib.SMTPException, ConfigError) as exc:
                log.error("notification mail (%s, %d events) not sent, tried again in %g s: %s",
                          kind, len(waiting), RETRY_SECONDS, exc)
                self.next_try = now + RETRY_SECONDS
                return
            events.mailed(kind, waiting, now)
            log.info("%-8s %s  mailed to %s", "notified", ", ".join(e.file for e in waiting),
                     ", ".join(self.settings.recipients))

    def message(self, kind: str, events: list[Event]) -> EmailMessage:
        """The mail of `kind` naming `events`: what happened, which file, the reason, the next step, the page."""
        lang = self.settings.language or self.config.language
        say = filters(lang)
        lines = [translate(N_("Good day,"), lang), "",
                 translate(N_("etl watch in {folder} could not take the following:"), lang).format(
                     folder=self.config.base), ""]
        for event in events:
            lines += [f"- {translate(SUBJECTS[event.kind], lang)}: {event.file}",
                      "  " + translate(N_("When: {when}"), lang).format(when=_when(event.at, say["date"])),
                      "  " + translate(N_("Where: {where}"), lang).format(
                          where=self.config.folder("error") / event.key),
                      "  " + translate(N_("Reason: {reason}"), lang).format(reason=translate(event.reason, lang)), ""]
        lines += [translate(N_("Next step: {step}"), lang).format(step=translate(STEPS[kind], lang)), "",
                  translate(N_("Status page: {url}"), lang).format(url=self._page(kind)), "",
                  translate(N_("This mail comes from etl watch: at most one of its kind every {minutes} minutes; "
                               "what happens meanwhile comes together in the next one."), lang).format(
                      minutes=say["number"](self.settings.every_minutes))]
        message = EmailMessage()
        count = f" ({len(events)})" if len(events) > 1 else ""
        message["Subject"] = f"[ETL] {translate(SUBJECTS[kind], lang)}{count}"
        message["From"] = self.config.mail.sender
        message["To"] = ", ".join(self.settings.recipients)
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain="etl.local")
        message.set_content("\n".join(lines) + "\n")
        return message

    def _smtp(self) -> SmtpSettings:
        smtp = self.config.mail.smtp
        if smtp is None:
            raise ConfigError(["notify: etl.yaml names no mail server (mail.smtp)"])
        if "mail.sender" in self.config.mail.unset():
            raise ConfigError(["notify: mail.sender in etl.yaml is not set (the mails' sender)"])
        return smtp

    def _page(self, kind: str) -> str:
        token = page_token(self.config.folder("state"))
        return f"{self.settings.status_url.rstrip('/')}/?token={token}#{ANCHORS[kind]}"

    def _fresh(self) -> dict[str, Path]:
        """Reason files in the newest day folders of the error folder not read before, by their input's key."""
        error = self.config.folder("error")
        days = sorted((p for p in error.iterdir() if p.is_dir()), reverse=True)[:_DAYS] if error.is_dir() else []
        fresh = {p.with_name(p.name.removesuffix(".reason.txt")).relative_to(error).as_posix(): p
                 for day in days for p in day.iterdir() if p.name.endswith(".reason.txt") and p not in self.seen}
        self.seen.update(fresh.values())
        return fresh


def _read(path: Path, key: str) -> Event | None:
    """The event a reason file records (name, time, reason), or None when it is not one `refuse` wrote."""
    said = read_reason(path)
    if said is None:
        return None
    try:
        datetime.fromisoformat(said.at)
    except ValueError:
        return None
    return Event(key, kind_of(said.code), said.at, said.name, said.reason)


def _when(at: str, day: Callable[[datetime], str]) -> str:
    moment = datetime.fromisoformat(at)
    return f"{day(moment)} {moment:%H:%M}"
