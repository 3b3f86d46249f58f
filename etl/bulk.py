"""Many rows into or out of SQLite in one statement step, through a JSON array.

sqlite3 releases the GIL for every row it steps and needs it back after: `executemany` over 20,000
rows, while another thread of the run works in Python, waits for the GIL 20,000 times (seconds, in
the run's own thread). One `json_each` statement steps once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

BATCH = 50_000  # rows per statement: the JSON text stays a few MB


def insert_rows(db: sqlite3.Connection, into: str, width: int, rows: Iterable[Sequence[Any]],
                verb: str = "INSERT") -> None:
    """`verb INTO into` every row (`width` values each: text, numbers or None), a statement per BATCH rows."""
    columns = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(width))
    sql = f"{verb} INTO {into} SELECT {columns} FROM json_each(?)"
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            _insert(db, sql, f"{verb} INTO {into} VALUES ({', '.join('?' * width)})", batch)
            batch = []
    if batch:
        _insert(db, sql, f"{verb} INTO {into} VALUES ({', '.join('?' * width)})", batch)


def _insert(db: sqlite3.Connection, by_json: str, by_row: str, batch: list[Sequence[Any]]) -> None:
    payload = json.dumps(batch)
    if _NUL in payload:  # json_each ends a text at NUL: such rows go in one by one, exactly
        db.executemany(by_row, batch)
    else:
        db.execute(by_json, (payload,))


def select_rows(db: sqlite3.Connection, columns: Sequence[str], sql: str, params: Sequence[Any] = ()
                ) -> list[list[Any]]:
    """The rows of `SELECT <columns> <sql>` as lists, fetched as one JSON text (exact, NUL included)."""
    row = db.execute(f"SELECT json_group_array(json_array({', '.join(columns)})) {sql}", params).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def select_in(db: sqlite3.Connection, columns: Sequence[str], sql: str, values: Iterable[Any],
              params: Sequence[Any] = ()) -> list[list[Any]]:
    """`select_rows` where `sql` ends in `IN`: the rows whose column is one of `values` (after `params`)."""
    wanted = list(values)
    payload = json.dumps(wanted)
    if _NUL not in payload:
        return select_rows(db, columns, f"{sql} (SELECT value FROM json_each(?))", [*params, payload])
    found = []
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        found += select_rows(db, columns, f"{sql} ({', '.join('?' * len(part))})", [*params, *part])
    return found


_NUL = "\\u0000"  # how json.dumps writes a NUL
