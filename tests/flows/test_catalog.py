"""Catalog, stock and cross-selling on realistic GS-Office exports (tests/data/catalog/)."""

from __future__ import annotations

import csv
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from etl.config import Config
from etl.flows.catalog_rules import bom_stock, category_tree, promotion_active
from etl.pipeline import RunOptions, run_flow
from etl.report.run_report import RunReport
from etl.validate import validate_file
from tests.conftest import DATA, GOLDEN, drop

CATALOG = DATA / "catalog"
GOLDEN_TABLES = ("products", "categories", "personal_offers_by_customers_status_2", "specials")
_RUN = re.compile(rb"catalog_\d{8}-\d{6}-[0-9a-f]{6}")
_TIME = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def run_catalog(config: Config, fmt: str = "csv", **options: bool) -> RunReport:
    """Drop the example exports and their media files, then run the catalog flow."""
    drop(config, *sorted(CATALOG.glob("*.csv")))
    config.folder("media").mkdir(parents=True, exist_ok=True)
    for media in (CATALOG / "media").iterdir():
        shutil.copy2(media, config.folder("media") / media.name)
    return run_flow(config, "catalog", fmt, RunOptions(**options))


def table(report: RunReport, name: str) -> list[dict[str, str]]:
    """Rows of the csv output of table `name`."""
    path = next(p for p in report.outputs if p.endswith(f"_{name}.csv"))
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.mark.parametrize("fmt", ["csv", "txt", "xml", "json"])
def test_catalog_outputs_match_golden(workspace: Config, fmt: str) -> None:
    report = run_catalog(workspace, fmt)
    assert len(report.outputs) == 16
    for output in map(Path, report.outputs):
        if fmt in ("xml", "json"):
            assert validate_file(workspace, output) == [], output.name
        name = re.sub(r"_\d{8}-\d{6}-[0-9a-f]{6}", "", output.name)
        if name.removeprefix("catalog_").rsplit(".", 1)[0] not in GOLDEN_TABLES:
            continue
        golden = GOLDEN / "catalog" / name
        text = _TIME.sub(b"<created>", _RUN.sub(b"<run>", output.read_bytes()))
        if os.environ.get("ETL_UPDATE_GOLDEN"):
            golden.write_bytes(text)
        assert text == golden.read_bytes(), f"{output.name} differs from {golden.name}"


def test_catalog_checks_references_and_derives_stock(workspace: Config) -> None:
    report = run_catalog(workspace)
    assert (report.records_in, report.written, report.rejected, report.status) == (8, 7, 1, "partial")
    reasons = {(r.file, r.record): r.reason for r in report.rejects}
    assert "category 999" in reasons[("artikel.csv", "XX-999")]
    assert "not in the article export" in reasons[("preise.csv", "PF-999")]
    assert "not in the media folder" in reasons[("artikeldateien.csv", "GW-300")]
    stock = {r["products_model"]: r["products_quantity"] for r in table(report, "products")}
    # PF-210 = PF-200 (12) x1, PF-201 (20) x1, GW-300 (9) x2 -> min(12, 20, 4)
    assert stock == {"TS-100": "71", "PF-200": "12", "PF-201": "20", "PF-202": "3", "PF-210": "4",
                     "GW-300": "9", "BU-400": "0"}
    levels = {(r["categories_id"], r["categories_level"], r["parent_id"]) for r in table(report, "categories")}
    assert {("100", "1", "0"), ("110", "2", "100"), ("111", "3", "110")} <= levels
    specials = {r["products_model"]: r["status"] for r in table(report, "specials")}
    assert specials == {"PF-200": "0", "PF-202": "1"}  # expired in 2023; running until 2099
    variants = table(report, "products_attributes")
    assert len(variants) == 18 and len({v["attributes_model"] for v in variants}) == 9
    kinds = {(r["xsell_model"], r["products_xsell_grp_name"]) for r in table(report, "products_xsell")
             if r["products_model"] == "PF-200"}
    assert kinds == {("PF-201", "Zubehör"), ("PF-202", "Up-Selling"), ("GW-300", "Cross-Selling")}
    languages = {(r["products_model"], r["language_code"]) for r in table(report, "products_description")}
    assert ("PF-200", "de") in languages and ("PF-200", "en") in languages
    assert [r["customers_price"] for r in table(report, "customers_prices")] == ["38.5000", "2.4900"]


