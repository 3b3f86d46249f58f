"""The mail queue (`state/mails.sqlite`): every notification once, by its key, until it is sent.

A mail is queued in the same run that writes its shop import, before that run is committed; its key
(e.g. delivery note and parcel numbers) is the primary key, so a rerun, a restart or the same export
dropped again never queues it twice. Sending marks it sent; a failed attempt keeps it queued with
the error, and every later run (or `etl mail`) tries again until `max_attempts`.
With the message, a mail keeps what it is rendered from (language, context as JSON) and the settings it
was rendered with (`rendered_with`): it is rendered again when they changed before it is sent, and a mail
queued while etl.yaml named no sender (held) has no message until then (etl/mail/current.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, NamedTuple

from etl.state.files import MAILS, connect, transaction
from etl.state.sql_keys import in_keys

MailStatus = Literal["queued", "sent", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mails (
    key TEXT PRIMARY KEY, kind TEXT NOT NULL, recipient TEXT NOT NULL, run_id TEXT NOT NULL,
    message BLOB NOT NULL, eml TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, queued_at TEXT NOT NULL, sent_at TEXT);
"""
_SPOOL = ("CREATE TEMP TABLE IF NOT EXISTS spool (key TEXT PRIMARY KEY, kind TEXT, recipient TEXT, run_id TEXT, "
          "message BLOB, eml TEXT, language TEXT, context TEXT, rendered_with TEXT)")
_RENDERED_FROM = ("language", "context", "rendered_with")  # columns a queue of an older version lacks


@dataclass(frozen=True)
class Mail:
    """One queued mail."""

    key: str
    recipient: str
    message: bytes
    status: MailStatus
    attempts: int
    last_error: str | None
    kind: str = ""
    eml: str | None = None
    language: str | None = None
    context: str | None = None  # JSON; None: queued by an older version, sent as it was rendered
    rendered_with: str | None = None  # the settings' fingerprint of `message`; None: not rendered (held)


class NewMail(NamedTuple):
    """A mail to queue: its message (empty while held) and what it is rendered from."""

    key: str
    kind: str
    recipient: str
    run_id: str
    message: bytes
    eml: str
    language: str | None
    context: str
    rendered_with: str | None


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class MailQueue:
    """Queued, sent and failed mails, kept across runs and crashes."""

    def __init__(self, state: Path) -> None:
        self.db = connect(state / MAILS)
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(mails)")}
        for column in _RENDERED_FROM:
            if column not in columns:
                self.db.execute(f"ALTER TABLE mails ADD COLUMN {column} TEXT")

    def known(self, key: str) -> bool:
        """Whether a mail with this key was queued before (whatever became of it)."""
        return self.db.execute("SELECT 1 FROM mails WHERE key=?", (key,)).fetchone() is not None

    def known_among(self, keys: list[str]) -> set[str]:
        """Those of `keys` queued before (one query, not one per key)."""
        among, params = in_keys(keys)
        return {row[0] for row in self.db.execute(f"SELECT key FROM mails WHERE key {among}", params)}

    def spool(self, mails: list[NewMail]) -> int:
        """Keep `mails` for `add_spooled` (a run's mails, a chunk at a time, out of memory); return how many were new.

        The spool is a temporary table of this connection: a crash or `close` before `add_spooled` drops it.
        """
        self.db.execute(_SPOOL)
        before = self.db.total_changes
        with transaction(self.db):  # one transaction: in autocommit every row was one, journal and all (~35 %)
            self.db.executemany("INSERT OR IGNORE INTO temp.spool VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", mails)
        return self.db.total_changes - before

    def spool_held(self, rows: Iterable[tuple[str, str, str, str, str, str | None, str]]) -> int:
        """Spool held mails (`rows` of key, kind, recipient, run id, eml, language, context) not queued or spooled
        before; return how many were new.

        Asked and spooled in one statement per row: a key queued before (or earlier in `rows`) is left out.
        """
        self.db.execute(_SPOOL)
        before = self.db.total_changes
        with transaction(self.db):
            self.db.executemany(
                "INSERT OR IGNORE INTO temp.spool (key, kind, recipient, run_id, message, eml, language, context, "
                "rendered_with) SELECT ?1, ?2, ?3, ?4, X'', ?5, ?6, ?7, NULL "
                "WHERE NOT EXISTS (SELECT 1 FROM main.mails WHERE key = ?1)", rows)
        return self.db.total_changes - before

    def spooled_among(self, keys: list[str]) -> set[str]:
        """Those of `keys` spooled by this connection."""
        self.db.execute(_SPOOL)
        among, params = in_keys(keys)
        return {row[0] for row in self.db.execute(f"SELECT key FROM temp.spool WHERE key {among}", params)}

    def add_spooled(self) -> int:
        """Queue the spooled mails in one transaction (as `add`) and empty the spool; return how many were new."""
        self.db.execute(_SPOOL)
        with transaction(self.db, immediate=True):
            before = self.db.total_changes
            self.db.execute("INSERT OR IGNORE INTO mails (key, kind, recipient, run_id, message, eml, language, "
                            "context, rendered_with, status, queued_at) SELECT key, kind, recipient, run_id, message, "
                            "eml, language, context, rendered_with, 'queued', ? FROM temp.spool", (_now(),))
            added = self.db.total_changes - before
        self.db.execute("DELETE FROM temp.spool")
        return added

    def add(self, mails: list[NewMail]) -> int:
        """Queue `mails` in one transaction; return how many were new."""
        with transaction(self.db, immediate=True):
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO mails (key, kind, recipient, run_id, message, eml, language, context, "
                "rendered_with, status, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
                [(*m, _now()) for m in mails])
            return self.db.total_changes - before

    def due(self, max_attempts: int) -> list[Mail]:
        """Mails to send now: queued ones with attempts left."""
        rows = self.db.execute("SELECT key, recipient, message, status, attempts, last_error, kind, eml, language, "
                               "context, rendered_with FROM mails WHERE status='queued' AND attempts < ? "
                               "ORDER BY queued_at, key", (max_attempts,))
        return [Mail(*row) for row in rows.fetchall()]

    def rendered(self, key: str, message: bytes, rendered_with: str) -> None:
        """The mail `key` rendered anew (with the settings of fingerprint `rendered_with`)."""
        self.db.execute("UPDATE mails SET message=?, rendered_with=? WHERE key=?", (message, rendered_with, key))

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
