"""ERP orders: orders taken in GS-Office -> shop order imports, never duplicating the shop's own orders."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import run_flow
from etl.validate import validate_file
from tests.conftest import DATA, ORDERS, drop, run_orders

ERP_ORDERS = DATA / "erp_orders"


@pytest.fixture
def shop(workspace: Config) -> Config:
    """The shop's orders were imported into the ERP (orders flow): their customers are linked."""
    run_orders(workspace, ORDERS / "xtc_csv_cp1252")
    return workspace


def _rows(report, suffix: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    path = Path(next(o for o in report.outputs if o.endswith(suffix)))
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))


def test_phone_and_fax_orders_reach_the_web_account(shop: Config) -> None:
    drop(shop, ERP_ORDERS)
    report = run_flow(shop, "erp-orders", "csv")
    assert (report.records_in, report.written, report.rejected, report.skipped) == (6, 2, 3, 1), report.rejects
    orders = {r["erp_order_number"]: r for r in _rows(report, "_orders.csv")}
    assert set(orders) == {"AU-24031", "AU-24032"}
    phone = orders["AU-24031"]
    assert (phone["placed_in_shop"], phone["order_channel"], phone["customers_id"], phone["customers_cid"]) == (
        "0", "phone", "2203", "H-2203")
    assert phone["order_total"] == "1499.40" and phone["billing_company"] == "Bäckerei Özdemir"
    assert "orders_id" not in phone  # the shop numbers them itself: an ERP number is never a shop order id
    positions = _rows(report, "_orders_products.csv")
    assert [(p["erp_order_number"], p["products_model"], p["final_price"]) for p in positions] == [
        ("AU-24031", "KM-PRO", "1160.00"), ("AU-24031", "BOHNEN-1KG", "100.00"), ("AU-24032", "TS-CL-BL-M", "59.80")]
    reasons = {(r.record, r.field): r.reason for r in report.rejects}
    assert "no shop customer is linked" in reasons["AU-24033", "Kundennummer"]
    assert "add up to 90.00" in reasons["AU-24034", "Nettobetrag"]
    assert "never imported" in reasons["AU-24035", "Shopbestellnummer"]
    assert "without its order header" in reasons["AU-24099", "Auftragsnummer"]


def test_a_shop_order_coming_back_from_the_erp_is_not_imported_again(shop: Config) -> None:
    drop(shop, ERP_ORDERS)
    report = run_flow(shop, "erp-orders", "csv")
    assert any("came from the shop" in note and "AU-24001" in note for note in report.notes)
    assert "AU-24001" not in {r["erp_order_number"] for r in _rows(report, "_orders.csv")}
    # The next ERP export (another file) lists the same orders again: nothing is imported twice.
    for path in drop(shop, ERP_ORDERS):
        path.write_bytes(path.read_bytes() + b"\r\n")
    again = run_flow(shop, "erp-orders", "csv")
    assert (again.written, again.skipped) == (0, 3)


@pytest.mark.parametrize("fmt", ["xml", "json", "txt"])
def test_every_format(shop: Config, fmt: str) -> None:
    drop(shop, ERP_ORDERS)
    report = run_flow(shop, "erp-orders", fmt)
    assert report.written == 2, report.rejects
    for output in report.outputs:
        path = Path(output)
        if fmt in ("xml", "json"):
            assert validate_file(shop, path) == []
        if fmt == "json":
            records = json.loads(path.read_text(encoding="utf-8"))["records"]
            assert [len(r["orders_products"]) for r in records] == [2, 1]
