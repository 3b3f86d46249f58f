"""The delta state (etl/state/delta.py) alone: hashes as earlier versions stored them, vanished rows, refusals."""

from __future__ import annotations

import hashlib
import sqlite3
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from etl.shared.model import schema
from etl.state.delta import DeltaState


def _stock(*rows: tuple[str | None, str, str]) -> pa.Table:
    return pa.Table.from_pylist([{"sku": sku, "warehouse": warehouse, "quantity": Decimal(quantity),
                                  "_file": "s.csv", "_line": line, "_run": "r"}
                                 for line, (sku, warehouse, quantity) in enumerate(rows, 2)], schema=schema("stock"))


def _run(folder: Path, table: pa.Table, refused: frozenset[str] = frozenset()) -> pa.Table:
    state = DeltaState(folder, "stock")
    try:
        out, _ = state.changed({"stock": table}, "stock", vanished={"stock": "quantity"})
        state.forget(set(refused))
        state.commit()
        return out["stock"]
    finally:
        state.close()


def test_hashes_are_those_earlier_versions_stored(tmp_path: Path) -> None:
    # sha256 of the row's text (values apart by RS, null as NUL): a state file of an earlier version still holds
    odd = _stock(("Außen☃\x00\x1e", "L\"1", "-5.25"), ("A", "", "0"))
    _run(tmp_path, odd)
    state = DeltaState(tmp_path, "stock")
    stored = state.db.execute("SELECT key, hash FROM hashes ORDER BY key").fetchall()
    state.close()
    texts = {"A\x1f": "A\x1e\x1e0.0000", "Außen☃\x00\x1e\x1fL\"1": "Außen☃\x00\x1e\x1eL\"1\x1e-5.2500"}
    assert stored == [(key, hashlib.sha256(text.encode()).hexdigest()[:32]) for key, text in sorted(texts.items())]
    assert _run(tmp_path, odd).num_rows == 0  # unchanged: nothing sent


def test_a_vanished_warehouse_comes_back_once_after_its_article(tmp_path: Path) -> None:
    _run(tmp_path, _stock(("A", "L1", "1"), ("A", "L2", "2"), ("A1", "L1", "3"), ("B", "L1", "4")))
    # A's L2 is gone; A1 (a number A begins) and B are not in this chunk: their rows are not vanished
    out = _run(tmp_path, _stock(("A", "L1", "5"), ("C", "L1", "6")))
    assert [(r["sku"], r["warehouse"], r["quantity"], r["_file"]) for r in out.to_pylist()] == [
        ("A", "L1", Decimal(5), "s.csv"), ("A", "L2", Decimal(0), "(no longer exported)"),
        ("C", "L1", Decimal(6), "s.csv")]
    # sent once: forgotten after the commit
    assert _run(tmp_path, _stock(("A", "L1", "5"), ("C", "L1", "6"))).num_rows == 0


def test_a_refused_record_is_sent_again(tmp_path: Path) -> None:
    rows = _stock(("A", "L1", "1"), ("A", "L2", "2"), ("B", "L1", "4"))
    assert _run(tmp_path, rows, refused=frozenset({"A"})).num_rows == 3
    assert [r["sku"] for r in _run(tmp_path, rows).to_pylist()] == ["A", "A"]
    assert _run(tmp_path, rows).num_rows == 0


