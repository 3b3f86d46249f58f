"""The customers flow: shop customers and the filled template become GS-Office customers, linked by number."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import RunOptions, get_flow, load_layouts, run_flow
from etl.template import write_template
from tests.conftest import DATA, ORDERS, drop

CUSTOMERS = DATA / "customers"


def _records(report) -> list[dict]:  # type: ignore[no-untyped-def]
    (output,) = report.outputs
    return json.loads(Path(output).read_text(encoding="utf-8"))["records"]


@pytest.mark.parametrize("form", ["xtc_cp1252", "xtc_utf8"])
def test_shop_customers_are_checked_merged_and_numbered(workspace: Config, form: str) -> None:
    drop(workspace, CUSTOMERS / form)
    report = run_flow(workspace, "customers", "json")
    records = _records(report)
    assert report.records_in == report.written + report.rejected == 12
    refused = {(r.record, r.field) for r in report.rejects}
    assert {("509", "customers_email_address"), ("510", "entry_postcode")} <= refused  # the columns of the export
    assert any(record == "512" for record, _ in refused)  # unknown country id
    by_shop_id = {r["Shopkundennummer"]: r for r in records}
    assert "511" not in by_shop_id  # the same e-mail as 507: one ERP customer
    assert by_shop_id["501"]["Name"] == "Weiß" and by_shop_id["501"]["Strasse"] == "Königsallee"
    dealers = [r for r in records if r.get("UStIdNr")]
    assert dealers and all(r["B2B"] for r in dealers)
    assert len(by_shop_id["502"]["addresses"]) == 1  # a second delivery address
    assert len({r["Kundennummer"] for r in records}) == len(records)


def test_links_survive_a_restart_and_orders_use_them(workspace: Config) -> None:
    drop(workspace, CUSTOMERS / "xtc_cp1252")
    customers = _records(run_flow(workspace, "customers", "json"))
    guest_number = next(r["Kundennummer"] for r in customers if r["Shopkundennummer"] == "508")
    links = sqlite3.connect(workspace.folder("state") / "links.sqlite")
    # 508 is a guest: linked by its e-mail address, not by its shop id
    assert links.execute("SELECT erp_id FROM links WHERE kind='email' AND shop_key='lukas.hoffmann@example.com'"
                         ).fetchone() == (guest_number,)
    assert links.execute("SELECT count(*) FROM links WHERE kind='customer' AND shop_key='508'").fetchone() == (0,)
    links.close()
    drop(workspace, ORDERS / "flat_cp1252.csv")
    orders = _records(run_flow(workspace, "orders", "json"))
    first = {r["Shopbestellnummer"]: r["Kundennummer"] for r in orders}
    drop(workspace, ORDERS / "flat_cp1252.csv")
    again = _records(run_flow(workspace, "orders", "json", RunOptions(force=True)))
    assert {r["Shopbestellnummer"]: r["Kundennummer"] for r in again} == first  # same numbers after restart
    assert len(set(first.values())) == len(first)


def test_dry_run_hands_out_no_numbers(workspace: Config) -> None:
    run_flow(workspace, "orders", "csv", files=[])  # the working folder has state now
    drop(workspace, ORDERS / "flat_cp1252.csv")
    run_flow(workspace, "orders", "csv", RunOptions(dry_run=True))
    assert _links(workspace) == 0
    run_flow(workspace, "orders", "csv")  # the same file for real does hand out numbers
    assert _links(workspace) > 0


def _links(config: Config) -> int:
    path = config.folder("state") / "links.sqlite"
    if not path.exists():
        return 0
    links = sqlite3.connect(path)
    try:
        return int(links.execute("SELECT count(*) FROM links").fetchone()[0])
    finally:
        links.close()


def test_filled_xlsx_template_is_imported(workspace: Config) -> None:
    drop(workspace, CUSTOMERS / "template_filled.xlsx")
    report = run_flow(workspace, "customers", "json")
    records = _records(report)
    assert (report.written, report.rejected) == (6, 0)
    dresden = next(r for r in records if r["Ort"] == "Dresden")
    assert dresden["PLZ"] == "01067"  # a text cell keeps its leading zero
    assert any(r["PLZ"] == "80331" for r in records)  # a number cell becomes the same text
    assert all(r["Land"] in {"DE", "AT", "CH"} for r in records)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_round_trip(workspace: Config, fmt: str) -> None:
    layout = load_layouts(workspace, get_flow("customers")).source
    path = write_template(layout, fmt, workspace.folder("inbox") / f"kunden_vorlage.{fmt}")
    _fill(path, ["", "Herr", "", "Jürgen", "Weiß", "Hauptstraße 1", "", "01067", "Dresden", "DE", "", "", "",
                 "", "2", "nein", "Rechnung"])
    report = run_flow(workspace, "customers", "csv")
    assert (report.records_in, report.written, report.rejected) == (1, 1, 0), report.rejects
    header = Path(next(o for o in report.outputs if o.endswith("_customers.csv"))).read_bytes().decode("cp1252")
    assert "Weiß" in header and "Dresden" in header
    assert "Mustermann" not in header  # the marked example row is never imported
    assert not path.exists()  # archived


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_left_as_written_imports_nobody(workspace: Config, fmt: str) -> None:
    layout = load_layouts(workspace, get_flow("customers")).source
    write_template(layout, fmt, workspace.folder("inbox") / f"kunden_vorlage.{fmt}")
    report = run_flow(workspace, "customers", "csv")
    assert (report.records_in, report.written, report.rejected) == (0, 0, 0), report.rejects


def test_template_rows_without_a_number_give_the_erp_no_file_and_line(workspace: Config) -> None:
    drop(workspace, CUSTOMERS / "template_filled.xlsx")
    report = run_flow(workspace, "customers", "csv")
    assert (report.written, report.rejected) == (6, 0), report.rejects
    (output,) = [Path(o) for o in report.outputs if o.endswith("_customers.csv")]
    text = output.read_bytes().decode("cp1252")
    assert "template_filled" not in text  # the row's key is ours: never in a GS-Office field
    lines = [line.split(";") for line in text.splitlines()]
    shop_id = lines[0].index("Shopkundennummer")
    gross = next(line for line in lines if any("Groß" in cell for cell in line))  # the row without a Kundennummer
    assert gross[shop_id] == ""


def test_xlsx_template_keeps_leading_zeros_typed_in_excel(workspace: Config) -> None:
    from openpyxl import load_workbook

    layout = load_layouts(workspace, get_flow("customers")).source
    path = write_template(layout, "xlsx", workspace.folder("inbox") / "kunden_vorlage.xlsx")
    book = load_workbook(path)
    sheet = book.active
    titles = [cell.value for cell in sheet[1]]
    typed = {"Nachname": "Weiß", "Straße und Hausnummer": "Hauptstraße 1", "PLZ": "01067", "Ort": "Dresden",
             "Telefon": "0351 123456", "Kundennummer": "00815", "Kundengruppe": "2"}
    for index, title in enumerate(titles, start=1):
        cell = sheet.cell(row=10, column=index)  # rows below the example, as far down as a merchant goes
        cell.number_format = sheet.column_dimensions[cell.column_letter].number_format  # Excel: the column's
        text = typed.get(title)
        # Excel reads digits typed into a General cell as a number: 01067 would become 1067
        cell.value = text if cell.number_format == "@" or not (text or "").isdigit() else int(text or 0)
    book.save(path)
    report = run_flow(workspace, "customers", "json")
    assert (report.written, report.rejected) == (1, 0), report.rejects
    (record,) = _records(report)
    assert (record["PLZ"], record["Telefon"], record["Kundennummer"]) == ("01067", "0351 123456", "00815")


def _fill(path: Path, row: list[str]) -> None:
    """Add a row below the template's example, as a merchant does in Excel."""
    if path.suffix == ".csv":
        with path.open("a", encoding="cp1252", newline="") as handle:
            handle.write(";".join(row) + "\r\n")
        return
    from openpyxl import load_workbook

    book = load_workbook(path)
    book.active.append(row)
    book.save(path)


