"""The mail queue (`state/mails.sqlite`): every notification once, by its key, until it is sent.

A mail is queued in the same run that writes its shop import, before that run is committed; its key
(e.g. delivery note and parcel numbers) is the primary key, so a rerun, a restart or the same export
dropped again never queues it twice. Sending marks it sent; a failed attempt keeps it queued with
the error, and every later run (or `etl mail`) tries again until `max_attempts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from etl.state.files import MAILS, connect, transaction

MailStatus = Literal["queued", "sent", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mails (
    key TEXT PRIMARY KEY, kind TEXT NOT NULL, recipient TEXT NOT NULL, run_id TEXT NOT NULL,
    message BLOB NOT NULL, eml TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, queued_at TEXT NOT NULL, sent_at TEXT);
"""


@dataclass(frozen=True)
class Mail:
    """One queued mail."""

    key: str
    recipient: str
    message: bytes
    status: MailStatus
    attempts: int
    last_error: str | None


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class MailQueue:
    """Queued, sent and failed mails, kept across runs and crashes."""

    def __init__(self, state: Path) -> None:
        self.db = connect(state / MAILS)
        self.db.executescript(_SCHEMA)

    def known(self, key: str) -> bool:
        """Whether a mail with this key was queued before (whatever became of it)."""
        return self.db.execute("SELECT 1 FROM mails WHERE key=?", (key,)).fetchone() is not None

    def add(self, mails: list[tuple[str, str, str, str, bytes, str]]) -> int:
        """Queue (key, kind, recipient, run id, message, eml path) rows in one transaction; return how many were new."""
        with transaction(self.db, immediate=True):
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO mails (key, kind, recipient, run_id, message, eml, status, queued_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)", [(*m, _now()) for m in mails])
            return self.db.total_changes - before

    def due(self, max_attempts: int) -> list[Mail]:
        """Mails to send now: queued ones with attempts left."""
        rows = self.db.execute("SELECT key, recipient, message, status, attempts, last_error FROM mails "
                               "WHERE status='queued' AND attempts < ? ORDER BY queued_at, key", (max_attempts,))
        return [Mail(*row) for row in rows.fetchall()]

    def sent(self, key: str) -> None:
        """The server accepted the mail."""
        self.db.execute("UPDATE mails SET status='sent', attempts=attempts+1, sent_at=?, last_error=NULL "
                        "WHERE key=?", (_now(), key))

    def attempt_failed(self, key: str, error: str, max_attempts: int) -> None:
        """An attempt failed: keep it queued for later, or mark it failed after the last attempt."""
        self.db.execute("UPDATE mails SET attempts=attempts+1, last_error=?, "
                        "status=CASE WHEN attempts+1 >= ? THEN 'failed' ELSE 'queued' END WHERE key=?",
                        (error, max_attempts, key))

    def retry_failed(self) -> int:
        """Give failed mails a new round of attempts; return how many."""
        return self.db.execute("UPDATE mails SET status='queued', attempts=0 WHERE status='failed'").rowcount

    def counts(self) -> dict[str, int]:
        """How many mails are queued, sent and failed."""
        found = dict(self.db.execute("SELECT status, COUNT(*) FROM mails GROUP BY status").fetchall())
        return {status: found.get(status, 0) for status in ("queued", "sent", "failed")}

    def problems(self) -> list[tuple[str, str, int, str | None]]:
        """Mails not sent yet that have failed at least once: key, recipient, attempts, last error."""
        return self.db.execute("SELECT key, recipient, attempts, last_error FROM mails WHERE status!='sent' "
                               "AND attempts > 0 ORDER BY key").fetchall()

    def close(self) -> None:
        """Close the database."""
        self.db.close()
