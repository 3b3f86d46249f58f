"""Small flat exports extracted together (pipeline/pool.py) give every file the fate it has when read alone.

One run over a mix of one-order files, as a shop that exports each order as its own file sends them, with
the ones that go wrong: a refused line, a file whose rows cannot be split (refused whole), a column
missing, the same content twice, an order id in two files, two orders in one file. The run with pooling
and the run that extracts each file alone must agree on each file's status and reason, on every reject
(file, line, field, value, reason), on the counts, and on the orders written.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import pool, run_flow
from etl.report.run_report import RunReport
from tests.watch.conftest import one_order


def _edit(data: bytes, cell: tuple[int, str, str] | None = None, drop: str | None = None) -> bytes:
    """`data` (a `;` cp1252 export) with one cell replaced (row, column, text) or a column dropped."""
    table = list(csv.reader(io.StringIO(data.decode("cp1252"), newline=""), delimiter=";"))
    if cell:
        row, column, text = cell
        table[row][table[0].index(column)] = text
    if drop:
        index = table[0].index(drop)
        table = [r[:index] + r[index + 1:] for r in table]
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(table)
    return out.getvalue().encode("cp1252")


def _files() -> dict[str, bytes]:
    header = one_order(1).split(b"\r\n")[0]
    files = {f"order_{n}.csv": one_order(n) for n in range(51001, 51007)}
    files |= {
        "price_refused.csv": _edit(one_order(51010), cell=(1, "final_price", "12.3.4")),
        "rows_unsplittable.csv": header + b"\r\n" + b"51011;x\r\n51011;y\r\n51011;z\r\n",
        "no_quantity.csv": _edit(one_order(51012), drop="products_quantity"),
        "order_51013.csv": one_order(51013),
        "zz_same_content.csv": one_order(51013),
        "zz_same_order.csv": _edit(one_order(51002), cell=(1, "ot_total", "1,00")),
        "two_orders.csv": one_order(51020) + b"\r\n".join(one_order(51021).split(b"\r\n")[1:]),
    }
    return files


def _run(base: Path, files: dict[str, bytes]) -> tuple[RunReport, Config]:
    config = Config(base=base)
    config.folder("inbox").mkdir(parents=True)
    for name, data in files.items():
        (config.folder("inbox") / name).write_bytes(data)
    return run_flow(config, "orders", "csv"), config


def _orders(config: Config) -> list[str]:
    found = []
    for path in config.folder("outbox").rglob("*_header.csv"):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="cp1252")), delimiter=";"))
        found += [row[rows[0].index("Shopbestellnummer")] for row in rows[1:]]
    return sorted(found)


def _fates(report: RunReport, config: Config) -> dict[str, object]:
    ledger = sqlite3.connect(config.folder("state") / "ledger.sqlite")
    inputs = ledger.execute("SELECT count(*) FROM inputs").fetchone()[0]
    ledger.close()
    return {
        "files": sorted((f.name, f.status, f.reason and f.reason.replace(str(config.base), "")) for f in report.files),
        "rejects": sorted((r.file, r.line, r.record, r.field, r.value, r.reason) for r in report.rejects),
        "counts": (report.records_in, report.written, report.rejected, report.skipped),
        "orders": _orders(config),
        "archived": sorted(p.name for p in config.folder("archive").rglob("*") if p.is_file()),
        "refused": sorted(p.name for p in config.folder("error").rglob("*.csv")),
        "ledger inputs": inputs,
    }


def test_pooled_files_have_the_fates_they_have_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files()
    pooled, config = _run(tmp_path / "pooled", files)
    flats = list((config.folder("staging") / pooled.run_id).glob("flat-*"))
    assert 0 < len(flats) < len(files) / 2, "the small files were not extracted together"
    monkeypatch.setattr(pool, "SMALL", -1)  # every file alone, as before pooling
    alone, alone_config = _run(tmp_path / "alone", files)
    assert len(list((alone_config.folder("staging") / alone.run_id).glob("flat-*"))) > len(flats)

    assert _fates(pooled, config) == _fates(alone, alone_config)
    fates = _fates(pooled, config)
    status = {name: state for name, state, _ in fates["files"]}  # type: ignore[attr-defined]
    assert status["rows_unsplittable.csv"] == "error" and "rows_unsplittable.csv" in fates["refused"]  # type: ignore[operator]
    assert status["zz_same_content.csv"] == "skipped"
    assert {r[0] for r in fates["rejects"]} >= {"price_refused.csv"}  # type: ignore[attr-defined]
    assert "51001" in fates["orders"] and "51020" in fates["orders"] and "51021" in fates["orders"]  # type: ignore[operator]
    assert "51010" not in fates["orders"]  # type: ignore[operator]


def test_a_pool_whose_table_is_refused_whole_falls_back_to_file_by_file(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.flows import FLOWS
    from etl.shared.errors import InputFileError

    extract = FLOWS["orders"].extract_flat
    calls: list[int] = []

    def refusing_pools(layout, raw, run_id):  # type: ignore[no-untyped-def]
        table = next(iter(raw.batches()))
        calls.append(len(set(table.column("_file").to_pylist())) if "_file" in table.schema.names else 1)
        if calls[-1] > 1 or raw.path.name == "order_52002.csv":  # the pool's table, and one file on its own
            raise InputFileError(raw.path.name, "refused as a whole")
        yield from extract(layout, raw, run_id)

    monkeypatch.setitem(FLOWS, "orders", replace(FLOWS["orders"], extract_flat=refusing_pools))
    report, config = _run(tmp_path, {f"order_{n}.csv": one_order(n) for n in range(52001, 52005)})
    assert calls[0] == 4 and calls[1:] == [1, 1, 1, 1]
    assert {f.name: f.status for f in report.files} == {"order_52001.csv": "archived", "order_52002.csv": "error",
                                                         "order_52003.csv": "archived", "order_52004.csv": "archived"}
    assert _orders(config) == ["52001", "52003", "52004"]