def test_images_and_pdfs_are_copied_under_safe_names(workspace: Config) -> None:
    report = run_catalog(workspace)
    media = workspace.folder("outbox") / "shop" / "media"
    names = {r["image_name"] for r in table(report, "products_images")}
    assert names <= {p.name for p in media.iterdir()} and len(names) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in names)
    pdf = table(report, "products_documents")[0]["document_name"]
    assert pdf.startswith("Pflegeanleitung_Braeter_") and (media / pdf).read_bytes().startswith(b"%PDF")


def test_a_file_name_that_leaves_the_media_folder_is_refused(workspace: Config, tmp_path: Path) -> None:
    (workspace.folder("inbox")).mkdir(parents=True, exist_ok=True)
    (tmp_path / "secret.jpg").write_bytes(b"x")
    evil = (CATALOG / "artikeldateien.csv").read_bytes() + "PF-201;Bild;1;..\\..\\secret.jpg;\r\n".encode("cp1252")
    (workspace.folder("inbox") / "artikeldateien.csv").write_bytes(evil)
    for name in ("artikel.csv", "warengruppen.csv"):
        shutil.copy2(CATALOG / name, workspace.folder("inbox") / name)
    report = run_flow(workspace, "catalog", "csv")
    refused = [r for r in report.rejects if r.record == "PF-201"]
    assert refused and "leads outside the media folder" in refused[0].reason
    assert not list((workspace.folder("outbox") / "shop").rglob("secret*"))


def test_only_changes_are_sent_until_full(workspace: Config, tmp_path: Path) -> None:
    first = run_catalog(workspace)
    assert first.written == 7
    again = run_catalog(workspace)  # the same export again: nothing changed
    # No header-only files: nothing changed, nothing to import.
    assert (again.written, again.skipped, [p for p in again.outputs if p.endswith(".csv")]) == (0, 7, [])
    changed = tmp_path / "changed"
    shutil.copytree(CATALOG, changed)
    text = (changed / "artikel.csv").read_bytes().replace(b";12,56;", b";12,99;")  # PF-201 price
    (changed / "artikel.csv").write_bytes(text)
    stock = (changed / "lagerbestand.csv").read_bytes().replace(b"GW-300;Au\xdfenlager;3", b"GW-300;Au\xdfenlager;5")
    (changed / "lagerbestand.csv").write_bytes(stock)
    drop(workspace, *sorted(changed.glob("*.csv")))
    delta = run_flow(workspace, "catalog", "csv")
    # GW-300's stock changed, and with it the stock of the set PF-210 (11 // 2 = 5).
    assert sorted(r["products_model"] for r in table(delta, "products")) == ["GW-300", "PF-201", "PF-210"]
    assert [(r["products_model"], r["warehouse"]) for r in table(delta, "products_stock")] == [("GW-300", "Außenlager")]
    assert delta.records_in == delta.written + delta.rejected + delta.skipped
    full = run_catalog(workspace, full=True)
    assert full.written == 7 and full.skipped == 0


def test_stock_flow_sums_warehouses_variants_and_sets(workspace: Config) -> None:
    drop(workspace, CATALOG / "lagerbestand.csv", CATALOG / "stueckliste.csv", CATALOG / "varianten.csv")
    report = run_flow(workspace, "stock", "csv")
    levels = {r["products_model"]: (r["stock_type"], r["products_quantity"])
              for r in table(report, "products_quantity")}
    assert levels["PF-200"] == ("article", "12") and levels["PF-210"] == ("bom", "4")
    assert levels["TS-100-SWZ-M"] == ("variant", "4") and levels["TS-100"] == ("variant_parent", "71")
    assert len(table(report, "products_stock")) == 18
    drop(workspace, CATALOG / "lagerbestand.csv", CATALOG / "stueckliste.csv", CATALOG / "varianten.csv")
    assert run_flow(workspace, "stock", "csv").written == 0


def test_category_tree_finds_cycles_and_orphans() -> None:
    levels, problems = category_tree({"1": None, "2": "1", "3": "2", "4": "9", "5": "4", "6": "7", "7": "6"})
    assert levels == {"1": 1, "2": 2, "3": 3}
    assert problems["4"] == ("category-parent-missing", {"parent": "9"})
    assert problems["5"] == ("category-below-unplaced", {"parent": "4"})
    assert problems["6"][0] == problems["7"][0] == "category-cycle"


