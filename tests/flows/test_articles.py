"""Articles (Erstbefüllung): shop catalog exports -> GS-Office article import (tests/data/articles/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import run_flow
from etl.report.run_report import RunReport
from etl.transform.html_text import html_to_text
from etl.validate import validate_file
from tests.conftest import DATA, GOLDEN, drop

ARTICLES = DATA / "articles"
_RUN = re.compile(rb"articles_\d{8}-\d{6}-[0-9a-f]{6}")
_TIME = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def run_articles(config: Config, source: str = "xtc_cp1252", fmt: str = "csv") -> RunReport:
    """Drop one form of the example shop export and run the articles flow."""
    drop(config, ARTICLES / source)
    return run_flow(config, "articles", fmt)


def output(report: RunReport, record: str) -> Path:
    """The output file of record type `record`."""
    return Path(next(p for p in report.outputs if re.search(rf"_{record}\.\w+$", p)))


def lines(report: RunReport, record: str) -> list[str]:
    """Lines of the csv output of `record` (cp1252)."""
    return output(report, record).read_bytes().decode("cp1252").splitlines()


def assert_golden(path: Path, name: str) -> None:
    """Compare `path` with tests/golden/articles/<name>, run id and time left out."""
    text = _TIME.sub(b"<created>", _RUN.sub(b"<run>", path.read_bytes()))
    golden = GOLDEN / "articles" / name
    if os.environ.get("ETL_UPDATE_GOLDEN"):
        golden.write_bytes(text)
    assert text == golden.read_bytes(), f"{path.name} differs from {golden.name}"


def test_shop_export_becomes_gs_office_article_import(workspace: Config) -> None:
    report = run_articles(workspace)
    assert (report.records_in, report.written, report.rejected, report.status) == (7, 3, 4, "partial")
    assert_golden(output(report, "artikel"), "articles_artikel.csv")
    assert_golden(output(report, "warengruppen"), "articles_warengruppen.csv")
    assert lines(report, "preise")[1:] == ['"PF-200";"3";"1";"44,0000"', '"PF-200";"3";"5";"42,0000"',
                                           '"TE-110";"3";"1";"4,9000"', '"TE-110";"3";"10";"4,5000"']
    # The expired promotion of TE-110 is not carried over; the running one of PF-200 is.
    assert lines(report, "aktionspreise")[1:] == ['"PF-200";"44,9000";;"31.12.2099"']
    assert [line.split(";")[:2] for line in lines(report, "texte")[1:]] == [['"PF-200"', '"en"'], ['"TE-110"', '"en"']]


def test_products_without_or_with_shared_model_are_refused_with_the_reason(workspace: Config) -> None:
    report = run_articles(workspace)
    reasons = {(r.line, r.record): r.reason for r in report.rejects if r.file == "products.csv"}
    assert "has no products_model: GS-Office needs an Artikelnummer" in reasons[(5, "products_id 4")]
    assert "products 5, 6 share this products_model" in reasons[(6, "TE-120")]
    assert "products 5, 6 share this products_model" in reasons[(7, "TE-120")]
    # Category 8 hangs below a category the export does not have: it and its article are refused.
    assert "category 8, which is not in the categories export" in reasons[(8, "KR-300")]
    others = {(r.file, r.record): r.reason for r in report.rejects if r.file != "products.csv"}
    assert "parent category 77, which is not in the export" in others[("categories.csv", "8")]
    assert "product 99, which is not in the products export" in others[("personal_offers_by_customers_status_3.csv",
                                                                         "99")]
    assert not any("TE-120" in line or "KR-300" in line for line in lines(report, "preise"))


def test_phpmyadmin_json_gives_the_same_import(workspace: Config, tmp_path: Path) -> None:
    csv_report = run_articles(workspace)
    json_report = run_articles(workspace, "phpmyadmin_json")
    assert (json_report.records_in, json_report.written, json_report.rejected) == (7, 3, 4)
    for record in ("artikel", "warengruppen", "preise", "aktionspreise", "texte"):
        assert lines(json_report, record) == lines(csv_report, record), record


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_xml_and_json_outputs_are_valid(workspace: Config, fmt: str) -> None:
    report = run_articles(workspace, fmt=fmt)
    assert report.written == 3 and len(report.outputs) == 2
    for path in map(Path, report.outputs):
        assert validate_file(workspace, path) == [], path.name
    if fmt == "json":
        assert_golden(output(report, "artikel"), "articles_artikel.json")


def test_tax_rates_from_the_value_map_when_the_export_has_none(workspace: Config) -> None:
    drop(workspace, *[p for p in sorted((ARTICLES / "xtc_cp1252").iterdir()) if not p.name.startswith("tax_")])
    report = run_flow(workspace, "articles", "csv")
    rates = {line.split(";")[0]: line.split(";")[8] for line in lines(report, "artikel")[1:]}
    assert rates == {'"PF-200"': '"19,00"', '"PF-201"': '"19,00"', '"TE-110"': '"7,00"'}


def test_html_becomes_plain_text() -> None:
    html = "<p>Bräter aus <b>Edelstahl</b> &amp; Glas.</p><ul><li>28&nbsp;cm</li></ul><script>x()</script>Ende"
    assert html_to_text(html) == "Bräter aus Edelstahl & Glas.\n- 28 cm\nEnde"
    assert html_to_text("<p> </p>") is None