def test_a_state_file_of_an_earlier_version_is_migrated_and_still_compared(tmp_path: Path) -> None:
    # the table as earlier versions made it: rows by rowid beside a key index
    (tmp_path / "delta.sqlite").unlink(missing_ok=True)
    db = sqlite3.connect(tmp_path / "delta.sqlite")
    db.execute("CREATE TABLE hashes (flow TEXT NOT NULL, entity TEXT NOT NULL, key TEXT NOT NULL, "
               "hash TEXT NOT NULL, PRIMARY KEY (flow, entity, key))")
    db.close()
    rows = _stock(("A", "L1", "1"), ("B", "L1", "2"))
    _run(tmp_path, rows)
    stored = _hashes(tmp_path)
    # the same hashes in a table of the old shape, as an earlier version left them
    db = sqlite3.connect(tmp_path / "delta.sqlite")
    db.execute("DROP TABLE hashes")
    db.execute("CREATE TABLE hashes (flow TEXT NOT NULL, entity TEXT NOT NULL, key TEXT NOT NULL, "
               "hash TEXT NOT NULL, PRIMARY KEY (flow, entity, key))")
    db.executemany("INSERT INTO hashes VALUES ('stock', 'stock', ?, ?)", stored)
    db.commit()
    db.close()
    assert _run(tmp_path, rows).num_rows == 0  # nothing changed: nothing sent
    db = sqlite3.connect(tmp_path / "delta.sqlite")
    assert "WITHOUT ROWID" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'hashes'").fetchone()[0]
    db.close()
    assert _hashes(tmp_path) == stored
    out = _run(tmp_path, _stock(("A", "L1", "1"), ("B", "L1", "3")))
    assert [(r["sku"], r["quantity"]) for r in out.to_pylist()] == [("B", Decimal(3))]


def test_a_run_that_is_not_committed_leaves_nothing(tmp_path: Path) -> None:
    before, after = _stock(("A", "L1", "1"), ("B", "L1", "2")), _stock(("A", "L1", "1"), ("B", "L1", "5"))
    for rows, sent in ((before, 2), (after, 1)):  # a first run, then a later one with a change
        state = DeltaState(tmp_path, "stock")
        out, _ = state.changed({"stock": rows}, "stock", vanished={"stock": "quantity"})
        assert out["stock"].num_rows == sent
        kept = _hashes(tmp_path)
        state.close()  # failed before its commit
        assert _hashes(tmp_path) == kept
        assert _run(tmp_path, rows).num_rows == sent  # sent again in full
    assert _hashes(tmp_path) != kept


def test_a_key_sent_twice_in_a_run_keeps_its_last_hash(tmp_path: Path) -> None:
    _run(tmp_path, _stock(("A", "L1", "1"), ("B", "L1", "1")))
    # a later run: A changed then as before, in one chunk; B as before then changed, in two chunks
    state = DeltaState(tmp_path, "stock")
    first, _ = state.changed({"stock": _stock(("A", "L1", "2"), ("A", "L1", "1"), ("B", "L1", "1"))}, "stock")
    second, _ = state.changed({"stock": _stock(("B", "L1", "2"))}, "stock")
    state.commit()
    state.close()
    assert [(r["sku"], r["quantity"]) for r in first["stock"].to_pylist()] == [("A", Decimal(2))]
    assert second["stock"].num_rows == 1
    assert _run(tmp_path, _stock(("A", "L1", "1"), ("B", "L1", "2"))).num_rows == 0
    # across chunks: A changed, then as before (its last hash is the stored one again)
    state = DeltaState(tmp_path, "stock")
    state.changed({"stock": _stock(("A", "L1", "2"))}, "stock")
    state.changed({"stock": _stock(("A", "L1", "1"))}, "stock")
    state.commit()
    state.close()
    assert _run(tmp_path, _stock(("A", "L1", "1"), ("B", "L1", "2"))).num_rows == 0


def test_a_refused_change_of_a_later_run_is_sent_again(tmp_path: Path) -> None:
    _run(tmp_path, _stock(("A", "L1", "1"), ("B", "L1", "1")))
    changed = _stock(("A", "L1", "2"), ("B", "L1", "2"))
    assert _run(tmp_path, changed, refused=frozenset({"A"})).num_rows == 2
    assert [r["sku"] for r in _run(tmp_path, changed).to_pylist()] == ["A"]


def _hashes(folder: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(folder / "delta.sqlite")
    try:
        return db.execute("SELECT key, hash FROM hashes ORDER BY key").fetchall()
    finally:
        db.close()
