"""What `etl watch` told the merchant by mail (`state/notify.sqlite`): each event once, a mail per kind now and then.

An event is kept from when it is seen until a mail naming it was accepted by the server; events of a kind
whose last mail is recent wait, gathered, for the next one. Kept across restarts of the watcher.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from etl.state.files import NOTIFY, connect, transaction
from etl.state.sql_keys import in_keys

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    key TEXT PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL, file TEXT NOT NULL, reason TEXT NOT NULL,
    mailed TEXT);
CREATE TABLE IF NOT EXISTS last_mail (kind TEXT PRIMARY KEY, at REAL NOT NULL);
"""


@dataclass(frozen=True)
class Event:
    """One thing the merchant hears of: `key` is where it is (a refused input, relative to the error folder)."""

    key: str
    kind: str
    at: str  # when it happened (ISO)
    file: str  # the input's name
    reason: str  # in English, as the reason file holds it


class NotifyLog:
    """The events seen and mailed, and when each kind was last mailed."""

    def __init__(self, state: Path) -> None:
        self.db = connect(state / NOTIFY)
        self.db.executescript(_SCHEMA)

    def add(self, events: Iterable[Event]) -> int:
        """Keep events not seen before; how many were new."""
        with transaction(self.db):
            before = self.db.total_changes
            self.db.executemany("INSERT OR IGNORE INTO events (key, kind, at, file, reason) VALUES (?, ?, ?, ?, ?)",
                                [(e.key, e.kind, e.at, e.file, e.reason) for e in events])
            return self.db.total_changes - before

    def known(self, keys: Iterable[str]) -> set[str]:
        """Of `keys`, those seen before."""
        among, params = in_keys(keys)
        return {row[0] for row in self.db.execute(f"SELECT key FROM events WHERE key {among}", params)}

    def waiting(self) -> dict[str, list[Event]]:
        """The events not mailed yet, by kind, oldest first."""
        waiting: dict[str, list[Event]] = {}
        rows = self.db.execute("SELECT key, kind, at, file, reason FROM events WHERE mailed IS NULL ORDER BY at, key")
        for row in rows:
            waiting.setdefault(row[1], []).append(Event(*row))
        return waiting

    def last_mail(self, kind: str) -> float | None:
        """When (epoch seconds) a mail of `kind` was last sent, or None."""
        row = self.db.execute("SELECT at FROM last_mail WHERE kind=?", (kind,)).fetchone()
        return float(row[0]) if row else None

    def mailed(self, kind: str, events: Iterable[Event], at: float) -> None:
        """`events` went out in a mail of `kind` at `at`."""
        stamp = datetime.fromtimestamp(at).isoformat(timespec="seconds")
        with transaction(self.db):
            self.db.executemany("UPDATE events SET mailed=? WHERE key=?", [(stamp, e.key) for e in events])
            self.db.execute("INSERT OR REPLACE INTO last_mail VALUES (?, ?)", (kind, at))

    def close(self) -> None:
        """Close the database."""
        self.db.close()
