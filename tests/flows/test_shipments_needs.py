"""A GS-Office delivery-note export without the customs columns: parcels inside the EU get their shop status,
tracking, label and mail; only a label outside the EU needs the customs data, and only it is rejected."""

from __future__ import annotations

from pathlib import Path

from etl.config import Config
from etl.pipeline import run_flow
from tests.conftest import drop
from tests.flows.test_shipments import SHIPMENTS, outputs, rows
from tests.flows.test_shipments import shipped as shipped  # the fixture

CUSTOMS = ("Rechnungsnummer", "Warenbeschreibung", "Zolltarifnummer", "Zollwert", "Ursprungsland", "Menge")


def _without_customs(folder: Path) -> Path:
    lines = (SHIPMENTS / "lieferscheine_2026-11-21.csv").read_bytes().decode("cp1252").split("\r\n")
    header = lines[0].split(";")
    keep = len(header) - len(CUSTOMS)
    assert tuple(header[keep:]) == CUSTOMS  # the customs columns come last in the export definition
    path = folder / "lieferscheine.csv"
    path.write_bytes("\r\n".join(";".join(line.split(";")[:keep]) for line in lines).encode("cp1252"))
    return path


def test_delivery_notes_without_customs_columns_reject_only_the_label_abroad(shipped: Config, tmp_path: Path) -> None:
    drop(shipped, _without_customs(tmp_path))
    report = run_flow(shipped, "shipments", "csv")
    assert not list(shipped.folder("error").rglob("*.csv"))  # the file is read, not refused whole
    needed = {r.field: r.reason for r in report.rejects if r.record == "LS-50006"}
    assert set(needed) == set(CUSTOMS)  # the Swiss label (no parcel number yet, CH): each customs field named
    assert needed["Zolltarifnummer"] == ("is needed when Paketnummer is empty and LI_Land is outside the EU, and "
                                         "the file has no such column")
    assert {r.record for r in report.rejects if r.field in CUSTOMS} == {"LS-50006"}
    status = {r["delivery_note"] for r in rows(outputs(report, "_status.csv"))}
    assert status == {"LS-50001", "LS-50002", "LS-50003", "LS-50008"}  # German and Austrian parcels go on
    assert [t["orders_id"] for t in rows(outputs(report, "_tracking.csv"))][:2] == ["10001", "10001"]
    label = outputs(report, "_dpd.txt").read_bytes().decode("cp1252")
    assert "LS-50008" in label and "Wiesbaden" in label  # the German label is written
    mails = {p.name.rsplit("_", 1)[1] for p in (shipped.folder("outbox") / "mail").glob("*.eml")}
    assert {"LS-50001.eml", "LS-50002.eml"} <= mails and "LS-50006.eml" not in mails  # tracking mails go out
    assert (report.records_in, report.written, report.rejected) == (8, 4, 4)
