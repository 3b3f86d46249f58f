"""The keys of the records a run wrote, kept outside Python's memory until the ledger commits them."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Iterator

from etl.state.sql_keys import key_batches, keys_source

_NAMES = itertools.count(1)


class WrittenKeys:
    """A set of record keys in a temporary table: the ledger's own (`db`), or a private database's.

    A list of every written key grew with the input (a 10M-line run writes about a million orders), and
    each chunk's "written before in this run?" check rebuilt a set of them all; here both stay flat.
    On the ledger's connection the commit copies them in one statement (`Ledger.commit_run`): read back
    and sent again as JSON they cost more than their inserts. The keys go in a chunk at a time, appended
    to a table without an index until a first `seen` asks for one: a flow that never asks (every flow
    but those writing once per record) pays one sort at the commit, not a B-tree insert per key.
    """

    def __init__(self, db: sqlite3.Connection | None = None) -> None:
        self.db = sqlite3.connect("") if db is None else db  # "": a temporary database of this connection alone
        self.owned = db is None
        # Larger pages than the 4 KB default: a B-tree of ~10% less CPU per key (set before the first temp table).
        self.db.execute("PRAGMA temp.page_size = 16384")
        self.table = f"temp.written_keys_{next(_NAMES)}"
        self.indexed = False
        self.db.execute(f"CREATE TABLE {self.table} (key TEXT NOT NULL)")

    def __iadd__(self, keys: Iterable[str]) -> WrittenKeys:
        verb = "INSERT OR IGNORE" if self.indexed else "INSERT"
        # In key order into the B-tree: it takes sorted keys page by page (3.6M keys: 22.5 s unsorted, 4.6 s sorted).
        order = " ORDER BY value" if self.indexed else ""
        for text, odd in key_batches(keys):
            self.db.execute(f"{verb} INTO {self.table} SELECT value FROM json_each(?){order}", (text,))
            self.db.executemany(f"{verb} INTO {self.table} VALUES (?)", ((key,) for key in odd))
        return self

    def _index(self) -> None:
        """From here on a B-tree by key: built once from what is there, sorted, then kept key by key."""
        if self.indexed:
            return
        log, self.table = self.table, f"temp.written_keys_{next(_NAMES)}"
        self.db.execute(f"CREATE TABLE {self.table} (key TEXT PRIMARY KEY) WITHOUT ROWID")
        self.db.execute(f"INSERT OR IGNORE INTO {self.table} SELECT key FROM {log} ORDER BY key")
        self.db.execute(f"DROP TABLE {log}")
        self.indexed = True

    def seen(self, keys: Iterable[str]) -> set[str]:
        """Of `keys`, those written in this run."""
        self._index()
        source, params = keys_source(keys)
        rows = self.db.execute(f"SELECT w.key FROM {source} AS j JOIN {self.table} AS w ON w.key = j.value", params)
        return {row[0] for row in rows}

    def distinct(self) -> str:
        """A query of every key once, in key order (for a statement on the same connection)."""
        return f"SELECT key FROM {self.table}" + ("" if self.indexed else " GROUP BY key")

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self.db.execute(self.distinct()))

    def __len__(self) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM ({self.distinct()})").fetchone()[0])

    def close(self) -> None:
        """Let go of the keys: a private database is closed, a table on the ledger's connection is left to it.

        A DROP frees the table's pages one by one (0.5 s for 3.6M keys); the ledger's connection, closed at the
        end of the run, throws its temporary database away whole.
        """
        if self.owned:
            self.db.close()
