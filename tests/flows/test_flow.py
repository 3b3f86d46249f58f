"""Flows are declared by keyword in their own modules; a flow refuses a file it has no extractor for."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from etl.bundled import bundled
from etl.config import Config
from etl.extract import RawTable
from etl.flows import FLOWS, Flow, Media, orders
from etl.flows.flow import no_flat, no_tables
from etl.pipeline import run_flow
from etl.shared.errors import InputFileError
from etl.transform.layout import SourceLayout, load_layout
from tests.conftest import DATA, drop


def test_every_flow_module_declares_its_flow_once() -> None:
    assert list(FLOWS) == ["orders", "customers", "catalog", "articles", "stock", "shipments", "documents",
                           "erp-orders", "cross-selling", "payment-requests"]
    assert FLOWS["orders"] is orders.FLOW
    assert all(flow.built for flow in FLOWS.values())


def test_a_flow_is_declared_by_keyword_and_frozen() -> None:
    with pytest.raises(TypeError):
        Flow("x", "X", "a -> b", "a/x.yaml", "b/x.yaml", "b", "things")  # type: ignore[misc]
    flow = Flow(name="x", module="X", direction="a -> b", source="a/x.yaml", target="b/x.yaml", outbox="b",
                unit="things", media={"docs": Media("pdf_file", True)})
    with pytest.raises(dataclasses.FrozenInstanceError):
        flow.name = "y"  # type: ignore[misc]
    assert (flow.extract_tables, flow.extract_flat, flow.built) == (no_tables, no_flat, False)


@pytest.mark.parametrize(("name", "note"), [
    pytest.param("orders", "3 customer(s) not yet in the ERP got a new customer number; export them with "
                 "`etl run customers`, or let the orders flow write them (flows.orders.extra_targets: "
                 "[sage/customers.yaml] in etl.yaml)", id="orders-says-how-to-export-them"),
    pytest.param("customers", None, id="customers-writes-them-itself"),
])
def test_new_customers_note(name: str, note: str | None) -> None:
    given = FLOWS[name].new_customers_note
    assert (given.format(count=3) if given else None) == note


def test_a_flat_export_for_a_flow_without_a_flat_reader_is_refused_with_the_fix(workspace: Config) -> None:
    layout = workspace.base / "mappings" / "shop" / "customers.yaml"
    layout.write_text(layout.read_text(encoding="utf-8") + "\nflat:\n  recognize: [customers_id, "
                      "customers_email_address]\n  tables: [customers]\n", encoding="utf-8")
    drop(workspace, DATA / "customers" / "xtc_cp1252" / "customers.csv")
    report = run_flow(workspace, "customers", "csv")
    [result] = report.files
    assert result.status == "error", result
    assert "the customers flow reads no flat exports" in (result.reason or "")
    assert "remove 'flat:' from its source layout (shop)" in (result.reason or "")
    assert report.written == 0


def test_no_flat_raises_an_input_file_error(tmp_path: Path) -> None:
    layout = load_layout(bundled("mappings") / "shop" / "customers.yaml", SourceLayout)
    raw = RawTable(tmp_path / "flat.csv", ["customers_id"], lambda: iter([]))
    with pytest.raises(InputFileError, match=r"flat\.csv: the customers flow reads no flat exports"):
        next(no_flat(layout, raw, "run"))
