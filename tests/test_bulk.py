"""Rows through SQLite in one statement: exactly what went in comes out, whatever the text."""

from __future__ import annotations

import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from etl.bulk import insert_rows, select_in, select_rows

TEXT = st.text(max_size=12)  # NUL, quotes, backslashes, umlauts, emoji included


@given(st.lists(st.tuples(TEXT, st.one_of(st.none(), st.integers(-2**53, 2**53), TEXT)), max_size=40),
       st.lists(TEXT, max_size=20))
def test_rows_go_in_and_come_out_exactly(rows: list[tuple[str, object]], asked: list[str]) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (k TEXT, v)")
    insert_rows(db, "t", 2, rows)
    assert sorted(map(tuple, select_rows(db, ["k", "v"], "FROM t")), key=repr) == sorted(rows, key=repr)
    found = select_in(db, ["k"], "FROM t WHERE k IN", asked)
    assert sorted(row[0] for row in found) == sorted(k for k, _ in rows if k in set(asked))
