"""The mail queue (`state/mails.sqlite`): every notification once, by its key, until it is sent.

A mail is queued in the same run that writes its shop import, before that run is committed; its key
(e.g. delivery note and parcel numbers) is the primary key, so a rerun, a restart or the same export
dropped again never queues it twice. Sending marks it sent; a failed attempt keeps it queued with
the error, and every later run (or `etl mail`) tries again until `max_attempts`.
With the message, a mail keeps what it is rendered from (language, context as JSON) and the settings it
was rendered with (`rendered_with`): it is rendered again when they changed before it is sent, and a mail
queued while etl.yaml named no sender (held) has no message until then (etl/mail/current.py).
A run puts its mails into `mails` a chunk at a time, its id in `spooling` with the first of them: they are
nobody's to send (nor counted) until the run queues them by dropping that one row before it commits. A run
that fails takes them out again; one that crashed leaves them to the next run (`drop_unfinished`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
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
CREATE TABLE IF NOT EXISTS spooling (run_id TEXT PRIMARY KEY);
"""
_INSERT = ("INSERT OR IGNORE INTO mails (key, kind, recipient, run_id, message, eml, language, context, rendered_with, "
           "status, queued_at) ")
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
        self._spooling: set[str] = set()  # runs whose mails this connection spooled
        self._queued_at = _now()  # one time for a run's mails: they are sent in the order of their keys

    def known(self, key: str) -> bool:
        """Whether a mail with this key was queued before (whatever became of it)."""
        return self.db.execute("SELECT 1 FROM mails WHERE key=?", (key,)).fetchone() is not None

    def known_among(self, keys: list[str]) -> set[str]:
        """Those of `keys` queued before (one query, not one per key)."""
        among, params = in_keys(keys)
        return {row[0] for row in self.db.execute(f"SELECT key FROM mails WHERE key {among}", params)}

    def spool(self, mails: list[NewMail]) -> int:
        """Put `mails` into the queue, not due before `add_spooled` (a run's mails, a chunk at a time, out of
        memory); return how many were new."""
        return self._spooled({m.run_id for m in mails}, "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?", mails)

    def spool_held(self, rows: Iterable[tuple[str, str, str, str, str, str | None, str]]) -> int:
        """Spool held mails (`rows` of key, kind, recipient, run id, eml, language, context) of one run as `spool`;
        return how many were new."""
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return 0
        return self._spooled({first[3]}, "VALUES (?, ?, ?, ?, X'', ?, ?, ?, NULL", chain([first], rows))

    def _spooled(self, run_ids: set[str], values: str, rows: Iterable[tuple[object, ...]]) -> int:
        # the run's mark with its first mails, in one transaction: no mail of a run is ever seen without it
        with transaction(self.db, immediate=True):
            self.db.executemany("INSERT OR IGNORE INTO spooling VALUES (?)", [(r,) for r in sorted(run_ids)])
            before = self.db.total_changes
            # the time is ours (digits and separators): a literal, not a parameter made per row
            self.db.executemany(f"{_INSERT}{values}, 'queued', '{self._queued_at}')", rows)
            added = self.db.total_changes - before
        self._spooling |= run_ids
        return added

    def add_spooled(self) -> None:
        """Queue the mails this connection spooled (as `add`: one transaction, a single row's delete)."""
        if self._spooling:
            with transaction(self.db, immediate=True):
                self.db.executemany("DELETE FROM spooling WHERE run_id=?", [(r,) for r in sorted(self._spooling)])
        self._spooling = set()

    def drop_spooled(self) -> None:
        """Take the mails this connection spooled out again (a dry or failed run), unless queued already."""
        for run_id in sorted(self._spooling):
            with transaction(self.db, immediate=True):
                if self.db.execute("DELETE FROM spooling WHERE run_id=?", (run_id,)).rowcount:
                    self.db.execute("DELETE FROM mails WHERE run_id=?", (run_id,))
        self._spooling = set()

    def drop_unfinished(self) -> None:
        """Take out the mails of runs that never queued them (a crash); only a run, holding the run lock, may."""
        if self.db.execute("SELECT 1 FROM spooling").fetchone() is None:
            return
        with transaction(self.db, immediate=True):
            self.db.execute("DELETE FROM mails WHERE run_id IN (SELECT run_id FROM spooling)")
            self.db.execute("DELETE FROM spooling")

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
                               "context, rendered_with FROM mails WHERE status='queued' AND attempts < ?"
                               f"{self._queued()} ORDER BY queued_at, key", (max_attempts,))
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
        found = dict(self.db.execute(f"SELECT status, COUNT(*) FROM mails WHERE 1{self._queued()} GROUP BY status")
                     .fetchall())
        return {status: found.get(status, 0) for status in ("queued", "sent", "failed")}

    def problems(self) -> list[tuple[str, str, int, str | None]]:
        """Mails not sent yet that have failed at least once: key, recipient, attempts, last error."""
        return self.db.execute("SELECT key, recipient, attempts, last_error FROM mails WHERE status!='sent' "
                               f"AND attempts > 0{self._queued()} ORDER BY key").fetchall()

    def _queued(self) -> str:
        """The condition leaving out mails spooled by a run that has not queued them (none in the usual case)."""
        if self.db.execute("SELECT 1 FROM spooling").fetchone() is None:
            return ""
        return " AND run_id NOT IN (SELECT run_id FROM spooling)"

    def close(self) -> None:
        """Close the database."""
        self.db.close()
