"""Hostile files under `etl run` and `etl watch`: a header without any table's recognising columns, JSON
nested thousands of levels deep, and JSON holding a number of thousands of digits. None crashes a run
or lingers in the inbox: the first two go to error/ with a reason, the third refuses only its record.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import run_flow
from etl.watch.service import Watcher
from tests.conftest import ORDERS
from tests.watch.conftest import files, make_config

DEPTH = 200_000  # far beyond Python's recursion limit
HUGE = "9" * 5_000  # beyond Python's 4,300 digits for an integer


def _drop(inbox: Path) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "unknown_header.csv").write_text("Kennung;Bezeichnung;Menge\r\n1;Kaffee;2\r\n", encoding="cp1252")
    (inbox / "nested.json").write_text("[" * DEPTH + "]" * DEPTH, encoding="utf-8")
    doc = json.loads((ORDERS / "phpmyadmin_json" / "shop.json").read_text(encoding="utf-8"))
    lines = next(item for item in doc if item.get("name") == "orders_products")
    line = next(row for row in lines["data"] if row["orders_id"] == "10002")
    line["products_quantity"] = "HUGE"  # written below as a bare number of 5,000 digits
    (inbox / "huge.json").write_text(json.dumps(doc, ensure_ascii=False).replace('"HUGE"', HUGE), encoding="utf-8")


def _reasons(config: Config) -> dict[str, str]:
    return {p.name.removesuffix(".reason.txt"): p.read_text(encoding="utf-8")
            for p in config.folder("error").rglob("*.reason.txt")}


def _check(config: Config) -> None:
    reasons = _reasons(config)
    assert "no flow reads this file" in reasons["unknown_header.csv"]
    assert "Kennung, Bezeichnung, Menge" in reasons["unknown_header.csv"]
    assert "nested thousands of levels deep: not a table export" in reasons["nested.json"]
    assert "huge.json" not in reasons
    assert sorted(p.name for p in files(config.folder("error"))) == ["nested.json", "unknown_header.csv"]
    assert [p.name for p in files(config.folder("inbox")) if not p.name.startswith(".")] == []  # none lingers


def test_run_refuses_the_unreadable_and_refuses_only_the_huge_number(tmp_path: Path) -> None:
    config = make_config(tmp_path / "work")
    _drop(config.folder("inbox"))
    report = run_flow(config, "orders", "json")
    _check(config)
    (output,) = report.outputs
    written = [r["Shopbestellnummer"] for r in json.loads(Path(output).read_text(encoding="utf-8"))["records"]]
    assert written == ["10001", "10003", "10004", "10005", "10006", "10008"]  # 10002 has the huge quantity
    huge = [(r.file, r.record, r.field, r.value) for r in report.rejects if r.value and HUGE in r.value]
    assert huge == [("huge.json", "10002", "products_quantity", HUGE)]
    assert report.records_in == report.written + report.rejected


@pytest.mark.parametrize("poll", [False, True])
def test_watch_refuses_the_unreadable_to_error_and_goes_on(tmp_path: Path, poll: bool) -> None:
    config = make_config(tmp_path / "work", quiet_seconds=0.1, poll=poll)
    _drop(config.folder("inbox"))
    watcher, codes = Watcher(config, once=True), []
    thread = threading.Thread(target=lambda: codes.append(watcher.run()), daemon=True)
    thread.start()
    thread.join(timeout=120)
    watcher.stop()
    assert codes == [0]
    _check(config)
    assert [p.name for p in files(config.folder("archive"))] == ["huge.json"]
