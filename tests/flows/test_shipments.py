"""Shipments: ERP delivery notes -> shop import, carrier label files, tracking mails (saved as .eml)."""

from __future__ import annotations

import csv
import io
import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import yaml

from etl.config import Config, load_config
from etl.pipeline import RunOptions, run_flow
from tests.conftest import DATA, ORDERS, drop, run_orders

SHIPMENTS = DATA / "shipments"
# The columns of DHL's "Vorlage Sendungsdatenimport" (docs/carriers.md names the source), as the file has them.
DHL_TEMPLATE = [f.get("header", f["name"]) for f in yaml.safe_load(
    (Path(__file__).parents[2] / "mappings/carrier/dhl.yaml").read_text(encoding="utf-8"))["records"]["dhl"]["fields"]]
SETTINGS = {
    "sender": {"name": "Kaffee & Co. GmbH", "street": "Industriestraße", "house_number": "5",
               "postcode": "70565", "city": "Stuttgart", "country": "DE", "email": "versand@kaffee-co.example.de"},
    "carriers": {"dhl": {"billing_numbers": {"V01PAK": "12345678900101", "V53WPAK": "12345678905301"},
                         "cod_iban": "DE02120300000000202051", "cod_bic": "BYLADEM1001",
                         "cod_account_holder": "Kaffee & Co. GmbH", "cod_bank_name": "Deutsche Kreditbank"}},
    "mail": {"sender": "Kaffee & Co. <shop@kaffee-co.example.de>", "shop_name": "Kaffee & Co."},
}


def configure(workspace: Config, **extra: object) -> Config:
    """The workspace with sender, DHL billing number and mail sender in etl.yaml (plus `extra`)."""
    path = workspace.base / "etl.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(SETTINGS)
    data.update(extra)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


@pytest.fixture
def shipped(workspace: Config) -> Config:
    """A workspace whose shop orders were imported (so the shop knows them), configured for labels."""
    config = configure(workspace)
    run_orders(config, ORDERS / "xtc_csv_cp1252")
    return config


def outputs(report, suffix: str) -> Path:  # type: ignore[no-untyped-def]
    return Path(next(o for o in report.outputs if o.endswith(suffix)))


def rows(path: Path, encoding: str = "utf-8", delimiter: str = ";") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding)), delimiter=delimiter))


def test_delivery_notes_become_shop_import_labels_and_mails(shipped: Config) -> None:
    drop(shipped, SHIPMENTS)
    report = run_flow(shipped, "shipments", "csv")
    assert (report.records_in, report.written, report.rejected) == (8, 5, 3)
    reasons = {(r.record, r.field): r.reason for r in report.rejects}
    assert "not a DHL parcel number (20 digits starting 00340434" in reasons["LS-50004", "Paketnummer"]
    assert "the shop does not know order 10099" in reasons["LS-50009", "Shopbestellnummer"]
    # A note whose label is refused is refused whole: no shop update (no address), no mail (docs/carriers.md)
    assert "no house number" in reasons["LS-50005", "Empfaenger_Hausnummer"]
    assert "(no shop update, no mail)" in reasons["LS-50005", "Empfaenger_Hausnummer"]
    status = {r["delivery_note"]: r for r in rows(outputs(report, "_status.csv"))}
    assert set(status) == {"LS-50001", "LS-50002", "LS-50003", "LS-50006", "LS-50008"}
    assert status["LS-50001"]["orders_status_id"] == "3" and status["LS-50006"]["orders_status_id"] == "2"
    assert "piececode=00340434161094042564" in status["LS-50001"]["comments"]
    tracking = rows(outputs(report, "_tracking.csv"))
    assert [(t["orders_id"], t["carrier_id"], t["parcel_id"]) for t in tracking] == [
        ("10001", "1", "00340434161094042557"), ("10001", "1", "00340434161094042564"),
        ("10002", "2", "01234567890123"), ("10003", "1", "340434161094"), ("10003", "1", "00340434161094042588")]
    assert tracking[2]["tracking_link"] == "https://my.dpd.de/redirect.aspx?action=2&parcelno=01234567890123&locale=en"
    customer = {r["customers_cid"]: r for r in rows(outputs(report, "_customer_shipping.csv"))}
    assert customer["01042"]["customers_id"] == "1042"
    assert customer["01042"]["entry_street_address"] == "Königstraße 12a"
    assert customer["01042"]["shipping_method"] == "DHL Paket"
    assert len(list((shipped.folder("outbox") / "mail").glob("*.eml"))) == 3


