"""The keys of the records a run wrote, kept outside Python's memory until the ledger commits them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from etl.bulk import BATCH, insert_rows, select_in, select_rows


class WrittenKeys:
    """A set of record keys in a private temporary SQLite database (spilled to a temp file when large).

    A list of every written key grew with the input (a 10M-line run writes about a million orders), and
    each chunk's "written before in this run?" check rebuilt a set of them all; here both stay flat.
    """

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # "": a temporary database of this connection alone
        self.db.execute("CREATE TABLE written (key TEXT PRIMARY KEY) WITHOUT ROWID")

    def __iadd__(self, keys: Iterable[str]) -> WrittenKeys:
        insert_rows(self.db, "written", 1, ((key,) for key in keys), verb="INSERT OR IGNORE")
        return self

    def seen(self, keys: Iterable[str]) -> set[str]:
        """Of `keys`, those written in this run."""
        rows = select_in(self.db, ["key"], "FROM written WHERE key IN", keys)
        return {row[0] for row in rows}

    def __iter__(self) -> Iterator[str]:
        after: str | None = None  # in pages by key: all of them at once would not stay flat
        while rows := select_rows(self.db, ["key"], "FROM (SELECT key FROM written WHERE ? IS NULL OR key > ? "
                                  f"ORDER BY key LIMIT {BATCH})", [after, after]):
            yield from (row[0] for row in rows)
            after = rows[-1][0]

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM written").fetchone()[0])

    def close(self) -> None:
        """Drop the keys (the temp file goes with the connection)."""
        self.db.close()
