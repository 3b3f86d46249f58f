"""The keys of the records a run wrote, kept outside Python's memory until the ledger commits them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from etl.state.sql_keys import in_keys, key_batches

# Keys held in a set before they go into the database (~0.2 MB, a few chunks' orders). 50,000 and 10,000
# kept ~5 MB and ~3 MB more from a few hundred thousand lines on, which a short run never reached (the
# peak grew with the input).
SPILL = 2_000


class WrittenKeys:
    """A set of record keys: the latest in memory, the rest in a private temporary SQLite database.

    A list of every written key grew with the input (a 10M-line run writes about a million orders), and
    each chunk's "written before in this run?" check rebuilt a set of them all; here both stay flat.
    The keys go into the database in batches: sqlite3 lets go of the GIL for every row it inserts, and
    each time the run's thread waited for the other stages to hand it back.
    """

    def __init__(self, spill: int = SPILL) -> None:
        self.spill = spill
        self.db = sqlite3.connect("")  # "": a temporary database of this connection alone
        self.db.execute("CREATE TABLE written (key TEXT PRIMARY KEY) WITHOUT ROWID")
        self._recent: set[str] = set()
        self._spilled = False

    def __iadd__(self, keys: Iterable[str]) -> WrittenKeys:
        self._recent.update(keys)
        if len(self._recent) > self.spill:
            self._spill()
        return self

    def _spill(self) -> None:
        if self._recent:
            # In key order: a B-tree takes sorted keys page by page (3.6M keys: 22.5 s unsorted, 4.6 s sorted).
            for text, odd in key_batches(sorted(self._recent)):
                self.db.execute("INSERT OR IGNORE INTO written SELECT value FROM json_each(?)", (text,))
                self.db.executemany("INSERT OR IGNORE INTO written VALUES (?)", ((key,) for key in odd))
            self._recent, self._spilled = set(), True

    def seen(self, keys: Iterable[str]) -> set[str]:
        """Of `keys`, those written in this run."""
        wanted = list(keys)
        found = self._recent.intersection(wanted)
        if not self._spilled:
            return found
        among, params = in_keys(wanted)
        rows = self.db.execute(f"SELECT key FROM written WHERE key {among}", params)
        found.update(row[0] for row in rows)
        return found

    def __iter__(self) -> Iterator[str]:
        self._spill()
        return (row[0] for row in self.db.execute("SELECT key FROM written"))

    def __len__(self) -> int:
        self._spill()
        return int(self.db.execute("SELECT count(*) FROM written").fetchone()[0])

    def close(self) -> None:
        """Drop the keys (the temp file goes with the connection)."""
        self._recent.clear()
        self.db.close()
