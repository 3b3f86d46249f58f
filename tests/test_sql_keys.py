"""Keys looked up in SQLite through one JSON parameter match as bound parameters would, however many."""

from __future__ import annotations

import sqlite3
import tempfile
from functools import partial
from pathlib import Path
from unittest.mock import patch

from hypothesis import example, given, settings
from hypothesis import strategies as st

from etl.state.ledger import Ledger
from etl.state.sql_keys import in_keys, key_batches

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)  # sqlite3 cannot bind lone surrogates


def _table(stored: set[str]) -> sqlite3.Connection:
    db = sqlite3.connect("")
    db.execute("CREATE TABLE t (key TEXT PRIMARY KEY) WITHOUT ROWID")
    db.executemany("INSERT INTO t VALUES (?)", [(key,) for key in stored])
    return db


@settings(max_examples=200, deadline=None)
@given(stored=st.sets(texts, max_size=12), asked=st.lists(texts, max_size=12))
@example(stored={"a\x00b", "\x00", "a"}, asked=["a\x00b", "\x00"])  # JSON in SQLite ends a text at \u0000
def test_in_and_not_in_match_every_text_key(stored: set[str], asked: list[str]) -> None:
    db = _table(stored)
    among, params = in_keys(asked)
    assert {row[0] for row in db.execute(f"SELECT key FROM t WHERE key {among}", params)} == stored & set(asked)
    assert {row[0] for row in db.execute(f"SELECT key FROM t WHERE key NOT {among}", params)} == stored - set(asked)


def test_more_keys_than_sqlite_takes_parameters() -> None:
    db = _table({f"k{i}" for i in range(0, 80_000, 2)})
    among, params = in_keys(f"k{i}" for i in range(80_000))  # SQLite binds at most 32,766 parameters
    assert db.execute(f"SELECT count(*) FROM t WHERE key {among}", params).fetchone()[0] == 40_000
    assert len(params) == 1


def test_a_number_column_compares_the_keys_as_numbers() -> None:
    db = sqlite3.connect("")
    db.execute("CREATE TABLE n (id INTEGER)")
    db.executemany("INSERT INTO n VALUES (?)", [(1,), (2,), (10,)])
    among, params = in_keys(["1", "10", "x"])
    assert [r[0] for r in db.execute(f"SELECT id FROM n WHERE id {among} ORDER BY id", params)] == [1, 10]


@settings(max_examples=50, deadline=None)
@given(records=st.lists(texts, max_size=40), size=st.sampled_from([1, 3, 50_000]))
@example(records=["a\x00b", "\x00", "a", "1", "01"], size=2)
def test_the_ledger_keeps_every_written_record_batched_as_json(records: list[str], size: int) -> None:
    """Records go into the ledger a JSON batch at a time (keys with a NUL one by one): all of them, as text."""
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(Path(folder))
        with patch("etl.state.ledger.key_batches", partial(key_batches, size=size)):
            ledger.commit_run("r1", "shipments", "start", "ok", "{}", [("sha-done", "a.csv"), ("sha-part", "b.csv")],
                              records=records, incomplete={"sha-part"}, per_input=True)
        assert ledger.records_seen("shipments", [*records, "other"]) == dict.fromkeys(records, "r1")
        assert ledger.written_from("sha-part", "shipments", [*records, "other"]) == set(records)
        assert ledger.written_from("sha-done", "shipments", records) == set()
        ledger.close()