def test_dhl_portal_csv_column_by_column(shipped: Config) -> None:
    drop(shipped, SHIPMENTS)
    report = run_flow(shipped, "shipments", "xml")  # carrier files keep their own format
    path = outputs(report, "_dhl.csv")
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == 2 and "Zürich".encode("cp1252") in raw
    (label,) = rows(path, "cp1252")
    assert list(label) == DHL_TEMPLATE  # every column of DHL's template, in its order
    filled = {k: v for k, v in label.items() if v}
    assert filled == {
        "Sendungsreferenz": "LS-50006", "Sendungsdatum": "21.11.2026", "Absender Name 1": "Kaffee & Co. GmbH",
        "Absender Straße": "Industriestraße", "Absender Hausnummer": "5", "Absender PLZ": "70565",
        "Absender Ort": "Stuttgart", "Absender Land": "DEU", "Absender E-Mail-Adresse": "versand@kaffee-co.example.de",
        "Empfänger Name 1": "Heinz Krämer", "Empfänger Straße": "Bahnhofstrasse", "Empfänger Hausnummer": "15",
        "Empfänger PLZ": "8001", "Empfänger Ort": "Zürich", "Empfänger Land": "CHE",
        "Empfängerreferenz": "01215", "Empfänger E-Mail-Adresse": "heinz.kraemer@example.de",
        "Empfänger Telefonnummer": "+41 44 1234567", "Gewicht": "4,50",
        "Produkt- und Servicedetails": "V53WPAK", "Abrechnungsnummer": "12345678905301",
        "Service - Versandbestätigung - E-Mail-Adresse": "heinz.kraemer@example.de",
        "Service - Nachnahme - Betrag": "96,20", "Service - Nachnahme - IBAN": "DE02120300000000202051",
        "Service - Nachnahme - BIC": "BYLADEM1001", "Service - Nachnahme - Zahlungsempfänger": "Kaffee & Co. GmbH",
        "Service - Nachnahme - Bankname": "Deutsche Kreditbank",
        "Service - Nachnahme - Verwendungszweck 1": "Bestellung 10006",
        "Sendungsdokumente - Rechnungsnummer": "RE-90006",
        "Sendungsdokumente - Beschreibung (WP1)": "Röstkaffee, ganze Bohnen", "Sendungsdokumente - Menge (WP1)": "4",
        "Sendungsdokumente - Zollwert (WP1)": "84,70", "Sendungsdokumente - Ursprungsland (WP1)": "DEU",
        "Sendungsdokumente - Zolltarifnummer (WP1)": "09012100",
    }
    assert raw.splitlines()[1].startswith(b'"LS-50006";"21.11.2026";"Kaffee & Co. GmbH";')


@pytest.mark.parametrize(("settings", "customs", "field", "reason"), [
    pytest.param({"billing_number": "12345678900101"}, True, "Abrechnungsnummer",
                 "no DHL billing number for product V53WPAK", id="swiss-label-never-gets-procedure-01"),
    pytest.param({"billing_numbers": {"V53WPAK": "12345678905301"}}, False, "Warenbeschreibung",
                 "is needed when Paketnummer is empty and LI_Land is outside the EU, but empty", id="customs-missing"),
])
def test_a_swiss_label_needs_its_billing_number_and_customs(
        workspace: Config, tmp_path: Path, settings: dict[str, object], customs: bool, field: str, reason: str) -> None:
    config = configure(workspace, carriers={"dhl": settings})
    run_orders(config, ORDERS / "xtc_csv_cp1252")
    text = (SHIPMENTS / "lieferscheine_2026-11-21.csv").read_bytes().decode("cp1252").splitlines()
    row = text[7] if customs else text[7].split(";RE-90006;")[0] + ";;;;;;"
    source = tmp_path / "ls.csv"
    source.write_bytes("\r\n".join([text[0], row]).encode("cp1252"))
    drop(config, source)
    report = run_flow(config, "shipments", "csv")
    reasons = {(r.record, r.field): r.reason for r in report.rejects}
    assert reason in reasons["LS-50006", field] and report.rejected == 1
    assert report.written == 0 and not any(o.endswith("_dhl.csv") for o in report.outputs)


