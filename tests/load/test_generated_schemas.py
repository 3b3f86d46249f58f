"""The shipped schemas are generated from the layouts; an edited layout brings its own schemas along."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from etl.bundled import bundled
from etl.config import Config
from etl.layouts_tool.build import build_schemas, schemas_for
from etl.validate import validate_file
from tests.conftest import ORDERS, run_orders

BUILT = schemas_for(bundled("mappings"), bundled("schemas"))


@pytest.mark.parametrize("built", BUILT, ids=[b.path.name for b in BUILT])
def test_committed_schema_is_the_generated_one(built: object) -> None:
    path, text = built.path, built.text  # type: ignore[attr-defined]
    assert path.is_file(), f"{path} missing: run `etl layout build`"
    assert path.read_text(encoding="utf-8") == text, f"{path} differs from its layout: run `etl layout build`"


def test_every_xsd_compiles() -> None:
    for built in BUILT:
        if built.path.suffix == ".xsd":
            etree.XMLSchema(etree.fromstring(built.text.encode("utf-8")))


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_field_added_to_the_working_layout_is_written_and_valid(workspace: Config, fmt: str) -> None:
    own = workspace.base / "mappings" / "sage"
    own.mkdir(parents=True, exist_ok=True)
    text = (bundled("mappings") / "sage" / "orders.yaml").read_text(encoding="utf-8")
    text = text.replace("      - {name: Bemerkung, from: comment}\n",
                        "      - {name: Bemerkung, from: comment}\n      - {name: Lager, value: HL, required: true}\n")
    (own / "orders.yaml").write_text(text, encoding="utf-8")
    report = run_orders(workspace, ORDERS / "flat_cp1252.csv", fmt=fmt)
    assert report.written == 7 and all("does not add up" in r.reason for r in report.rejects), report.rejects
    output = Path(report.outputs[0])
    assert b"Lager" in output.read_bytes()
    build_schemas(workspace.base / "mappings", workspace.base / "schemas")
    assert validate_file(workspace, output) == []
