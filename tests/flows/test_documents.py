"""Documents: GS-Office document export + PDFs -> each shop customer's document list, PDFs under secret names."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from lxml import etree

from etl.config import Config
from etl.load.media import secret_key
from etl.pipeline import RunOptions, run_flow
from tests.conftest import DATA, ORDERS, drop, run_orders

DOCUMENTS = DATA / "documents"


@pytest.fixture
def linked(workspace: Config) -> Config:
    """Shop orders imported (so their customers are linked to ERP numbers), the ERP's PDFs in media/."""
    run_orders(workspace, ORDERS / "xtc_csv_cp1252")
    shutil.copytree(DOCUMENTS / "media", workspace.folder("media"), dirs_exist_ok=True)
    return workspace


def _rows(report) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    path = Path(next(o for o in report.outputs if o.endswith(".csv")))
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))


def test_documents_become_per_customer_lists_with_their_pdfs(linked: Config) -> None:
    drop(linked, DOCUMENTS / "belegexport.csv")
    report = run_flow(linked, "documents", "csv")
    assert (report.records_in, report.written, report.rejected) == (10, 6, 4), report.rejects
    rows = _rows(report)
    assert [(r["customers_id"], r["document_number"]) for r in rows] == [
        ("1042", "AB-24001"), ("1042", "LS-50001"), ("1042", "RE-2026-0101"), ("1042", "GU-2026-0007"),
        ("2203", "RE-2026-0102"), ("2230", "AN-24017")]
    invoice = rows[2]
    assert (invoice["document_title"], invoice["amount_gross"], invoice["orders_id"]) == ("Rechnung", "50.00", "10001")
    assert rows[3]["amount_gross"] == "-5.00" and rows[3]["document_type"] == "credit_note"
    folder = linked.folder("outbox") / "shop" / "documents"
    for row in rows:  # every listed PDF is there, byte for byte, under the name the list gives
        assert row["download_path"] == f"documents/{row['file_name']}"
        assert (folder / row["file_name"]).read_bytes().startswith(b"%PDF")
    source = (DOCUMENTS / "media" / "Rechnungen" / "RE-2026-0101.pdf").read_bytes()
    assert (folder / invoice["file_name"]).read_bytes() == source


def test_pdf_names_cannot_be_guessed(linked: Config) -> None:
    import hashlib

    drop(linked, DOCUMENTS / "belegexport.csv")
    rows = _rows(run_flow(linked, "documents", "csv"))
    names = [r["file_name"] for r in rows]
    assert all(len(n) == 36 and n.endswith(".pdf") for n in names)
    for row in rows:  # neither the number nor a plain hash of number or content appears in the name
        assert row["document_number"].lower() not in row["file_name"].lower()
        digests = {hashlib.sha256(row["document_number"].encode()).hexdigest()[:32]}
        assert row["file_name"][:32] not in digests
    content = (DOCUMENTS / "media" / "AB-24001.pdf").read_bytes()
    assert hashlib.sha256(content).hexdigest()[:32] + ".pdf" not in names
    key = linked.folder("state") / "media.key"
    assert len(secret_key(linked.folder("state"))) == 32 and key.stat().st_mode & 0o077 == 0


def test_unknown_customers_missing_pdfs_and_wrong_amounts_are_refused(linked: Config) -> None:
    drop(linked, DOCUMENTS / "belegexport.csv")
    report = run_flow(linked, "documents", "csv")
    reasons = {(r.record, r.field): r.reason for r in report.rejects}
    assert "no shop customer is linked" in reasons["invoice:RE-2026-0103", "Kundennummer"]
    assert "is not in the media folder" in reasons["invoice:RE-2026-0104", "PDF-Datei"]
    assert "is not net 10.00 + tax 1.90" in reasons["invoice:RE-2026-0105", "Bruttobetrag"]
    german = {(r.record, r.field): r.reason_in("de") for r in report.rejects}
    assert "ist nicht netto 10,00\xa0€ + Steuer 1,90\xa0€" in german["invoice:RE-2026-0105", "Bruttobetrag"]
    assert {r.code for r in report.rejects} == {"no-linked-customer", "missing-media-file", "net-plus-tax", "value-map"}
    assert any(r.value == "Mahnung" and "not a known value" in r.reason for r in report.rejects)
    assert report.exit_code == 1
    copied = sorted(p.name for p in (linked.folder("outbox") / "shop" / "documents").iterdir())
    assert len(copied) == 6  # the refused documents' PDFs are not published


def test_every_format_is_valid(linked: Config) -> None:
    from etl.validate import validate_file

    for fmt in ("xml", "json", "txt", "csv"):
        drop(linked, DOCUMENTS / "belegexport.csv")
        report = run_flow(linked, "documents", fmt, RunOptions(force=True))
        assert report.written == 6, report.rejects
        output = Path(next(o for o in report.outputs if o.endswith(f".{fmt}")))
        if fmt == "xml":
            assert etree.parse(str(output)).getroot().tag == "{urn:hhg-sage-etl:shop:documents:1}table"
            assert validate_file(linked, output) == []
        elif fmt == "json":
            assert len(json.loads(output.read_text(encoding="utf-8"))["records"]) == 6
            assert validate_file(linked, output) == []


def test_a_document_exported_again_is_not_listed_again(linked: Config) -> None:
    source = DOCUMENTS / "belegexport.csv"
    drop(linked, source)
    first = run_flow(linked, "documents", "csv")
    assert first.written == 6
    # A newer export with the same documents (in another order, so not the same file): none listed again.
    header, *lines = source.read_bytes().decode("cp1252").splitlines()
    (linked.folder("inbox") / "belegexport_2.csv").write_bytes("\r\n".join([header, *lines[::-1]]).encode("cp1252"))
    again = run_flow(linked, "documents", "csv")
    assert (again.written, again.skipped) == (0, 6), again.notes
    assert not any(o.endswith(".csv") for o in again.outputs)
    # A new version of one invoice (corrected date): listed anew, the others still not.
    text = source.read_bytes().decode("cp1252").replace("Rechnung;RE-2026-0101;19.11.2026",
                                                         "Rechnung;RE-2026-0101;20.11.2026")
    (linked.folder("inbox") / "belegexport_3.csv").write_bytes(text.encode("cp1252"))
    corrected = run_flow(linked, "documents", "csv")
    assert [(r["document_number"], r["document_date"]) for r in _rows(corrected)] == [("RE-2026-0101", "2026-11-20")]
    assert (corrected.written, corrected.skipped) == (1, 5)
