"""Tracking mails of the shipments flow: one per shipped delivery note, exactly once.

The run hands every chunk with the delivery notes it wrote to `take`; new ones are rendered and saved
as `.eml` (etl/mail/batch.py); `send_queued` delivers what is due, of every kind, after publishing.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.config import Config
from etl.i18n import N_
from etl.mail.batch import MailBatch
from etl.mail.held import held_rows
from etl.mail.smtp import SendResult, send_due
from etl.shared.records import Neutral
from etl.state.mail_queue import MailQueue

KIND = "tracking"


class TrackingMails(MailBatch):
    """The tracking mails of one run: one per shipped delivery note and set of parcel numbers."""

    kind = KIND

    def take(self, neutral: Neutral, written: set[str]) -> None:
        """Render the mails of newly shipped delivery notes among `written`."""
        if not self.config.mail.enabled or "shipments" not in neutral:
            return
        # Only the tracked notes with an address, and only the columns a mail uses, become Python rows,
        # a slice at a time (875,000 notes as dicts at once held ~1 GB).
        table = neutral["shipments"]
        due = pc.and_(pc.fill_null(table.column("tracked"), False),
                      pc.fill_null(pc.not_equal(table.column("email"), ""), False))
        table = table.filter(due).select(_NOTE_COLUMNS)
        for start in range(0, table.num_rows, _SLICE):
            self._take_slice(table.slice(start, _SLICE), neutral.get("parcels"), written)

    def _take_slice(self, table: pa.Table, all_parcels: pa.Table | None, written: set[str]) -> None:
        table = table.filter(pc.and_(pc.is_in(table.column("delivery_note"),
                                              value_set=pa.array(list(written), pa.string())),
                                     pc.is_valid(table.column("tracking_number"))))  # a mail's key names both
        mine = None if all_parcels is None else all_parcels.select(_PARCEL_COLUMNS) \
            .filter(pc.is_in(all_parcels.column("delivery_note"), value_set=table.column("delivery_note")))
        rows = held_rows(KIND, self.stem, self._eml, table, mine) if self._unset and table.num_rows else None
        if rows is not None:  # held: made in Arrow, with the text `_render` would make; new ones spooled at once
            self.count += self.queue.spool_held(rows)
            return
        keys = pc.binary_join_element_wise(f"{KIND}:", table.column("delivery_note"), ":",
                                           table.column("tracking_number").cast(pa.string()), "").to_pylist()
        new = self.new_among(keys)
        fresh = [key in new and self.is_new(key, asked=True) for key in keys]
        table = table.filter(pa.array(fresh, pa.bool_()))
        parcels: dict[str, list[dict[str, Any]]] = {}
        mine = None if mine is None else mine.filter(pc.is_in(mine.column("delivery_note"),
                                                              value_set=table.column("delivery_note")))
        for parcel in (mine.to_pylist() if mine is not None else []):
            parcels.setdefault(parcel["delivery_note"], []).append(parcel)
        for key, note in zip([k for k, f in zip(keys, fresh, strict=True) if f], table.to_pylist(), strict=True):
            self._render(key, note, parcels.get(note["delivery_note"], []))

    def _render(self, key: str, note: dict[str, Any], parcels: list[dict[str, Any]]) -> None:
        name = " ".join(p for p in (note["delivery_firstname"], note["delivery_lastname"]) if p) \
            or note["delivery_company"] or ""
        address = ", ".join(p for p in (note["delivery_company"], name, note["delivery_street"],
                                        f"{note['delivery_postcode'] or ''} {note['delivery_city'] or ''}".strip(),
                                        note["delivery_country"]) if p)
        context = {"name": name, "order_id": note["order_id"], "delivery_note": note["delivery_note"],
                   "carrier_name": note["carrier_name"], "address": address, "shipped_at": note["shipped_at"],
                   "parcels": [{"number": p["tracking_number"], "url": p["tracking_url"]} for p in parcels]}
        self.add(key, note["language"], note["email"], context, note["delivery_note"])


_PARCEL_COLUMNS = ["delivery_note", "tracking_number", "tracking_url"]
_SLICE = 50_000  # notes turned into Python rows at a time
_NOTE_COLUMNS = ["delivery_note", "tracking_number", "email", "language", "order_id", "carrier_name", "shipped_at",
                 "delivery_firstname", "delivery_lastname", "delivery_company", "delivery_street",
                 "delivery_postcode", "delivery_city", "delivery_country"]


def send_queued(config: Config) -> list[str]:
    """Send every due mail (new ones and earlier failures); lines for the report."""
    if unset := config.mail.unset():  # mails queued before the rule stay queued until etl.yaml names a sender
        return [N_("mails not sent: etl.yaml sets no {keys}; fill them in under mail: and run `etl mail`").format(
            keys=", ".join(unset))]
    queue = MailQueue(config.folder("state"))
    try:
        result: SendResult = send_due(queue, config.mail, config.base, config.search("templates"))
        counts = queue.counts()
    finally:
        queue.close()
    lines = [N_("mails: {now} sent now; {sent} sent, {waiting} waiting, {failed} failed in all").format(
        now=result.sent, sent=counts["sent"], waiting=counts["queued"], failed=counts["failed"])]
    if result.skipped:
        lines.append(result.skipped)
    lines += [N_("mail not sent, will be retried: {failure}").format(failure=failure) for failure in result.failed]
    return lines


def mail_status(config: Config, retry: bool = False) -> tuple[list[str], bool]:
    """Send what is due (after `retry`, failed mails too); report lines (English, `translate` them) and whether
    some are failing."""
    queue = MailQueue(config.folder("state"))
    try:
        again = queue.retry_failed() if retry else 0
    finally:
        queue.close()
    lines = ([N_("{count} failed mails queued again").format(count=again)] if retry else []) + send_queued(config)
    queue = MailQueue(config.folder("state"))
    try:
        problems = queue.problems()
    finally:
        queue.close()
    lines += [N_("mail {key} to {to}: {attempts} attempts, last error: {error}").format(
        key=key, to=to, attempts=attempts, error=error) for key, to, attempts, error in problems]
    return lines, bool(problems)
