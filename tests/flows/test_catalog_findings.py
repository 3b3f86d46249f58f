"""Issue 12's catalog findings, each on a changed copy of the example exports (tests/data/catalog/)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from etl.bundled import bundled
from etl.config import Config
from etl.pipeline import run_flow
from etl.report.run_report import read_rejects
from etl.transform.layout import SourceLayout, TargetLayout, load_layout
from tests.conftest import drop
from tests.flows.test_catalog import CATALOG, _stage_history, run_catalog, table


def _copy(tmp_path: Path, name: str, edit: str = "", append: str = "") -> Path:
    """A copy of the example exports with `edit` ('old=>new') applied to `name` and `append` added to it."""
    folder = tmp_path / "export"
    if not folder.exists():
        shutil.copytree(CATALOG, folder)
    text = (folder / name).read_bytes().decode("cp1252")
    if edit:
        old, new = edit.split("=>")
        assert old in text
        text = text.replace(old, new)
    (folder / name).write_text(text + append, "cp1252", newline="")
    return folder


def _rejects(config: Config) -> list[dict[str, str]]:
    rows = []
    for path in sorted(config.folder("rejects").glob("*.csv")):
        rows += read_rejects(path)  # German titles and reasons (the working folder's language)
    return rows


def _run(config: Config, folder: Path, flow: str = "catalog", fmt: str = "csv") -> object:
    drop(config, *sorted(folder.glob("*.csv")))
    return run_flow(config, flow, fmt)


def test_a_duplicate_article_number_is_refused_naming_both_lines(workspace: Config, tmp_path: Path) -> None:
    line = next(li for li in (CATALOG / "artikel.csv").read_text("cp1252").splitlines() if li.startswith("PF-201;"))
    report = _run(workspace, _copy(tmp_path, "artikel.csv", append=line.replace("12,56", "9,99") + "\r\n"))
    assert "PF-201" not in {r["products_model"] for r in table(report, "products")}  # type: ignore[arg-type]
    refused = [r for r in _rejects(workspace) if r["record"] == "PF-201" and r["field"] == "Artikelnummer"
               and r["file"] == "artikel.csv"]  # the texts and stock of PF-201 are refused in their own files
    assert sorted(r["line"] for r in refused) == ["11", "5"]
    assert all(f"artikel.csv Zeile {other}" in r["reason"] for r, other in zip(
        sorted(refused, key=lambda r: int(r["line"])), ["11", "5"], strict=True))


def test_a_text_in_a_language_the_shop_lacks_is_refused_alone(workspace: Config, tmp_path: Path) -> None:
    report = _run(workspace, _copy(tmp_path, "artikel_texte.csv", append="PF-200;fr;Cocotte 28 cm;;;;;\r\n"))
    texts = {(r["products_model"], r["language_code"]) for r in table(report, "products_description")}  # type: ignore[arg-type]
    assert {("PF-200", "de"), ("PF-200", "en")} <= texts and ("PF-200", "fr") not in texts
    assert [r["record"] for r in _rejects(workspace) if r["value"] == "fr"] == ["PF-200|fr"]


def test_in_counts_every_article_line_unreadable_ones_too(workspace: Config, tmp_path: Path) -> None:
    line = next(li for li in (CATALOG / "artikel.csv").read_text("cp1252").splitlines() if li.startswith("PF-201;"))
    folder = _copy(tmp_path, "artikel.csv", append=line.replace("PF-201", "PF-299").replace("12,56", "zwölf") + "\r\n")
    report = _run(workspace, folder)
    with open(folder / "artikel.csv", encoding="cp1252", newline="") as handle:
        lines = len(list(csv.reader(handle, delimiter=";"))) - 1
    assert report.records_in == lines == report.written + report.rejected  # type: ignore[attr-defined]


def test_catalog_and_stock_give_a_variant_the_same_stock(workspace: Config, tmp_path: Path) -> None:
    folder = _copy(tmp_path, "lagerbestand.csv", edit="TS-100-WEI-S;Hauptlager;12\r\n=>")
    _copy(tmp_path, "varianten.csv", edit="TS-100-WEI-S;TS-100;Farbe;Weiß;Größe;S;4006381333901;0;=>"
                                          "TS-100-WEI-S;TS-100;Farbe;Weiß;Größe;S;4006381333901;7;")
    catalog = _run(workspace, folder)
    variant = [r for r in table(catalog, "products_attributes") if r["attributes_model"] == "TS-100-WEI-S"]  # type: ignore[arg-type]
    drop(workspace, folder / "lagerbestand.csv", folder / "varianten.csv", folder / "stueckliste.csv")
    stock = run_flow(workspace, "stock", "csv")
    levels = {r["products_model"]: r["products_quantity"] for r in table(stock, "products_quantity")}
    assert {r["attributes_stock"] for r in variant} == {levels["TS-100-WEI-S"]} == {"7"}


def test_a_vanished_warehouse_row_is_sent_as_zero(workspace: Config, tmp_path: Path) -> None:
    drop(workspace, CATALOG / "lagerbestand.csv")
    run_flow(workspace, "stock", "csv")
    folder = _copy(tmp_path, "lagerbestand.csv", edit="PF-200;Au\xdfenlager;5\r\n=>")
    drop(workspace, folder / "lagerbestand.csv")
    report = run_flow(workspace, "stock", "csv")
    rows = {(r["products_model"], r["warehouse"]): r["quantity"] for r in table(report, "products_stock")}
    assert rows == {("PF-200", "Außenlager"): "0"}
    assert {r["products_model"]: r["products_quantity"] for r in table(report, "products_quantity")} == {"PF-200": "7"}


def test_catalog_and_articles_price_group_maps_are_inverse() -> None:
    catalog = load_layout(bundled("mappings") / "sage" / "catalog.yaml", SourceLayout).value_maps["price_groups"]
    articles = load_layout(bundled("mappings") / "sage" / "articles.yaml", TargetLayout).value_maps["price_groups"]
    for erp_group, shop_group in catalog.items():  # ERP -> shop -> ERP comes back to the same group
        assert str(articles[str(shop_group)]) == str(erp_group)
    for shop_group, erp_group in articles.items():  # shop -> ERP -> shop too
        assert str(catalog[str(erp_group)]) == str(shop_group)


def test_cross_selling_links_only_articles_the_catalog_knows(workspace: Config) -> None:
    run_catalog(workspace)
    _stage_history(workspace, "20260101-000000-aaaaaa", [
        ("1", "k1", ["PF-200", "ZZ-404"]), ("2", "k2", ["PF-200", "ZZ-404", "PF-201"]),
        ("3", "k3", ["PF-200", "PF-201"])])
    report = run_flow(workspace, "cross-selling", "csv")
    linked = {(r["products_model"], r["xsell_model"]) for r in table(report, "products_xsell")
              if r["origin"] == "history"}
    assert linked == {("PF-200", "PF-201"), ("PF-201", "PF-200")}


def test_an_xtsol_delta_line_carries_the_whole_article(workspace: Config, tmp_path: Path) -> None:
    run_catalog(workspace, "xtsol")
    report = _run(workspace, _copy(tmp_path, "artikel.csv", edit=";12,56;=>;12,99;"), fmt="xtsol")
    lines = Path(report.outputs[0]).read_text("cp1252").splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 2 and lines[1].startswith('"XTSOL"\t"PF-201"')
    assert '"12.9900"' in lines[1] and '"Glasdeckel 28 cm"' in lines[1] and '"Bräter"' in lines[1]
