"""The keys of the records a run wrote, kept outside Python's memory until the ledger commits them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator


class WrittenKeys:
    """A set of record keys in a private temporary SQLite database (spilled to a temp file when large).

    A list of every written key grew with the input (a 10M-line run writes about a million orders), and
    each chunk's "written before in this run?" check rebuilt a set of them all; here both stay flat.
    """

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # "": a temporary database of this connection alone
        self.db.execute("CREATE TABLE written (key TEXT PRIMARY KEY) WITHOUT ROWID")

    def __iadd__(self, keys: Iterable[str]) -> WrittenKeys:
        self.db.executemany("INSERT OR IGNORE INTO written VALUES (?)", ((key,) for key in keys))
        return self

    def seen(self, keys: Iterable[str]) -> set[str]:
        """Of `keys`, those written in this run."""
        wanted = list(keys)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            rows = self.db.execute(f"SELECT key FROM written WHERE key IN ({','.join('?' * len(part))})", part)
            found.update(row[0] for row in rows)
        return found

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self.db.execute("SELECT key FROM written"))

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM written").fetchone()[0])

    def close(self) -> None:
        """Drop the keys (the temp file goes with the connection)."""
        self.db.close()
