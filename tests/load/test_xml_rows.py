"""The column-wise rendering of the generic XML template gives the template's text byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.config import Config, load_config
from etl.load import xml_rows, xml_writer
from etl.workspace import create_workspace
from tests.conftest import ORDERS, run_orders


def _xml(workspace: Config, source: Path) -> bytes:
    report = run_orders(workspace, source, fmt="xml")
    (output,) = report.outputs
    return Path(output).read_bytes().split(b">", 2)[2]  # past the root tag with its run id and time


@pytest.mark.parametrize("source", [pytest.param(ORDERS / "flat_cp1252.csv", id="flat-sample")])
def test_columnwise_equals_jinja(workspace: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 source: Path) -> None:
    calls: list[str] = []
    real = xml_rows.render
    monkeypatch.setattr(xml_writer, "render", lambda *a: calls.append(a[3]) or real(*a))
    columnwise = _xml(workspace, source)
    assert calls, "the generic template was not rendered column-wise"
    monkeypatch.setattr(xml_writer, "_same_text", lambda *a: False)  # as if the template were edited
    jinja = _xml(load_config(create_workspace(tmp_path / "again")), source)
    assert columnwise == jinja
    assert b"&amp;" in columnwise or b"&#34;" in columnwise or b"&lt;" in columnwise  # escaping was exercised
