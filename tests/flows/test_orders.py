"""The orders flow: every export form gives the same orders; bad records are refused with reasons."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pytest

from etl.config import Config, load_config
from etl.extract import csv_source, read_file
from etl.report.run_report import read_rejects
from etl.workspace import create_workspace
from tests.conftest import ORDERS, run_orders

FORMS = ["xtc_csv_cp1252", "xtc_csv_utf8bom", "mysql_xml", "mysqldump_xml", "phpmyadmin_xml",
         "phpmyadmin_json", "flat_cp1252.csv"]
WRITTEN = ["10001", "10002", "10003", "10004", "10005", "10006", "10008"]


def _records(report) -> list[dict]:  # type: ignore[no-untyped-def]
    (output,) = report.outputs
    return json.loads(Path(output).read_text(encoding="utf-8"))["records"]


@pytest.mark.parametrize("form", FORMS)
def test_every_export_form_gives_the_same_orders(workspace: Config, form: str) -> None:
    report = run_orders(workspace, ORDERS / form, fmt="json")
    records = _records(report)
    assert [r["Shopbestellnummer"] for r in records] == WRITTEN
    orphan = 0 if form.startswith("flat") else 1
    assert (report.records_in, report.written, report.rejected) == (8 + orphan, 7, 1 + orphan)
    assert report.records_in == report.written + report.rejected
    by_id = {r["Shopbestellnummer"]: r for r in records}
    assert by_id["10001"]["Gesamtbetrag"] == "98.70"
    assert by_id["10001"]["Kundennummer"] == "01042"
    assert by_id["10003"]["Bruttopreise"] is False
    assert by_id["10003"]["UStIdNr"] == "ATU12345678"
    assert by_id["10006"]["LI_Land"] == "CH"
    assert by_id["10006"]["RE_Land"] == "DE"
    assert sorted(p["Positionsart"] for p in by_id["10005"]["positions"]) == [
        "Artikel", "Artikel", "Gutschein", "Rabatt", "Versand"]
    assert by_id["10004"]["positions"][0]["Variante"].replace(" |", ";") == "Farbe: Blau; Größe: M"
    assert by_id["10004"]["Zahlungsart"] == "Lastschrift"  # banktransfer is direct debit
    stores = {r["Shop"] for r in records}
    assert stores == {"Hauptshop", "B2B-Shop"}


def test_positions_add_up_to_the_order_total(workspace: Config) -> None:
    from decimal import Decimal

    for record in _records(run_orders(workspace, ORDERS / "xtc_csv_cp1252", fmt="json")):
        lines = sum(Decimal(p["Gesamt_Brutto"]) for p in record["positions"])
        assert abs(lines - Decimal(record["Gesamtbetrag"])) <= Decimal("0.01") * len(record["positions"])
        if record["Bruttopreise"]:
            assert lines == Decimal(record["Gesamtbetrag"])


def test_net_b2b_order_carries_its_taxes_per_rate(workspace: Config) -> None:
    records = _records(run_orders(workspace, ORDERS / "xtc_csv_cp1252", fmt="json"))
    b2b = next(r for r in records if r["Shopbestellnummer"] == "10003")
    assert (b2b["Steuersatz1"], b2b["Steuer1"], b2b["Steuersatz2"], b2b["Steuer2"]) == (
        "19.00", "44.48", "7.00", "14.65")
    position = b2b["positions"][0]
    assert (position["Einzelpreis_Netto"], position["Gesamt_Netto"]) == ("41.9300", "167.72")


def test_rejects_name_file_line_field_value_and_reason(workspace: Config) -> None:
    report = run_orders(workspace, ORDERS / "xtc_csv_cp1252")
    rows = read_rejects(Path(report.rejects_file))
    unbalanced = next(r for r in rows if r["record"] == "10007")
    assert unbalanced["file"] == "orders.csv" and unbalanced["field"] == "ot_total"
    assert unbalanced["value"] == "67.85"
    assert "(Differenz 0,10\xa0€)" in unbalanced["reason"]  # the reject file speaks the working folder's German
    assert unbalanced["code"] == "order-does-not-add-up"
    orphan = next(r for r in rows if r["value"] == "19999")
    assert orphan["file"] == "orders_products.csv" and orphan["line"] == "19"
    assert "nicht im Export" in orphan["reason"]


@pytest.mark.parametrize(("case", "refused", "field", "reason"), [
    pytest.param("flat_not_numeric.csv", "31002", "products_price", "not a number", id="not-numeric"),
    pytest.param("flat_unknown_payment.csv", "32002", "payment_class", "value map 'payment'", id="payment"),
    pytest.param("flat_missing_total.csv", "34002", "ot_total", "no grand total", id="missing-total"),
    pytest.param("flat_not_cp1252.csv", "33003", "Bezeichnung", "cp1252 cannot hold", id="emoji"),
])
def test_one_bad_order_is_refused_and_the_good_ones_go_through(
        workspace: Config, case: str, refused: str, field: str, reason: str) -> None:
    report = run_orders(workspace, ORDERS / "cases" / case)
    assert report.exit_code == 1
    assert report.rejected == 1 and report.written == report.records_in - 1
    (reject,) = [r for r in report.rejects if r.record == refused]
    assert reject.field == field and reason in reject.reason
    header = Path(next(o for o in report.outputs if o.endswith("_header.csv"))).read_bytes().decode("cp1252")
    assert f'"{refused}"' not in header


def test_text_outside_cp1252_is_transliterated(workspace: Config) -> None:
    report = run_orders(workspace, ORDERS / "cases/flat_not_cp1252.csv")
    header = Path(next(o for o in report.outputs if o.endswith("_header.csv"))).read_bytes().decode("cp1252")
    assert "\"Lukasz\";\"Dvorák\"" in header  # ř has no cp1252 form and becomes r; á is cp1252 and stays


def test_other_flows_files_stay_in_the_inbox(workspace: Config) -> None:
    report = run_orders(workspace, ORDERS / "cases/other_flow_customers.csv", ORDERS / "flat_cp1252.csv")
    assert (workspace.folder("inbox") / "other_flow_customers.csv").exists()
    assert [f.name for f in report.files if f.status != "ignored"] == ["flat_cp1252.csv"]
    (ignored,) = [f for f in report.files if f.status == "ignored"]
    assert ignored.name == "other_flow_customers.csv" and "'customers'" in (ignored.reason or "")


def _flat_rows() -> list[list[str]]:
    with (ORDERS / "flat_cp1252.csv").open(encoding="cp1252", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def _write_flat(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(rows)
    return path


def test_orders_cut_by_read_blocks_stay_whole(workspace: Config, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _records(run_orders(workspace, ORDERS / "flat_cp1252.csv", fmt="json"))
    # Every 2 KB read is a batch of its own: most orders begin in one batch and end in the next.
    monkeypatch.setattr(csv_source, "READ_BLOCK", 2048)
    monkeypatch.setattr(csv_source, "FIRST_BATCH", 1)
    monkeypatch.setattr(csv_source, "BLOCK_SIZE", 1)
    (raw,) = read_file(ORDERS / "flat_cp1252.csv")
    assert len([batch for batch in raw.batches() if isinstance(batch, pa.Table)]) > 3  # Arrow's reader, cut
    other = tmp_path / "other"
    report = run_orders(load_config(create_workspace(other)), ORDERS / "flat_cp1252.csv", fmt="json")
    assert (report.records_in, report.written, report.rejected) == (8, 7, 1)
    assert _records(report) == whole


def test_an_order_whose_lines_are_apart_is_one_order(workspace: Config, tmp_path: Path) -> None:
    rows = _flat_rows()
    first_of_10007 = next(i for i, row in enumerate(rows) if row[0] == "10007")
    rows.append(rows.pop(first_of_10007))  # 10007, 10008, 10007: the file's last order is not its tail
    report = run_orders(workspace, _write_flat(tmp_path / "orders_apart.csv", rows), fmt="json")
    assert (report.records_in, report.written, report.rejected) == (8, 7, 1)
    assert [r["Shopbestellnummer"] for r in _records(report)] == WRITTEN
    assert {r.record for r in report.rejects} == {"10007"}


def test_a_broken_row_after_the_first_blocks_is_refused_and_the_rest_goes_on(
        workspace: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_source, "READ_BLOCK", 2048)
    monkeypatch.setattr(csv_source, "FIRST_BATCH", 1)
    monkeypatch.setattr(csv_source, "BLOCK_SIZE", 1)
    header, *rows = _flat_rows()
    copies = [[str(int(row[0]) + 100 * n), *row[1:]] for n in range(3) for row in rows]  # ~30 KB, many blocks
    path = _write_flat(tmp_path / "orders_broken.csv", [header, *copies])
    data = path.read_bytes()
    # An unterminated quote after Arrow's first batches: from there the Python reader takes over and
    # marks the rows it cannot split; the order cut at that batch's start must still join them.
    at = data.index(b"\r\n10201;") + 2
    path.write_bytes(data[:at] + b'99999;"kaputt\r\n' + data[at:])
    report = run_orders(workspace, path, fmt="json")
    broken = [r for r in report.rejects if "cannot be split" in r.reason]
    assert broken and all(r.file == "orders_broken.csv" and r.line for r in broken)
    written = {r["Shopbestellnummer"] for r in _records(report)}
    assert {"10001", "10002", "10101", "10102"} <= written  # the orders before the broken row
    assert report.records_in == report.written + report.rejected
