"""A broken layout is reported with every problem, by file and key, before any data is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.bundled import bundled
from etl.config import Config
from etl.pipeline import run_flow
from etl.shared.errors import ConfigError
from etl.transform.layout import SourceLayout, TargetLayout, load_layout
from tests.conftest import ORDERS, drop


def test_bundled_layouts_load() -> None:
    assert load_layout(bundled("mappings") / "shop/orders.yaml", SourceLayout).flat is not None
    assert load_layout(bundled("mappings") / "sage/orders.yaml", TargetLayout).root == "header"


def test_every_problem_is_named_with_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "orders.yaml"
    path.write_text("""
system: sage
flow: orders
records:
  header:
    entity: orders
    key: order_id
    fields:
      - {name: Nummer, from: no_such_field}
      - {name: Zahlart, from: payment_type, map: missing_map}
      - {name: Betrag, from: total, compute: no_such_function}
      - {name: Nummer, from: order_id}
""", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_layout(path, TargetLayout)
    text = "\n".join(caught.value.problems)
    assert str(path) in text
    for expected in ("'no_such_field' is not a field of orders", "no value map 'missing_map'",
                     "unknown function 'no_such_function'", "the name is used twice"):
        assert expected in text


def test_broken_mapping_stops_the_run_before_reading_data(workspace: Config) -> None:
    (workspace.base / "mappings/sage/orders.yaml").write_text("system: sage\nflow: orders\nrecords: 3\n",
                                                               encoding="utf-8")
    dropped = drop(workspace, ORDERS / "flat_cp1252.csv")
    with pytest.raises(ConfigError, match="records"):
        run_flow(workspace, "orders", "csv")
    assert dropped[0].exists()  # nothing moved


def test_a_user_layout_overrides_the_bundled_one(workspace: Config) -> None:
    path = workspace.base / "mappings/sage/orders.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"1": Hauptshop', '"1": Laden Stuttgart'),
                    encoding="utf-8")
    drop(workspace, ORDERS / "flat_cp1252.csv")
    report = run_flow(workspace, "orders", "csv")
    header = Path(next(o for o in report.outputs if o.endswith("_header.csv"))).read_bytes().decode("cp1252")
    assert "Laden Stuttgart" in header


def test_record_types_are_children_of_the_first_unless_they_name_a_parent() -> None:
    fields = [{"name": "Nr", "from": "sku"}]
    nested = TargetLayout.model_validate({"system": "s", "flow": "f", "records": {
        "a": {"entity": "articles", "key": "sku", "fields": fields},
        "b": {"entity": "prices", "key": "sku", "fields": fields}}})
    assert nested.roots == ["a"] and nested.children("a") == ["b"] and nested.family("b") == "a"
    tables = TargetLayout.model_validate({"system": "s", "flow": "f", "records": {
        "a": {"entity": "articles", "key": "sku", "fields": fields},
        "b": {"entity": "prices", "key": "sku", "parent": None, "fields": fields}}})
    assert tables.roots == ["a", "b"] and tables.children("a") == [] and tables.family("b") == "b"