def test_orders_say_when_customers_are_new(workspace: Config) -> None:
    drop(workspace, ORDERS / "flat_cp1252.csv")
    report = run_flow(workspace, "orders", "csv")
    assert any("not yet in the ERP" in note for note in report.notes)


def test_orders_can_export_their_customers_with_them(workspace: Config) -> None:
    config_file = workspace.base / "etl.yaml"
    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + "flows:\n  orders:\n    extra_targets: [sage/customers.yaml]\n", encoding="utf-8")
    from etl.config import load_config

    config = load_config(config_file)
    drop(config, ORDERS / "xtc_csv_cp1252")
    report = run_flow(config, "orders", "json")
    (customers_file,) = [p for p in report.outputs if p.endswith("_customers.json")]
    customers = json.loads(Path(customers_file).read_text(encoding="utf-8"))["records"]
    orders = json.loads(Path(next(p for p in report.outputs if p != customers_file)).read_text(encoding="utf-8"))
    assert {c["Kundennummer"] for c in customers} == {o["Kundennummer"] for o in orders["records"]}
    guest = next(c for c in customers if c["Name"] == "Schulze")  # the guest order 10002
    assert guest["Ort"] == "Berlin" and guest["Strasse"] == "Großbeerenstraße"
    assert not any("not yet in the ERP" in note for note in report.notes)


