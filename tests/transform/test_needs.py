"""Fields by need: `needed_when` is checked when the layout is loaded, rejects only the records that need the
field (a missing column included), and is shown by `etl inspect` and `etl layout check`; names split."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from typer.testing import CliRunner

from etl.cli.app import app
from etl.config import Config
from etl.examine import inspect_files
from etl.examine.show import render
from etl.extract import read_file
from etl.i18n import translate
from etl.shared.errors import ConfigError
from etl.transform.layout import SourceLayout, load_layout
from etl.transform.names import fill_names, split_name
from etl.transform.source import read_tables
from tests.conftest import DATA

LAYOUT = """
system: sage
flow: shipments
conditions:
  abroad: {all: [{field: tracking, empty: true}, {field: country, not_in: eu}]}
tables:
  notes:
    recognize: [Nr]
    fields:
      note: {column: Nr, required: true}
      tracking: {column: Paket, optional: true}
      country: {column: Land, default: DE, optional: true}
      payment: {column: Zahlart, optional: true}
      invoice:
        column: Rechnung
        needed_when: {any: [{field: payment, in: [COD, Nachnahme]}, {field: country, in: [CH]}]}
      customs: {column: Zoll, needed_when: abroad}
"""


def _layout(tmp_path: Path, text: str = LAYOUT) -> SourceLayout:
    path = tmp_path / "layout.yaml"
    path.write_text(text, encoding="utf-8")
    return load_layout(path, SourceLayout)


def _problems(tmp_path: Path, fields: str, conditions: str = "") -> str:
    text = f"system: sage\nflow: x\n{conditions}tables:\n  t:\n    recognize: [A]\n    fields:\n{fields}"
    with pytest.raises(ConfigError) as caught:
        _layout(tmp_path, text)
    return "\n".join(caught.value.problems)


@pytest.mark.parametrize(("fields", "conditions", "problem"), [
    pytest.param("      a: {column: A, needed_when: {field: nope, empty: true}}\n", "",
                 "tables.t.fields.a.needed_when: no field 'nope' in tables.t.fields", id="unknown-field"),
    pytest.param("      a: {column: A, needed_when: later}\n", "",
                 "tables.t.fields.a.needed_when: no condition 'later' in conditions", id="unknown-name"),
    pytest.param("      a: {column: A, required: true, needed_when: {field: b, empty: true}}\n      b: B\n", "",
                 "tables.t.fields.a: required and needed_when exclude each other", id="two-needs"),
    pytest.param("      a: {column: A, required: true, optional: true}\n", "",
                 "tables.t.fields.a: required and optional exclude each other", id="required-and-optional"),
    pytest.param("      a: {column: A, needed_when: {field: b, empty: true}}\n"
                 "      b: {column: B, needed_when: {field: a, empty: true}}\n", "",
                 "'a' is needed_when itself", id="condition-on-a-needed-field"),
    pytest.param("      a: {column: A, needed_when: {field: b, in: [X], empty: true}}\n      b: B\n", "",
                 "a test names a `field` and one of `in`, `not_in`, `empty`", id="two-tests-in-one"),
    pytest.param("      a: {column: A, needed_when: {field: b, not_in: efta}}\n      b: B\n", "",
                 "'efta' is no list of values (named lists: eu)", id="unknown-named-list"),
    pytest.param("      a: {column: A, needed_when: {all: [{any: [{field: b, empty: true}]}]}}\n      b: B\n", "",
                 "all: list tests", id="nested-groups"),
    pytest.param("      a: {column: A, needed_when: c}\n      b: B\n", "conditions:\n  c: {field: b, equals: 1}\n",
                 "conditions.c.equals", id="unknown-key-in-named"),
])
def test_a_wrong_needed_when_is_named_by_key_when_the_layout_loads(
        tmp_path: Path, fields: str, conditions: str, problem: str) -> None:
    assert problem in _problems(tmp_path, fields, conditions)


def _read(tmp_path: Path, layout: SourceLayout, text: str) -> tuple[list[dict], list]:
    path = tmp_path / "notes.csv"
    path.write_text(text, encoding="utf-8")
    (raw,) = read_file(path)
    parts, rejects = read_tables(layout, {"notes": [raw]}, "run", key="note")
    table = parts["notes"]
    assert isinstance(table, pa.Table)
    return table.to_pylist(), rejects


def test_only_the_records_that_need_a_missing_column_are_rejected(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    rows, rejects = _read(tmp_path, layout, "Nr;Paket;Land;Zahlart\nL1;;DE;\nL2;;CH;\nL3;123;US;\nL4;;DE;COD\nL5;;;\n")
    assert {(r.record, r.field) for r in rejects} == {("L2", "Rechnung"), ("L2", "Zoll"), ("L4", "Rechnung")}
    reasons = {(r.record, r.field): r.reason for r in rejects}
    assert reasons["L2", "Zoll"] == ("is needed when Paket is empty and Land is outside the EU, and the file has "
                                     "no such column")
    assert reasons["L4", "Rechnung"] == ("is needed when Zahlart is one of [COD, Nachnahme] or Land is one of [CH], "
                                         "and the file has no such column")
    assert translate(reasons["L2", "Zoll"], "de") == (
        "wird gebraucht, wenn Paket leer ist und Land außerhalb der EU liegt, und die Datei hat keine solche Spalte")
    assert [r["country"] for r in rows] == ["DE", "CH", "US", "DE", "DE"]  # L5: the default, inside the EU


def test_a_needing_record_gets_no_default_the_others_do(tmp_path: Path) -> None:
    text = LAYOUT.replace("        column: Rechnung\n", "        column: Rechnung\n        default: ohne\n")
    rows, rejects = _read(tmp_path, _layout(tmp_path, text), "Nr;Paket;Land;Zahlart;Rechnung;Zoll\n"
                          "L1;;DE;;;\nL2;1;DE;cod;;\nL3;1;DE;cod;R-7;\n")
    assert [r["invoice"] for r in rows] == ["ohne", None, "R-7"]  # compared without regard to case: cod = COD
    (reject,) = rejects
    assert (reject.record, reject.field, reject.reason) == (
        "L2", "Rechnung", "is needed when Zahlart is one of [COD, Nachnahme] or Land is one of [CH], but empty")


@pytest.mark.parametrize(("name", "first", "last"), [
    ("Hans Müller", "Hans", "Müller"), ("Hans von Müller", "Hans", "von Müller"),
    ("Maria de la Cruz", "Maria", "de la Cruz"), ("de la Cruz", None, "de la Cruz"), ("Müller", None, "Müller"),
    ("Dr. Anna Maria  Schmidt", "Dr. Anna Maria", "Schmidt"), ("Ludwig van der Berg", "Ludwig", "van der Berg"),
])
def test_a_full_name_is_split_at_the_last_name_with_its_particles(name: str, first: str | None, last: str) -> None:
    assert split_name(name) == (first, last)


def test_names_are_split_only_where_both_parts_are_empty() -> None:
    table = pa.table({"billing_name": ["Hans von Müller", "Eva Braun", None],
                      "billing_firstname": [None, "Eva", None], "billing_lastname": [None, None, None]})
    out = fill_names(table, "billing")
    assert out.column("billing_firstname").to_pylist() == ["Hans", "Eva", None]
    assert out.column("billing_lastname").to_pylist() == ["von Müller", None, None]


def test_inspect_shows_each_column_by_need(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = (DATA / "shipments" / "lieferscheine_2026-11-21.csv").read_bytes().split(b"\r\n")
    keep = 23  # up to Waehrung: the customs columns left out
    path = tmp_path / "lieferscheine.csv"
    path.write_bytes(b"\r\n".join(b";".join(line.split(b";")[:keep]) for line in source))
    (seen,) = inspect_files(Config(base=tmp_path), [path], "shipments").files
    columns = seen.taken[0].columns
    assert columns.missing == [] and "Warenbeschreibung" in columns.needed_missing
    needs = {n["column"]: (n["need"], n["default"], n["when"]) for n in columns.needs}
    assert needs["Lieferscheinnummer"] == ("required", None, None)
    assert needs["Waehrung"] == ("optional", "EUR", None)
    assert needs["Zollwert"] == ("needed_when", None, "Paketnummer is empty and LI_Land is outside the EU")
    assert needs["Nachnahmebetrag"] == ("expected", None, None)
    monkeypatch.setenv("ETL_LANG", "en")
    text = render(inspect_files(Config(base=tmp_path), [path], "shipments"))
    assert "    required   Lieferscheinnummer, Lieferdatum, Shopbestellnummer\n" in text
    assert "Zollwert (when Paketnummer is empty and LI_Land is outside the EU)" in text
    assert "(needed when, those records rejected: Rechnungsnummer, Warenbeschreibung" in text


def test_layout_check_lists_a_source_layouts_columns_by_need(workspace: Config, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    path = workspace.base / "mappings" / "shop" / "orders.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["tables"]["orders"]["fields"]["phone"] = {"column": "customers_telephone", "required": True}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(workspace.base)
    result = CliRunner().invoke(app, ["layout", "check", "shop/orders.yaml"], env={"ETL_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert "tables.orders.fields.phone: {'column': ['customers_telephone'], 'optional': True} -> " in result.output
    lines = result.output.splitlines()
    assert any(line.split() == ["customers_telephone", "required"] for line in lines)
    assert any(line.split()[:4] == ["currency_value", "needed_when", "when", "currency"] for line in lines)
    assert any(line.split() == ["store_id", "or", "stores_id", "or", "shop_id", "optional", "default", "1"]
               for line in lines)
