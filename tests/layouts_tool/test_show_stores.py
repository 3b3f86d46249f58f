"""Stores in etl.yaml over the layout's: `etl layout show` prints the effective layout, runs count per store."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from etl.cli.app import app
from etl.config import Config, load_config
from etl.layouts_tool.show import effective_layout
from tests.conftest import ORDERS

# The layout gives store 2 a Belegart and a price group and store 3 a remark; etl.yaml changes store 2's
# Belegart, adds an outbox folder and a number range, and gives store 3 a field only customers have.
LAYOUT_STORES = '''stores:
  "2": {name: B2B, outbox: b2b, fields: {Belegart: AU}, value_maps: {price_groups: {"3": "5"}}}
  "3": {name: Outlet, defaults: {Bemerkung: Outlet-Bestellung}}
'''
SETTINGS = {"stores": {
    2: {"name": "B2B-Shop", "fields": {"Belegart": "GA"}, "customer_numbers": {"prefix": "B", "start": 50000}},
    3: {"outbox": "outlet", "fields": {"Kundengruppe": "Outlet"}, "value_maps": {"price_groups": {"1": "9"}}},
}}


def _setup(config: Config) -> Config:
    layout = config.base / "mappings" / "sage" / "orders.yaml"
    text = layout.read_text(encoding="utf-8")
    layout.write_text(text.replace("flow: orders\n", "flow: orders\n" + LAYOUT_STORES, 1), encoding="utf-8")
    path = config.base / "etl.yaml"
    path.write_text(yaml.safe_dump({**(yaml.safe_load(path.read_text(encoding="utf-8")) or {}), **SETTINGS}),
                    encoding="utf-8")
    return load_config(path)


def test_etl_yaml_wins_key_by_key(workspace: Config) -> None:
    config = _setup(workspace)
    _, all_stores = effective_layout(config, "sage/orders.yaml")
    b2b, outlet = all_stores.stores["2"], all_stores.stores["3"]
    assert (b2b.name, b2b.outbox, b2b.fields) == ("B2B-Shop", "b2b", {"Belegart": "GA"})
    assert b2b.value_maps == {"price_groups": {"3": "5"}} and b2b.customer_numbers is not None
    assert (outlet.name, outlet.outbox, outlet.defaults) == ("Outlet", "outlet", {"Bemerkung": "Outlet-Bestellung"})
    assert outlet.fields == {}  # Kundengruppe is no field of the orders layout: it counts where it is one
    assert outlet.value_maps == {"price_groups": {"1": "9"}}
    _, store2 = effective_layout(config, "sage/orders.yaml", "2")
    assert store2.records["header"].fields[0].value == "GA" and store2.value_maps["price_groups"]["3"] == "5"


def test_show_prints_the_effective_layout_of_a_store(workspace: Config) -> None:
    config = _setup(workspace)
    shown = CliRunner().invoke(app, ["layout", "show", "sage/orders.yaml", "--store", "2",
                                     "-c", str(config.base / "etl.yaml")], env={"ETL_LANG": "en"})
    assert shown.exit_code == 0, shown.output
    assert "# store 2 (B2B-Shop): outbox subfolder b2b, layout sage/orders.yaml, new customer numbers from B50000" \
        in shown.output
    assert "value: GA" in shown.output and "value: AU" not in shown.output
    every = CliRunner().invoke(app, ["layout", "show", "sage/orders.yaml", "-c", str(config.base / "etl.yaml")])
    assert every.exit_code == 0 and "outbox: outlet" in every.output and "B2B-Shop" in every.output


def test_the_cli_summary_and_json_count_per_store(workspace: Config) -> None:
    config = _setup(workspace)
    data = (ORDERS / "flat_cp1252.csv").read_bytes().replace(b"\n10004;1;", b"\n10004;3;")
    (config.folder("inbox") / "orders.csv").write_bytes(data)
    result = CliRunner().invoke(app, ["run", "orders", "--json", "-c", str(config.base / "etl.yaml")])
    report = json.loads(result.stdout)
    assert report["stores"] == {"other": 3, "B2B-Shop": 3, "Outlet": 1}, result.output
    outbox = config.folder("outbox") / "sage"
    assert next((outbox / "outlet").glob("orders_*_header.csv")) and next((outbox / "b2b").glob("orders_*_header.csv"))
    (config.folder("inbox") / "more.csv").write_bytes(data.replace(b"\n1000", b"\n2000"))
    summary = CliRunner().invoke(app, ["run", "orders", "-c", str(config.base / "etl.yaml")])
    assert "written per store: other 3, B2B-Shop 3, Outlet 1" in summary.output, summary.output
