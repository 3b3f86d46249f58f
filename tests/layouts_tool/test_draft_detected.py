"""`etl layout new`: what the readers detect (encoding, separator) and the decimal form, in the draft's comments."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from etl.layouts_tool.draft import draft_layout, guess_decimal
from etl.transform.layout import SourceLayout
from tests.conftest import DATA

FIX = "#   A run detects these per file; to fix them, add at the top: "


@pytest.mark.parametrize(("path", "flow", "lines"), [
    pytest.param(DATA / "erp_orders" / "auftraege.csv", "erp-orders",
                 ["#   encoding: cp1252, sure 100%", "#   separator: ';', quote: '\"', line end: \\r\\n",
                  "#   decimal: comma (e.g. '42,02')", FIX + 'encoding: "cp1252", delimiter: ";", decimal: ","'],
                 id="cp1252-semicolon-comma"),
    pytest.param(DATA / "orders" / "xtc_csv_utf8bom" / "export_2026-11-20_a.csv", "orders",
                 ["#   encoding: utf-8, sure 100%: byte order mark", "#   separator: ',', quote: '\"', line end: \\n",
                  "#   decimal: point (e.g. '93.8000')", FIX + 'encoding: "utf-8", delimiter: ",", decimal: "."'],
                 id="utf8-bom-comma-point"),
    pytest.param(DATA / "articles" / "xtc_cp1252" / "products.csv", "articles",
                 ["#   decimal: point (e.g. '49.5800')"], id="model-outside-field"),
])
def test_draft_names_what_was_detected(path: Path, flow: str, lines: list[str], monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    monkeypatch.setenv("ETL_LANG", "en")  # the comments speak the merchant's language: German by default
    text = draft_layout(flow, path)
    comments = text.splitlines()
    for line in lines:
        assert any(c.startswith(line) for c in comments), f"{line!r} not in:\n{text}"
    # The suggested settings, added at the top, make a layout that still loads.
    fix = next(c for c in comments if c.startswith(FIX)).removeprefix(FIX)
    data = {**yaml.safe_load(text), **yaml.safe_load("{" + fix + "}")}
    assert SourceLayout.model_validate(data).encoding == yaml.safe_load("{" + fix + "}")["encoding"]


def test_a_json_export_has_no_text_settings_to_detect() -> None:
    text = draft_layout("articles", DATA / "articles" / "phpmyadmin_json" / "shop.json")
    assert "Detected in the file" not in text and "encoding:" not in text


@pytest.mark.parametrize(("values", "expected"), [
    pytest.param(["1.260,00", "41,93", "7"], (",", "1.260,00"), id="comma-with-thousands"),
    pytest.param(["1,260.00", "41.93"], (".", "1,260.00"), id="point-with-thousands"),
    pytest.param(["18.11.2026", "10001", "K-7"], (None, None), id="dates-and-codes-show-none"),
])
def test_guess_decimal(values: list[str], expected: tuple[str | None, str | None]) -> None:
    assert guess_decimal([{"a": v} for v in values]) == expected
