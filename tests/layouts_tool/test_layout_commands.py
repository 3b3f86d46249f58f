"""`etl layout build | check | show | new` on a working folder made by `etl init`."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from etl.bundled import bundled
from etl.cli.app import app
from etl.config import Config
from etl.layouts_tool.check import check_layout
from etl.layouts_tool.draft import draft_layout, guess_type
from etl.layouts_tool.show import effective_layout
from etl.transform.layout import SourceLayout
from tests.conftest import DATA

STORE = '"2": {name: B2B-Shop, outbox: b2b, fields: {Belegart: AU}, value_maps: {price_groups: {"3": "5"}}}'


def _edit(config: Config) -> Path:
    path = config.base / "mappings" / "sage" / "orders.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      - {name: Bemerkung, from: comment}\n",
                        "      - {name: Bemerkung, from: comment}\n      - {name: Sprache, from: language}\n")
    text = text.replace("flow: orders\n", f"flow: orders\nstores:\n  {STORE}\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


def test_check_names_changes_stale_schemas_and_unused_fields(workspace: Config) -> None:
    own = _edit(workspace)
    result = check_layout(own, bundled("mappings") / "sage/orders.yaml", workspace.base / "schemas/sage/orders")
    assert "records.header.Sprache: added {'name': 'Sprache', 'from': 'language'}" in result.changes
    assert "stores: changed" in result.changes
    assert [p for p in result.problems if "orders.xsd: does not match the layout" in p]
    assert "language" not in result.unused["header"] and "channel" in result.unused["header"]


def test_build_then_check_is_clean(workspace: Config) -> None:
    _edit(workspace)
    runner = CliRunner()
    config = str(workspace.base / "etl.yaml")
    built = runner.invoke(app, ["layout", "build", "-c", config], env={"ETL_LANG": "en"})
    assert built.exit_code == 0, built.output
    assert "orders.xsd" in built.output and "2 schema file(s) written" in built.output
    checked = runner.invoke(app, ["layout", "check", "sage/orders.yaml", "-c", config])
    assert checked.exit_code == 0, checked.output
    assert "Sprache" in (workspace.base / "schemas/sage/orders.xsd").read_text(encoding="utf-8")


def test_check_reports_a_layout_that_does_not_validate(workspace: Config) -> None:
    own = _edit(workspace)
    own.write_text(own.read_text(encoding="utf-8").replace("from: language", "from: langauge"), encoding="utf-8")
    result = check_layout(own, bundled("mappings") / "sage/orders.yaml")
    assert not result.ok and "'langauge' is not a field of orders" in " ".join(result.problems)


def test_show_applies_a_stores_overrides(workspace: Config) -> None:
    _edit(workspace)
    _, plain = effective_layout(workspace, "sage/orders.yaml")
    _, b2b = effective_layout(workspace, "sage/orders.yaml", "2")
    assert plain.records["header"].fields[0].value == "AB" and b2b.records["header"].fields[0].value == "AU"
    assert b2b.value_maps["price_groups"]["3"] == "5" and b2b.value_maps["price_groups"]["1"] == "1"
    shown = CliRunner().invoke(app, ["layout", "show", "sage/orders.yaml", "--store", "2",
                                     "-c", str(workspace.base / "etl.yaml")])
    assert shown.exit_code == 0 and "value: AU" in shown.output


def test_new_drafts_a_loadable_source_layout() -> None:
    text = draft_layout("erp-orders", DATA / "erp_orders" / "auftraege.csv", "sage")
    data = yaml.safe_load(text)
    table = data["tables"]["auftraege"]
    assert table["entity"] == "orders"
    assert table["fields"]["order_id"] == "Auftragsnummer" and table["fields"]["billing_city"] == "RE_Ort"
    assert "Belegart" in text  # a column without a neutral field is listed for the consultant
    assert SourceLayout.model_validate(data).tables["auftraege"].fields["total"].column == ["Bruttobetrag"]


def test_guess_type_keeps_codes_with_leading_zeros_as_text() -> None:
    assert guess_type(["01042", "10000"]) == "string"
    assert guess_type(["12", "7", None]) == "int"
    assert guess_type(["41,93", "5"]) == "decimal"
    assert guess_type(["18.11.2026"]) == "date"
