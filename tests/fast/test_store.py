"""The store of large export sets: a set staged batch by batch says what `read_tables` says, and reads back whole.

Fed the bundled GS-Office catalog sample (cp1252, decimal commas, a quoted line break), once as it is and
once with an article number given twice and a price in the wrong convention appended.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from etl.bundled import bundled
from etl.extract import read_file
from etl.fast.store import Store
from etl.transform.layout import SourceLayout, load_layout
from etl.transform.source import read_tables, recognize
from etl.transform.staged import stage_set
from tests.conftest import DATA

LAYOUT: SourceLayout = load_layout(bundled("mappings") / "sage" / "catalog.yaml", SourceLayout)


def _set(folder: Path) -> dict:
    tables: dict = {}
    for path in sorted(folder.glob("*.csv")):
        for raw in read_file(path):
            name = recognize(LAYOUT, raw)
            assert name, path
            tables.setdefault(name, []).append(raw)
    return tables


def _broken_copy(tmp_path: Path) -> Path:
    """The sample set plus an article number given twice and a price in the wrong convention."""
    folder = tmp_path / "catalog"
    shutil.copytree(DATA / "catalog", folder)
    for name, change in (("artikel.csv", _other_name), ("preise.csv", _bad_price)):
        path = folder / name
        data = path.read_bytes()
        eol = b"\r\n" if b"\r\n" in data else b"\n"
        last = data.rstrip(eol).rsplit(eol, 1)[-1].split(b";")
        path.write_bytes(data.rstrip(eol) + eol + b";".join(change(last)) + eol)
    return folder


def _other_name(cells: list[bytes]) -> list[bytes]:
    return [cells[0], b"Doppelt", *cells[2:]]


def _bad_price(cells: list[bytes]) -> list[bytes]:
    return [*cells[:-1], b"12.345.6"]  # neither a decimal comma nor thousands in threes


@pytest.mark.parametrize("broken", [False, True], ids=["sample", "duplicate-and-unreadable"])
@pytest.mark.parametrize("drop_bad", [False, True], ids=["kept", "dropped"])
def test_a_set_staged_in_the_store_holds_the_rows_and_rejects_of_read_tables(
        tmp_path: Path, broken: bool, drop_bad: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _broken_copy(tmp_path) if broken else DATA / "catalog"
    parts, expected = read_tables(LAYOUT, _set(folder), "run", key="sku", drop_bad=drop_bad)
    with Store() as store:
        rejects = stage_set(store, LAYOUT, _set(folder), "run", key="sku", drop_bad=drop_bad)
        assert rejects == expected
        assert bool(rejects) == broken
        for name in LAYOUT.tables:
            staged = store.table(f'SELECT * EXCLUDE (__seq) FROM "{name}" ORDER BY __seq')
            table = parts.get(name)
            if table is None:
                assert staged.num_rows == 0, name
                continue
            assert staged.to_pylist() == table.select(staged.column_names).to_pylist(), name
    if broken:
        assert {r.code for r in rejects} == {"duplicate-key", "number-convention"}


@pytest.mark.parametrize("size", [1, 2, 3, 1000])
def test_chunks_read_every_record_whole_in_order_whatever_the_chunk_size(size: int) -> None:
    children = pa.table({"owner": ["c", "a", "b", "a", "c", "c", "d"], "n": [1, 2, 3, 4, 5, 6, 7]})
    with Store() as store:
        store.append("owners", pa.table({"owner": ["c", "a", "b", "d"]}))
        store.append("children", children)
        store.create("placed", "SELECT c.*, o.__seq AS __at FROM children c JOIN owners o USING (owner)",
                     order="__at, __seq")
        chunks = [part["rows"] for part in store.chunks({"rows": "placed"}, size=size)]
    assert [row for chunk in chunks for row in chunk.to_pylist()] == [
        {"owner": o, "n": n} for o, n in [("c", 1), ("c", 5), ("c", 6), ("a", 2), ("a", 4), ("b", 3), ("d", 7)]]
    for chunk in chunks:  # no owner is cut between two chunks
        assert len(chunk) == 0 or len(set(chunk.column("owner").to_pylist())) <= size
    owners = [set(chunk.column("owner").to_pylist()) for chunk in chunks]
    assert all(not (a & b) for i, a in enumerate(owners) for b in owners[i + 1:])


def test_the_store_leaves_nothing_behind() -> None:
    store = Store()
    store.append("t", pa.table({"a": [1]}))
    folder = store.folder
    assert folder.is_dir()
    store.close()
    assert not folder.exists()


def _long_texts(store: Store) -> None:
    store.execute("CREATE TABLE long AS SELECT repeat(md5(i::VARCHAR), 6) || i AS text, i FROM range(300000) t(i)")


def test_a_statement_that_runs_out_of_the_limit_runs_again_with_more(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="etl.fast.store")
    with Store(memory_mb=16, threads=1) as store:
        _long_texts(store)
        store.create("sorted", "SELECT * FROM long", order="text DESC")
        assert "limit raised to 32 MB" in caplog.text
        assert store.memory_mb == 16  # the next statement under the limit again
        assert store.value("SELECT current_setting('memory_limit')") in ("16.0 MiB", "15.2 MiB", "16.7 MB", "16.0 MB")
        assert store.value("SELECT text FROM sorted LIMIT 1") == store.value("SELECT max(text) FROM long")


def test_past_the_cap_the_engine_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    monkeypatch.setattr("etl.fast.store.MEMORY_CAP_MB", 16)
    with Store(memory_mb=16, threads=1) as store:
        _long_texts(store)
        with pytest.raises(duckdb.OutOfMemoryException):
            store.create("sorted", "SELECT * FROM long", order="text DESC")


def test_out_of_memory_while_read_as_arrow_runs_again_too(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="etl.fast.store")
    with Store(memory_mb=16, threads=1) as store:
        _long_texts(store)
        got = store.table("SELECT text FROM long ORDER BY text DESC")
        assert "limit raised" in caplog.text
        assert got.num_rows == 300000
        assert got.column(0)[0].as_py() == store.value("SELECT max(text) FROM long")


def test_batches_of_a_statement_that_runs_out_of_the_limit_come_all_the_same() -> None:
    with Store(memory_mb=16, threads=1) as store:
        _long_texts(store)
        batches = list(store.batches("SELECT text, i FROM long ORDER BY text DESC", 50_000))
        assert sum(b.num_rows for b in batches) == 300000
        assert batches[0].column(0)[0].as_py() == store.value("SELECT max(text) FROM long")
