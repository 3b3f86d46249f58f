"""Tracking mails of the shipments flow: one per shipped delivery note, exactly once.

The run hands every chunk with the delivery notes it wrote to `take`; new ones are rendered and saved
as `.eml` (published with the run's other outputs in outbox/mail/); `commit` queues them in
`state/mails.sqlite` before the run is committed, and `send` delivers what is due after publishing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from etl.config import Config
from etl.mail.queue import MailQueue
from etl.mail.render import message_id, render
from etl.mail.smtp import SendResult, send_due

KIND = "tracking"


class TrackingMails:
    """Collects, queues and sends the tracking mails of one run."""

    def __init__(self, config: Config, stem: str) -> None:
        self.config = config
        self.stem = stem
        self.folder = config.folder("outbox") / "mail"
        self.templates = config.search("templates")
        self.queue = MailQueue(config.folder("state"))
        self.pending: list[tuple[str, str, str, str, bytes, str]] = []
        self.temps: list[Path] = []

    def take(self, neutral: dict[str, pa.Table], written: set[str]) -> None:
        """Render the mails of newly shipped delivery notes among `written`."""
        if not self.config.mail.enabled or "shipments" not in neutral:
            return
        parcels: dict[str, list[dict[str, Any]]] = {}
        for parcel in neutral.get("parcels", pa.table({})).to_pylist():
            parcels.setdefault(parcel["delivery_note"], []).append(parcel)
        for note in neutral["shipments"].to_pylist():
            key = f"{KIND}:{note['delivery_note']}:{note['tracking_number']}"
            if (not note["tracked"] or not note["email"] or note["delivery_note"] not in written
                    or self.queue.known(key) or any(p[0] == key for p in self.pending)):
                continue
            self._render(key, note, parcels.get(note["delivery_note"], []))

    def _render(self, key: str, note: dict[str, Any], parcels: list[dict[str, Any]]) -> None:
        settings = self.config.mail
        name = " ".join(p for p in (note["delivery_firstname"], note["delivery_lastname"]) if p) \
            or note["delivery_company"] or ""
        address = ", ".join(p for p in (note["delivery_company"], name, note["delivery_street"],
                                        f"{note['delivery_postcode'] or ''} {note['delivery_city'] or ''}".strip(),
                                        note["delivery_country"]) if p)
        context = {"name": name, "order_id": note["order_id"], "delivery_note": note["delivery_note"],
                   "carrier_name": note["carrier_name"], "address": address, "shipped_at": note["shipped_at"],
                   "parcels": [{"number": p["tracking_number"], "url": p["tracking_url"]} for p in parcels]}
        message = render(self.templates, KIND, note["language"] or settings.default_language, settings,
                         note["email"], context, message_id(key, settings.sender))
        self.folder.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in note["delivery_note"])
        temp = self.folder / f".{self.stem}_{safe}.eml.part"
        data = message.as_bytes()
        temp.write_bytes(data)
        self.temps.append(temp)
        self.pending.append((key, KIND, note["email"], self.stem, data, str(self.folder / temp.name[1:-5])))

    def commit(self) -> None:
        """Queue the new mails durably (before the run commits, so a crash cannot lose them)."""
        if self.pending:
            self.queue.add(self.pending)
        self.queue.close()

    def discard(self) -> None:
        """Drop what this run rendered (dry run or a failed run)."""
        for temp in self.temps:
            temp.unlink(missing_ok=True)
        self.queue.close()


def send_queued(config: Config) -> list[str]:
    """Send every due mail (new ones and earlier failures); lines for the report."""
    queue = MailQueue(config.folder("state"))
    try:
        result: SendResult = send_due(queue, config.mail, config.base)
        counts = queue.counts()
    finally:
        queue.close()
    lines = [f"mails: {result.sent} sent now; {counts['sent']} sent, {counts['queued']} waiting, "
             f"{counts['failed']} failed in all"]
    if result.skipped:
        lines.append(result.skipped)
    lines += [f"mail not sent, will be retried: {failure}" for failure in result.failed]
    return lines


def mail_status(config: Config, retry: bool = False) -> tuple[list[str], bool]:
    """Send what is due (after `retry`, failed mails too); report lines and whether some are failing."""
    queue = MailQueue(config.folder("state"))
    try:
        again = queue.retry_failed() if retry else 0
    finally:
        queue.close()
    lines = ([f"{again} failed mails queued again"] if retry else []) + send_queued(config)
    queue = MailQueue(config.folder("state"))
    try:
        problems = queue.problems()
    finally:
        queue.close()
    lines += [f"{key} to {to}: {attempts} attempts, last error: {error}" for key, to, attempts, error in problems]
    return lines, bool(problems)