def test_bom_stock_and_promotion_dates() -> None:
    from datetime import date

    assert bom_stock([("S", "A", Decimal(2)), ("S", "B", Decimal("0.5"))], {"A": Decimal(7), "B": Decimal(1)}) == {
        "S": Decimal(2)}
    assert bom_stock([("S", "A", Decimal(1))], {}) == {"S": Decimal(0)}
    day = date(2026, 5, 1)
    assert promotion_active(date(2026, 5, 1), date(2026, 5, 1), day)
    assert not promotion_active(date(2026, 4, 1), date(2026, 4, 30), day)
    assert not promotion_active(date(2026, 5, 2), None, day)


def _stage_history(config: Config, run: str, orders: list[tuple[str, str, list[str]]]) -> None:
    """Stage orders as the orders flow does: (order id, customer id, article numbers)."""
    import pyarrow as pa

    from etl.shared.model import schema
    from etl.state.staging import StagingWriter

    lineage = {"_file": "orders.csv", "_line": 1, "_run": run}
    heads = [{"order_id": o, "customer_id": c, **lineage} for o, c, _ in orders]
    items = [{"order_id": o, "position": n, "kind": "product", "sku": sku, **lineage}
             for o, _, skus in orders for n, sku in enumerate(skus, 1)]
    writer = StagingWriter(config.folder("staging") / run / "tables")
    for order_id, _, _ in orders:  # a chunk per order: with small row groups and parts, a part per order
        writer.append({"orders": pa.Table.from_pylist([h for h in heads if h["order_id"] == order_id],
                                                      schema("orders")),
                       "order_items": pa.Table.from_pylist([i for i in items if i["order_id"] == order_id],
                                                           schema("order_items"))})
    writer.close()


@pytest.mark.parametrize("parts", [False, True], ids=["one-file", "in-parts"])
@pytest.mark.parametrize("pruned", [False, True], ids=["fresh", "old-runs-pruned"])
def test_cross_selling_from_history_has_the_hand_counted_answer(workspace: Config, pruned: bool, parts: bool,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    if parts:  # as a long export is staged: every order in a part of its own (orders.2.parquet, ...)
        monkeypatch.setattr("etl.state.staging.ROW_GROUP_BYTES", 1)
        monkeypatch.setattr("etl.state.staging.PART_ROW_GROUPS", 1)
    run_catalog(workspace)  # ERP relations, and BU-400 is inactive
    # Baskets per customer: k1 {PF-200, PF-201, GW-300}, k2 {PF-200, PF-201, BU-400},
    # k3 {PF-200, GW-300, TS-100 (a variant, counted as its parent)}, k4 {PF-201}.
    _stage_history(workspace, "20260101-000000-aaaaaa", [
        ("1", "k1", ["PF-200", "PF-201"]), ("2", "k2", ["PF-200", "PF-201", "BU-400"]),
        ("3", "k3", ["PF-200", "TS-100-BLA-M"])])
    _stage_history(workspace, "20260102-000000-bbbbbb", [
        ("4", "k1", ["GW-300"]), ("5", "k3", ["GW-300"]), ("6", "k4", ["PF-201"]),
        ("3", "k3", ["PF-200", "TS-100-BLA-M"])])  # order 3 exported again: counted once
    if pruned:  # old runs keep their order history, so the answer does not depend on their age
        from etl.state.staging import prune

        prune(workspace.folder("staging"), keep=0)
    report = run_flow(workspace, "cross-selling", "csv")
    history = {(r["products_model"], r["xsell_model"], r["support"]) for r in table(report, "products_xsell")
               if r["origin"] == "history"}
    # Support >= 2: PF-200/PF-201 in k1, k2; PF-200/GW-300 in k1, k3 (ERP already names PF-200 -> GW-300).
    assert history == {("PF-200", "PF-201", "2"), ("PF-201", "PF-200", "2"), ("GW-300", "PF-200", "2")}
    erp = [r for r in table(report, "products_xsell") if r["origin"] == "erp"]
    assert len(erp) == 4 and all("BU-400" not in (r["products_model"], r["xsell_model"]) for r in erp)
