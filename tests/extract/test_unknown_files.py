"""Files that are no export go to error/ saying what they look like and which flows were tried; exit 1."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import RunOptions, run_flow
from etl.report.run_report import EXIT_PARTIAL
from tests.conftest import ORDERS

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


@pytest.mark.parametrize(("name", "content", "looks"), [
    pytest.param("orders.csv", bytes(range(256)) * 64, "binary data", id="binary-named-csv"),
    pytest.param("orders.txt", gzip.compress(b"orders_id;x\n1;2\n"), "gzip", id="gzip-named-txt"),
    pytest.param("bild.csv", PNG, "image/png", id="png-named-csv"),
    pytest.param("long.csv", b"a;" * (3 << 20), "one endless line", id="one-endless-line"),
    pytest.param("data.json", json.dumps([{"foo": 1, "bar": "x"}]).encode(), "columns foo, bar", id="json-no-export"),
])
def test_an_unknown_file_is_refused_with_what_it_looks_like(workspace: Config, name: str, content: bytes,
                                                             looks: str) -> None:
    path = workspace.folder("inbox") / name
    path.write_bytes(content)
    report = run_flow(workspace, "orders", "csv")
    (result,) = report.files
    assert result.status == "error" and looks in (result.reason or "")
    assert "tried: orders, customers" in (result.reason or "")
    assert not path.exists() and Path(result.moved_to or "").exists()
    assert report.exit_code == EXIT_PARTIAL


def test_the_report_records_each_inputs_encoding_and_dialect(workspace: Config) -> None:
    (workspace.folder("inbox") / "flat.csv").write_bytes((ORDERS / "flat_cp1252.csv").read_bytes())
    report = run_flow(workspace, "orders", "csv", RunOptions(dry_run=True))
    (read,) = report.inputs
    assert (read.file, read.encoding, read.dialect and read.dialect["name"]) == ("flat.csv", "cp1252", "csv")
    assert read.confidence is not None and read.confidence > 0.5
    assert report.as_dict()["inputs"][0]["dialect"]["separator"] == ";"  # type: ignore[index]