def _template_with(workspace: Config, name: str, row: list[str]) -> Path:
    """A template `name` in the inbox with one filled row (the row below the example: the same line each time)."""
    layout = load_layouts(workspace, get_flow("customers")).source
    path = write_template(layout, "csv", workspace.folder("inbox") / name)
    _fill(path, row)
    return path


def _numbers(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Name -> Kundennummer of the customers a csv run wrote."""
    output = Path(next(o for o in report.outputs if o.endswith("_customers.csv"))).read_bytes().decode("cp1252")
    return {row["Name"]: row["Kundennummer"] for row in csv.DictReader(io.StringIO(output), delimiter=";")}


def _person(last: str, email: str) -> list[str]:
    return ["", "Frau", "", "Anna", last, "Hauptstraße 1", "", "01067", "Dresden", "DE", "", "", email, "", "2",
            "nein", "Rechnung"]


def test_template_rows_are_linked_by_e_mail_not_by_file_and_line(workspace: Config) -> None:
    drop(workspace, CUSTOMERS / "xtc_cp1252")  # the shop's customers: linked by shop id and e-mail
    shop = _records(run_flow(workspace, "customers", "json"))
    known = next(r for r in shop if r["Shopkundennummer"] == "501")
    first = _numbers(run_flow(workspace, "customers", "csv", files=[
        _template_with(workspace, "kunden.csv", _person("Adler", "anna.adler@example.de"))]))
    # a later template of the same name: its row on the same line is another customer, with a number of its own
    later = _numbers(run_flow(workspace, "customers", "csv", files=[
        _template_with(workspace, "kunden.csv", _person("Berger", "b.berger@example.de"))]))
    assert later["Berger"] != first["Adler"]
    # a template row with a shop customer's e-mail is that customer
    mail = _numbers(run_flow(workspace, "customers", "csv", files=[
        _template_with(workspace, "kunden.csv", _person("Weiß", known["EMail"].upper()))]))
    assert mail["Weiß"] == known["Kundennummer"]
    # the same person in a corrected template (another file: a phone number added) keeps the number
    corrected = _person("Adler", "anna.adler@example.de")
    corrected[10] = "0351 123456"
    again = _numbers(run_flow(workspace, "customers", "csv", files=[
        _template_with(workspace, "kunden_neu.csv", corrected)]))
    assert again["Adler"] == first["Adler"]
    links = sqlite3.connect(workspace.folder("state") / "links.sqlite")
    assert links.execute("SELECT count(*) FROM links WHERE shop_key LIKE 'kunden%'").fetchone() == (0,)
    links.close()
