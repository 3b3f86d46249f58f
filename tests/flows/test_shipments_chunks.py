"""Shipments read back from the run's store a few delivery notes at a time write what one chunk writes.

The sample export (one note with two parcel rows, notes refused for a parcel number, an unknown order,
a label) is run once as it comes and once with chunks of three rows' notes: the same shop import,
carrier files, mails and rejects.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

import etl.fast.store
from etl.config import load_config
from etl.pipeline import run_flow
from etl.report.run_report import RunReport
from etl.workspace import create_workspace
from tests.conftest import ORDERS, drop, run_orders
from tests.flows.test_shipments import SHIPMENTS, configure

_RUN = re.compile(rb"\d{8}-\d{6}-[0-9a-f]{6}")  # a run id, in names and in files
_DATE = re.compile(rb"^Date: .*$", re.MULTILINE)
_BOUNDARY = re.compile(rb"={15}\d+==")  # a mail's MIME boundary is random


def _same(data: bytes) -> bytes:
    return _BOUNDARY.sub(b"", _DATE.sub(b"", _RUN.sub(b"RUN", data)))


def _run(folder: Path) -> tuple[RunReport, dict[str, bytes], list[tuple[object, ...]]]:
    config = configure(load_config(create_workspace(folder)))
    run_orders(config, ORDERS / "xtc_csv_cp1252")
    drop(config, SHIPMENTS)
    report = run_flow(config, "shipments", "csv")
    outbox = config.folder("outbox")
    files = {_same(str(p.relative_to(outbox)).encode()).decode(): _same(p.read_bytes())
             for p in sorted(outbox.rglob("*")) if p.is_file() and p.name.startswith("shipments")}
    with sqlite3.connect(config.folder("state") / "mails.sqlite") as db:
        mails = [(key, to, language, context) for key, to, language, context in db.execute(
            "SELECT key, recipient, language, context FROM mails ORDER BY key")]
    return report, files, mails


def test_notes_in_chunks_of_three_rows_write_what_one_chunk_writes(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    whole, whole_files, whole_mails = _run(tmp_path / "whole")
    monkeypatch.setattr(etl.fast.store, "CHUNK_RECORDS", 3)
    parts, parts_files, parts_mails = _run(tmp_path / "parts")
    assert (parts.records_in, parts.written, parts.rejected) == (whole.records_in, whole.written, whole.rejected)
    assert whole.written and whole.rejected
    assert [(r.file, r.line, r.record, r.field, r.value, r.code, r.params) for r in parts.rejects] == \
        [(r.file, r.line, r.record, r.field, r.value, r.code, r.params) for r in whole.rejects]
    assert parts_files == whole_files and any(name.endswith(".eml") for name in whole_files)
    assert parts_mails == whole_mails and whole_mails
