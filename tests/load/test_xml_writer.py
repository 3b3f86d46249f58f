"""The XML writer validates what it renders: a record the schema refuses is rejected with the schema's words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.config import Config, load_config
from etl.load import generated, xml_writer
from etl.report.run_report import RunReport
from etl.workspace import create_workspace
from tests.conftest import ORDERS, run_orders

# The order number may not hold a 4 or a 6: a rule of the receiver that the mapping does not know.
NO_FOUR_SIX = '<xs:element name="Shopbestellnummer" type="NoFourSix"/>'
NO_FOUR_SIX_TYPE = ('<xs:simpleType name="NoFourSix"><xs:restriction base="xs:string">'
                    '<xs:pattern value="[^46]+"/></xs:restriction></xs:simpleType>')


def _strict_xsd(layout: object) -> str:
    xsd = generated.generated_xsd(layout)  # type: ignore[arg-type]
    assert '<xs:element name="Shopbestellnummer" type="Text"/>' in xsd
    xsd = xsd.replace('<xs:element name="Shopbestellnummer" type="Text"/>', NO_FOUR_SIX)
    return xsd.replace('<xs:simpleType name="Text">', NO_FOUR_SIX_TYPE + '<xs:simpleType name="Text">', 1)


def _written(report: RunReport) -> list[str]:
    (output,) = report.outputs
    text = Path(output).read_text(encoding="utf-8")
    assert text.rstrip().endswith("</Auftraege>")
    return list(dict.fromkeys(re.findall(r"<Shopbestellnummer>([^<]*)</Shopbestellnummer>", text)))  # per order


# Records of the sample are 3-4 KB: 7000 characters make groups of two and three, mixed good and refused.
@pytest.mark.parametrize("together", [1, 7000, 1 << 20], ids=["one-by-one", "groups", "one-group"])
def test_records_the_schema_refuses_are_rejected_and_the_others_written(
        workspace: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, together: int) -> None:
    plain = _written(run_orders(load_config(create_workspace(tmp_path / "plain")), ORDERS / "flat_cp1252.csv",
                                fmt="xml"))
    monkeypatch.setattr(xml_writer, "generated_xsd", _strict_xsd)
    monkeypatch.setattr(xml_writer, "VALIDATED_TOGETHER", together)
    report = run_orders(workspace, ORDERS / "flat_cp1252.csv", fmt="xml")

    refused = [r for r in report.rejects if "XML schema" in r.reason]
    banned = [n for n in plain if "4" in n or "6" in n]
    assert banned and len(banned) < len(plain) - 1, "the sample needs both kinds"
    assert _written(report) == [n for n in plain if n not in banned]
    assert sorted(r.record or "" for r in refused) == sorted(banned)
    assert all("refuses it" in r.reason and "[^46]+" in r.reason and r.line for r in refused), refused[0]
    assert report.records_in == report.written + report.rejected + report.skipped
