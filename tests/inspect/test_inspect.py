"""`etl inspect`: what a consultant sees of an export, read as a run reads it, nothing written or moved."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from etl.config import Config
from etl.examine import inspect_files, render
from etl.examine.look import Inspection
from etl.pipeline import RunOptions, run_flow
from tests.conftest import ORDERS

SET = ORDERS / "xtc_csv_cp1252"


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_a_table_set_shows_encoding_dialect_columns_neutral_rows_and_rejects(tmp_path: Path) -> None:
    before = _digest(SET)
    seen = inspect_files(Config(base=tmp_path), sorted(SET.iterdir()), rows=3)
    orders = next(f for f in seen.files if f.file == "orders.csv")
    assert (orders.encoding, orders.dialect and orders.dialect["separator"]) == ("cp1252", ";")
    assert orders.confidence is not None and orders.confidence > 0.5
    taken = orders.taken[0]
    assert (taken.flow, taken.table) == ("orders", "orders") and "orders_id" in taken.why
    assert "orders_id" in taken.columns.found and taken.columns.missing == []
    assert "customers_firstname" in taken.columns.ignored  # the layout reads the billing name instead
    (flow,) = seen.flows
    assert flow.flow == "orders" and flow.refused is None and len(flow.files) == 5
    first = flow.rows["orders"][0]
    assert (first["order_id"], first["total"], first["order_date"]) == ("10001", "98.7000", "2026-11-18T09:12:44")
    assert flow.types["orders"]["total"] == "decimal128(18, 4)"
    unbalanced = next(r for r in flow.rejects if r["record"] == "10007")  # in the language inspect speaks
    assert unbalanced["code"] == "order-does-not-add-up" and "geht nicht auf" in str(unbalanced["reason"])
    text = render_in("en", seen)
    assert "taken for    orders: table orders of mappings/shop/orders.yaml" in text
    assert re.search(r"genommen für +orders: Tabelle orders von mappings/shop/orders.yaml", render_in("de", seen))
    assert "neutral table orders (first 3 rows, as typed):" in text
    assert _digest(SET) == before  # nothing written, nothing moved


def test_a_missing_column_is_named_before_any_row_is_read(tmp_path: Path) -> None:
    lines = (SET / "orders_products.csv").read_text(encoding="cp1252").splitlines()
    cut = lines[0].split(";").index("products_tax")
    path = tmp_path / "orders_products.csv"
    path.write_text("\n".join(";".join(f for i, f in enumerate(line.split(";")) if i != cut) for line in lines),
                    encoding="cp1252")
    seen = inspect_files(Config(base=tmp_path), [SET / "orders.csv", path, SET / "orders_total.csv"], "orders")
    columns = next(f for f in seen.files if f.file == path.name).taken[0].columns
    assert columns.missing == ["products_tax"] and "lacks the column(s) 'products_tax'" in (columns.problem or "")
    assert "products_tax" in (seen.flows[0].refused or "")


def test_a_file_no_flow_reads_lists_the_recognising_columns_each_flow_lacks(tmp_path: Path) -> None:
    path = tmp_path / "lager.csv"
    path.write_bytes("Artikel;Lagerplatz;Menge\r\nKM-2000;A1;3\r\n".encode("cp1252"))
    (item,) = inspect_files(Config(base=tmp_path), [path]).files
    tried = {t.flow: t.lacking for t in item.tried}
    assert tried["orders"]["orders"] == ["orders_id", "date_purchased", "customers_id"]
    assert "Artikelnummer" in tried["stock"]["stock"]
    assert item.reason and "no flow reads this file" in item.reason and "Artikel, Lagerplatz, Menge" in item.reason


def test_the_command_prints_text_and_json(tmp_path: Path) -> None:
    flat = ORDERS / "flat_cp1252.csv"
    command = [sys.executable, "-m", "etl", "inspect", str(flat), "--flow", "orders", "--rows", "1"]
    text = subprocess.run([*command, "--lang", "en"], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert text.returncode == 0, text.stderr
    assert "taken for    orders: a flat export (one row per line)" in text.stdout
    as_json = subprocess.run([*command, "--json"], capture_output=True, text=True, cwd=tmp_path, check=False)
    data = json.loads(as_json.stdout)
    assert data["files"][0]["dialect"]["separator"] == ";"
    assert data["flows"][0]["rows"]["orders"][0]["order_id"] == "10001"
    unknown = tmp_path / "x.csv"
    unknown.write_text("a;b\n1;2\n", encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "etl", "inspect", str(unknown)], capture_output=True,
                             text=True, cwd=tmp_path, check=False)
    assert refused.returncode == 1 and "no flow reads this file" in refused.stdout


def test_the_run_report_lists_ignored_columns_per_input(workspace: Config) -> None:
    (workspace.folder("inbox") / "flat.csv").write_bytes((ORDERS / "flat_cp1252.csv").read_bytes())
    report = run_flow(workspace, "orders", "csv", RunOptions(dry_run=True))
    (read,) = report.inputs
    assert "customers_firstname" in read.ignored["flat"] and "orders_id" not in read.ignored["flat"]
    assert "customers_firstname" in report.as_dict()["inputs"][0]["ignored"]["flat"]  # type: ignore[index]


def render_in(lang: str, seen: Inspection) -> str:
    """The text of `etl inspect` in `lang`."""
    from etl import i18n

    i18n.set_language(lang)
    try:
        return render(seen)
    finally:
        i18n.set_language(None)
