"""Strict values and the layout against the file, on GS-Office exports (cp1252, `;`, decimal comma) and
shop exports: a value that does not fit is refused with field, value and convention; a key given twice
refuses every row with it; a column the layout reads but the file lacks refuses the file before its rows.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from etl.config import Config
from etl.extract import read_file
from etl.pipeline import run_flow
from etl.report.run_report import RunReport
from etl.transform.layout import SourceLayout, load_layout
from etl.transform.source import ignored_columns, recognize
from tests.conftest import DATA, ORDERS, run_orders

CATALOG = DATA / "catalog"
MAPPINGS = Path(__file__).parents[2] / "mappings"


def _edit(source: Path, target: Path, rows: list[list[str]] | None = None, drop: str | None = None,
          replace: tuple[int, str, str] | None = None) -> Path:
    """A copy of a `;` cp1252 export with rows added, a column dropped, or one cell replaced (row, column, text)."""
    table = list(csv.reader(io.StringIO(source.read_bytes().decode("cp1252"), newline=""), delimiter=";"))
    if replace:
        row, column, text = replace
        table[row][table[0].index(column)] = text
    table += rows or []
    if drop:
        index = table[0].index(drop)
        table = [r[:index] + r[index + 1:] for r in table]
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(table)
    target.write_bytes(out.getvalue().encode("cp1252"))
    return target


def _catalog(config: Config, **edits: dict) -> RunReport:  # type: ignore[type-arg]
    """Run the catalog flow on the example exports, some of them edited (`artikel={"rows": [...]}`)."""
    for path in sorted(CATALOG.glob("*.csv")):
        target = config.folder("inbox") / path.name
        if path.stem in edits:
            _edit(path, target, **edits[path.stem])
        else:
            shutil.copy2(path, target)
    config.folder("media").mkdir(parents=True, exist_ok=True)
    for media in (CATALOG / "media").iterdir():
        shutil.copy2(media, config.folder("media") / media.name)
    return run_flow(config, "catalog", "csv")


@pytest.mark.parametrize(("edits", "file", "line", "field", "value", "reason"), [
    pytest.param({"preise": {"replace": (1, "Preis netto", "27.45")}}, "preise.csv", 2, "Preis netto", "27.45",
                 "is not a number in the form the mapping declares: decimal comma", id="point-in-comma-file"),
    pytest.param({"preise": {"replace": (2, "Ab Menge", "0")}}, "preise.csv", 3, "Ab Menge", "0",
                 "must be more than 0", id="quantity-break-0"),
    pytest.param({"preise": {"replace": (1, "Preis netto", "-1,00")}}, "preise.csv", 2, "Preis netto", "-1,00",
                 "must be at least 0", id="negative-price"),
    pytest.param({"artikel": {"replace": (2, "Steuersatz", "190,00")}}, "artikel.csv", 4, "Steuersatz",
                 "190,00", "must be at most 100", id="tax-rate-over-100"),
    pytest.param({"aktionspreise": {"replace": (2, "Gültig bis", "31.02.2026")}}, "aktionspreise.csv", 3,
                 "Gültig bis", "31.02.2026", "is not a date that exists in the form DD.MM.YYYY", id="31-february"),
])
def test_a_value_that_does_not_fit_is_refused(workspace: Config, edits: dict, file: str, line: int,  # type: ignore[type-arg]
                                              field: str, value: str, reason: str) -> None:
    report = _catalog(workspace, **edits)
    matching = [r for r in report.rejects if (r.file, r.line, r.field) == (file, line, field)]
    assert matching, report.rejects
    assert matching[0].value == value and reason in matching[0].reason
    assert report.exit_code == 1


def test_a_duplicate_article_number_refuses_both_rows_naming_each_other(workspace: Config) -> None:
    copy = ["PF-200", "Edelstahl-Bräter 28 cm (alt)", "", "", "Standard", "1", "211", "Stk.", "", "2,350", "", "",
            "19,00", "45,00", "", "", ""]
    report = _catalog(workspace, artikel={"rows": [copy]})
    twice = [r for r in report.rejects
             if r.field == "Artikelnummer" and r.value == "PF-200" and r.file == "artikel.csv"]
    assert [(r.file, r.line) for r in twice] == [("artikel.csv", 4), ("artikel.csv", 11)]
    assert "also in artikel.csv line 11" in twice[0].reason and "also in artikel.csv line 4" in twice[1].reason
    products = next(p for p in report.outputs if p.endswith("_products.csv"))
    assert "PF-200;" not in Path(products).read_text(encoding="utf-8")


def test_a_missing_column_refuses_the_file_naming_file_table_and_column(workspace: Config, tmp_path: Path) -> None:
    report = _catalog(workspace, preise={"drop": "Preis netto"})
    refused = {f.name: f for f in report.files if f.status == "error"}
    assert "preise.csv" in refused and report.written == 0
    reason = refused["preise.csv"].reason or ""
    assert "preise.csv: read as table prices of the sage catalog mapping" in reason
    assert "'Preis netto or Preis' (field price)" in reason and "optional: true" in reason


def test_an_optional_column_may_be_missing(workspace: Config) -> None:
    report = _catalog(workspace, varianten={"drop": "Merkmal 2"})  # the example has no Merkmal 3 either
    assert not [f for f in report.files if f.status == "error"] and report.written


@pytest.mark.parametrize(("column", "read_as"), [("products_model", "orders"), ("final_price", "orders"),
                                                ("date_purchased", "orders_products")])
def test_a_flat_export_without_a_column_that_recognises_it_waits_as_a_table_of_a_set(
        workspace: Config, tmp_path: Path, column: str, read_as: str) -> None:
    export = _edit(ORDERS / "flat_cp1252.csv", tmp_path / "orders_flat.csv", drop=column)
    report = run_orders(workspace, export)  # was a crash with an Arrow schema dump, then every order rejected
    assert (report.written, report.exit_code, report.records_in) == (0, 1, 0)
    (only,) = report.files  # read as one table of a table set: it waits for the others, untouched
    assert (only.status, only.tables) == ("waiting", [read_as])
    lacking = [t for t in workspace.watch.set_tables["orders"] if t != read_as]
    assert f"waits for its tables {', '.join(lacking)}" in (only.reason or "")
    assert (workspace.folder("inbox") / export.name).read_bytes() == export.read_bytes()


def test_extra_columns_are_listed_as_ignored(tmp_path: Path) -> None:
    layout = load_layout(MAPPINGS / "sage" / "catalog.yaml", SourceLayout)
    export = _edit(CATALOG / "preise.csv", tmp_path / "preise.csv", replace=(0, "Preisgruppe", "Preisgruppe"))
    table = list(csv.reader(io.StringIO(export.read_bytes().decode("cp1252"), newline=""), delimiter=";"))
    export.write_bytes("\r\n".join(";".join([*r, "Bemerkung" if n == 0 else "x"]) for n, r in enumerate(table))
                       .encode("cp1252"))
    (raw,) = read_file(export)
    assert recognize(layout, raw) == "prices"
    assert ignored_columns(layout, "prices", raw) == ["Bemerkung"]
    orders = load_layout(MAPPINGS / "shop" / "orders.yaml", SourceLayout)
    (flat,) = read_file(ORDERS / "flat_cp1252.csv")
    assert recognize(orders, flat) == "flat"
    assert "ot_tax_19" not in ignored_columns(orders, "flat", flat)