def test_dpd_delisprint_line_column_by_column(shipped: Config) -> None:
    drop(shipped, SHIPMENTS)
    report = run_flow(shipped, "shipments", "json")
    raw = outputs(report, "_dpd.txt").read_bytes()
    assert raw.endswith(b"\r\n") and raw.count(b"\r\n") == 1  # no header, one label
    columns = raw.decode("cp1252").rstrip("\r\n").split(";")
    assert columns == ["NP", "1,30", "", "", "", "", "LS-50008", "10008", "", "", "02230", "Atelier Lumière GmbH",
                       "", "", "Ségolène d'Aubigné", "Wilhelmstraße 12", "", "DE", "65185", "Wiesbaden", "", "",
                       "", "s.daubigne@example.fr", ""]
    document = json.loads(outputs(report, ".json").read_text(encoding="utf-8"))
    assert [r["delivery_note"] for r in document["records"]][:3] == ["LS-50001", "LS-50002", "LS-50003"]


def test_every_format_writes_the_shop_import(shipped: Config) -> None:
    for fmt in ("xml", "csv", "txt", "json"):
        drop(shipped, SHIPMENTS)
        report = run_flow(shipped, "shipments", fmt, RunOptions(force=True))
        assert report.written == 5, fmt  # LS-50005 refused whole: its label has no house number
        assert any("/shop/" in o and o.endswith(f".{fmt}") for o in report.outputs), fmt


def test_labels_from_shop_orders_with_cod_and_refused_addresses(workspace: Config) -> None:
    config = configure(workspace, flows={"orders": {"extra_targets": ["carrier/dhl.yaml", "carrier/dpd.yaml"]}})
    report = run_orders(config, ORDERS / "xtc_csv_cp1252")
    assert report.written == 7  # the ERP import is unchanged
    labels = {r["Sendungsreferenz"]: r for r in rows(outputs(report, "_dhl.csv"), "cp1252")}
    assert set(labels) == {"10002", "10003", "10006"}  # shipping module dhl_dhl
    assert labels["10006"]["Service - Nachnahme - Betrag"] == "96,20"
    assert labels["10002"]["Service - Nachnahme - Betrag"] == ""
    assert labels["10003"]["Empfänger Name 1"] == "Bäckerei Özdemir GmbH"
    assert labels["10003"]["Produkt- und Servicedetails"] == "V53WPAK"
    assert labels["10003"]["Abrechnungsnummer"] == "12345678905301"
    assert labels["10002"]["Produkt- und Servicedetails"] == "V01PAK"
    assert labels["10002"]["Abrechnungsnummer"] == "12345678900101"
    assert labels["10002"]["Gewicht"] == "1,00"


def test_a_postcode_that_does_not_fit_the_country_is_refused(shipped: Config, tmp_path: Path) -> None:
    text = (SHIPMENTS / "lieferscheine_2026-11-21.csv").read_bytes().decode("cp1252").splitlines()
    bad = [text[0], text[8].replace(";65185;", ";6518;")]  # LS-50008, DPD label
    source = tmp_path / "ls.csv"
    source.write_bytes("\r\n".join(bad).encode("cp1252"))
    drop(shipped, source)
    report = run_flow(shipped, "shipments", "csv")
    (reject,) = report.rejects
    assert reject.field == "PLZ" and reject.value == "6518" and "not a postcode of DE" in reject.reason
    assert not any(o.endswith("_dpd.txt") for o in report.outputs)  # no empty label file


