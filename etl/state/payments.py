"""What the payment-requests flow remembers between runs (`state/payments.sqlite`).

Reminders are due by the calendar, not by a new export: every open order the shop's open-orders export
listed is kept here, so a run without a new export (or with the same export, skipped by its hash) still
sends the reminders that fell due. The newest export is the truth: an order it lists as paid or
cancelled, or no longer lists at all, is closed and gets no further mail. For each mail, the day it was
queued; a level counts as mailed only once the ledger has its request (committed with the run), so a
run that dies before its commit is no reason to skip a level.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral
from etl.state.files import PAYMENTS, connect, transaction
from etl.state.ledger import Ledger
from etl.state.sql_keys import in_keys
from etl.transform.layout import SourceLayout

FLOW = "payment-requests"
REMEMBERED = f"state/{PAYMENTS}"  # the `_file` of records recalled from here, not read from an export
_SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    order_id TEXT PRIMARY KEY, record TEXT NOT NULL, open INTEGER NOT NULL, closed_why TEXT, seen_on TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mailings (
    order_id TEXT NOT NULL, level INTEGER NOT NULL, mailed_on TEXT NOT NULL, PRIMARY KEY (order_id, level));
"""


def today() -> date:
    """The day the run works with (tests set their own clock here)."""
    return date.today()


def _connect(state: Path) -> sqlite3.Connection:
    db = connect(state / PAYMENTS)
    db.executescript(_SCHEMA)
    return db


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def is_open(layout: SourceLayout, row: dict[str, Any]) -> bool:
    """Whether the export calls the order's payment open and the order itself not closed."""
    return (row["payment_status"] in layout.options.get("open_payment", ["open"])
            and row["status"] not in layout.options.get("closed_orders", ["cancelled"]))


def recall(state: Path, layout: SourceLayout, run_id: str) -> Iterator[Chunk]:
    """The orders still open as the last export listed them, as one chunk (when no new export came in)."""
    if not (state / PAYMENTS).is_file():
        return
    db = _connect(state)
    try:
        records = [json.loads(text) for (text,) in db.execute("SELECT record FROM payments WHERE open=1 "
                                                              "ORDER BY order_id").fetchall()]
    finally:
        db.close()
    fields = schema("payment_requests")
    rows = []
    for line, record in enumerate(records, 1):
        row = {name: record.get(name) for name in fields.names}
        row["order_date"] = datetime.fromisoformat(row["order_date"]) if row["order_date"] else None
        row["amount"] = Decimal(row["amount"]) if row["amount"] is not None else None
        row.update(_file=REMEMBERED, _line=line, _run=run_id)
        rows.append(row)
    if rows:
        yield Chunk({"payment_requests": pa.Table.from_pylist(rows, fields)}, records_in=len(rows))


def last_mails(state: Path, ledger: Ledger, order_ids: list[str]) -> dict[str, tuple[int, date]]:
    """Per order: the highest level mailed in a committed run, and the day it was mailed."""
    if not order_ids or not (state / PAYMENTS).is_file():
        return {}
    db = _connect(state)
    try:
        mailed: dict[str, dict[int, date]] = {}
        among, params = in_keys(order_ids)
        rows = db.execute(f"SELECT order_id, level, mailed_on FROM mailings WHERE order_id {among}", params).fetchall()
        for order_id, level, day in rows:
            mailed.setdefault(order_id, {})[level] = date.fromisoformat(day)
    finally:
        db.close()
    keys = [f"{order}-{level}" for order, levels in mailed.items() for level in levels]
    committed = ledger.records_seen(FLOW, keys)
    last: dict[str, tuple[int, date]] = {}
    for order, levels in mailed.items():
        done = [level for level in levels if f"{order}-{level}" in committed]
        if done:
            last[order] = (max(done), levels[max(done)])
    return last


class PaymentMemory:
    """The updates one run makes to `state/payments.sqlite`, written when its mails are queued."""

    def __init__(self, state: Path, layout: SourceLayout) -> None:
        self.state = state
        self.layout = layout
        self.seen: dict[str, dict[str, Any]] = {}  # order id -> the newest export's record
        self.exported = False
        self.mailed: list[tuple[str, int]] = []

    def observe(self, neutral: Neutral) -> None:
        """Keep the records of a new export (recalled records are no news)."""
        for row in neutral.get("payment_requests", pa.table({})).to_pylist():
            if row["_file"] != REMEMBERED:
                self.exported = True
                self.seen[row["order_id"]] = {k: _encode(v) for k, v in row.items() if not k.startswith("_")}

    def written(self, neutral: Neutral, keys: set[str]) -> None:
        """Note the requests written (and so mailed) in this chunk."""
        for row in neutral.get("payment_requests", pa.table({})).to_pylist():
            if row["request_id"] in keys:
                self.mailed.append((row["order_id"], row["level"]))

    def commit(self) -> list[str]:
        """Save what the export said and the day of each mail; return notes for the report."""
        day = today().isoformat()
        db = _connect(self.state)
        try:
            with transaction(db, immediate=True):
                closed = 0
                if self.exported:  # the newest export lists every open order: the others are closed now
                    before = db.total_changes
                    among, params = in_keys(self.seen)
                    db.execute(f"UPDATE payments SET open=0, closed_why='no longer in the open-orders export' "
                               f"WHERE open=1 AND order_id NOT {among}", params)
                    closed = db.total_changes - before
                for order_id, record in self.seen.items():
                    still = is_open(self.layout, record)
                    why = None if still else f"payment {record['payment_status']}, order {record['status']}"
                    db.execute("INSERT OR REPLACE INTO payments VALUES (?, ?, ?, ?, ?)",
                               (order_id, json.dumps(record, ensure_ascii=False), int(still), why, day))
                db.executemany("INSERT OR REPLACE INTO mailings VALUES (?, ?, ?)",
                               [(order, level, day) for order, level in self.mailed])
                still_open = db.execute("SELECT COUNT(*) FROM payments WHERE open=1").fetchone()[0]
        finally:
            db.close()
        notes = [f"open payments remembered: {still_open}"]
        if closed:
            notes.append(f"{closed} orders no longer open (not in the newer export): no more reminders")
        return notes
