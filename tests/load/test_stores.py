"""Stores that route: orders of three stores, each written where its store's overrides say."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from etl.config import Config
from etl.pipeline import run_flow
from tests.conftest import ORDERS

STORES = '''stores:
  "2": {name: B2B-Shop, outbox: b2b, fields: {Belegart: AU}, value_maps: {price_groups: {"1": "7", "2": "7", "3": "7"}}}
  "3": {name: Outlet, outbox: outlet, defaults: {Bemerkung: Outlet-Bestellung}}
'''


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="cp1252")), delimiter=";"))


def test_orders_of_three_stores_go_where_their_store_says(workspace: Config) -> None:
    layout = workspace.base / "mappings" / "sage" / "orders.yaml"
    layout.write_text(layout.read_text(encoding="utf-8").replace("flow: orders\n", "flow: orders\n" + STORES, 1),
                      encoding="utf-8")
    data = (ORDERS / "flat_cp1252.csv").read_bytes().replace(b"\n10004;1;", b"\n10004;3;")
    (workspace.folder("inbox") / "orders.csv").write_bytes(data)
    report = run_flow(workspace, "orders", "csv")
    outbox = workspace.folder("outbox") / "sage"
    header = {folder: _rows(next((outbox / folder).glob("orders_*_header.csv"))) for folder in ("", "b2b", "outlet")}
    assert {r["Shopbestellnummer"] for r in header["outlet"]} == {"10004"}
    assert header["outlet"][0]["Bemerkung"] == "Outlet-Bestellung"
    assert {r["Belegart"] for r in header["b2b"]} == {"AU"} and {r["Preisgruppe"] for r in header["b2b"]} == {"7"}
    assert {r["Belegart"] for r in header[""]} == {"AB"} and "10004" not in {r["Shopbestellnummer"] for r in header[""]}
    positions = _rows(next((outbox / "outlet").glob("orders_*_positions.csv")))
    assert {r["Shopbestellnummer"] for r in positions} == {"10004"}
    assert report.stores == {"other": len(header[""]), "B2B-Shop": len(header["b2b"]), "Outlet": 1}
    assert sum(report.stores.values()) == report.written
    assert any(n.startswith("written per store:") for n in report.notes)