def test_a_tracking_mail_is_rendered_per_language(shipped: Config) -> None:
    drop(shipped, SHIPMENTS)
    run_flow(shipped, "shipments", "csv")
    mails = {p.name.rsplit("_", 1)[1]: message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in (shipped.folder("outbox") / "mail").glob("*.eml")}
    german, english = mails["LS-50001.eml"], mails["LS-50002.eml"]
    assert german["Subject"] == "Ihre Bestellung 10001 ist unterwegs"
    assert german["To"] == "j.mueller-luedenscheidt@example.de"
    text = german.get_body(("plain",)).get_content()
    assert "Guten Tag Jürgen Müller-Lüdenscheidt" in text and "piececode=00340434161094042564" in text
    html = german.get_body(("html",)).get_content()
    assert '<a href="https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=' in html
    assert english["Subject"] == "Your order 10002 is on its way"
    assert english["Message-ID"] == "<tracking.LS-50002.01234567890123@kaffee-co.example.de>"


def test_each_note_once_a_new_parcel_adds_only_its_tracking_row(shipped: Config, tmp_path: Path) -> None:
    drop(shipped, SHIPMENTS)
    first = run_flow(shipped, "shipments", "csv")
    assert any(o.endswith("_dhl.csv") for o in first.outputs)
    text = (SHIPMENTS / "lieferscheine_2026-11-21.csv").read_bytes().decode("cp1252").splitlines()
    again = tmp_path / "again.csv"  # the same notes, exported again (another file, same content + a line)
    extra = text[3].replace("01234567890123", "01234567890124")  # LS-50002 gets a second DPD parcel
    again.write_bytes("\r\n".join([*text, extra]).encode("cp1252"))
    drop(shipped, again)
    second = run_flow(shipped, "shipments", "csv")
    assert second.written == 0 and not any(o.endswith(("_dhl.csv", "_dpd.txt")) for o in second.outputs)
    assert not any(o.endswith("_status.csv") for o in second.outputs)  # no second status-history row
    tracking = rows(outputs(second, "_tracking.csv"))
    assert [(t["orders_id"], t["parcel_id"]) for t in tracking] == [("10002", "01234567890124")]
    assert any("DHL-Label: 0 written" in n and "1 made before" in n for n in second.notes)


def test_tracking_mail_headers_are_valid_under_the_strict_policy(shipped: Config) -> None:
    drop(shipped, SHIPMENTS)
    run_flow(shipped, "shipments", "csv")
    mails = {p.name.rsplit("_", 1)[1]: p.read_bytes() for p in (shipped.folder("outbox") / "mail").glob("*.eml")}
    strict = policy.default.clone(raise_on_defect=True)
    multi = message_from_bytes(mails["LS-50001.eml"], policy=strict)  # two parcels: key with ", "
    assert multi["Message-ID"] == "<tracking.LS-50001.00340434161094042557.00340434161094042564@kaffee-co.example.de>"
    assert not multi["Message-ID"].defects  # a valid msg-id under the strict policy
    assert multi["Content-Language"] == "de"
    assert message_from_bytes(mails["LS-50002.eml"], policy=strict)["Content-Language"] == "en"


def test_dpd_file_follows_the_import_definition(shipped: Config) -> None:
    definition = yaml.safe_load((Path(__file__).parents[2] / "templates/carrier/dpd_delisprint_import.yaml")
                                .read_text(encoding="utf-8"))
    layout = yaml.safe_load((Path(__file__).parents[2] / "mappings/carrier/dpd.yaml").read_text(encoding="utf-8"))
    assert [f["column"] for f in definition["fields"]] == [f["name"] for f in layout["records"]["dpd"]["fields"]]
    assert [f["position"] for f in definition["fields"]] == list(range(1, len(definition["fields"]) + 1))
    drop(shipped, SHIPMENTS)
    raw = outputs(run_flow(shipped, "shipments", "csv"), "_dpd.txt").read_bytes()
    eol = {"CRLF": b"\r\n", "LF": b"\n"}[definition["line_ending"]]
    lines = raw.decode(definition["encoding"]).split(eol.decode())
    assert lines[-1] == "" and all(lines[:-1])
    for line in lines[:-1]:
        columns = line.split(definition["separator"])
        assert len(columns) == len(definition["fields"])
        assert columns[6] == "LS-50008"  # Referenz 1: data from the first line on, no header line
        weight = columns[[f["column"] for f in definition["fields"]].index("Gewicht")]
        assert definition["decimal_separator"] in weight
