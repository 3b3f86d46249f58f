"""The delta state (etl/state/delta.py) alone: hashes as earlier versions stored them, vanished rows, refusals."""

from __future__ import annotations

import hashlib
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
