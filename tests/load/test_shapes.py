"""csv and txt in every file shape a layout can choose, compared byte for byte with golden files.

Regenerate after an intended change with `ETL_UPDATE_GOLDEN=1 pytest tests/load/test_shapes.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from etl.config import Config
from etl.shared.errors import ConfigError
from etl.transform.layout import TargetLayout
from tests.conftest import DATA, GOLDEN, ORDERS, run_orders

SMALL = DATA / "shapes" / "orders_small.yaml"
RECORDS = {"kind": "records", "type_column": "Satzart", "types": {"header": "K", "positions": "P"}}


def _layout(config: Config, shape: object, fixed: bool) -> None:
    data = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    data["shape"] = shape
    data["dialects"]["txt"]["fixed_width"] = fixed
    own = config.base / "mappings" / "sage"
    own.mkdir(parents=True, exist_ok=True)
    (own / "orders.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(("shape", "fmt", "fixed", "golden"), [
    pytest.param("linked", "csv", False, ["linked_header.csv", "linked_positions.csv"], id="linked-csv"),
    pytest.param(RECORDS, "csv", False, ["records.csv"], id="records-csv"),
    pytest.param("flat", "csv", False, ["flat.csv"], id="flat-csv"),
    pytest.param(RECORDS, "txt", False, ["records.txt"], id="records-txt"),
    pytest.param(RECORDS, "txt", True, ["records_fixed.txt"], id="records-fixed-width"),
    pytest.param("flat", "txt", True, ["flat_fixed.txt"], id="flat-fixed-width"),
    pytest.param("linked", "txt", True, ["linked_fixed_header.txt", "linked_fixed_positions.txt"],
                 id="linked-fixed-width"),
])
def test_shape_matches_golden(workspace: Config, shape: object, fmt: str, fixed: bool, golden: list[str]) -> None:
    _layout(workspace, shape, fixed)
    report = run_orders(workspace, ORDERS / "flat_cp1252.csv", fmt=fmt)
    assert report.written == 7
    outputs = sorted(map(Path, report.outputs))
    assert len(outputs) == len(golden)
    for output, name in zip(outputs, sorted(golden), strict=True):
        expected = GOLDEN / "shapes" / name
        if os.environ.get("ETL_UPDATE_GOLDEN"):
            expected.parent.mkdir(exist_ok=True)
            expected.write_bytes(output.read_bytes())
        assert output.read_bytes() == expected.read_bytes(), f"{output.name} differs from {name}"


def test_records_shape_puts_each_order_before_its_positions(workspace: Config) -> None:
    _layout(workspace, RECORDS, False)
    report = run_orders(workspace, ORDERS / "flat_cp1252.csv")
    lines = Path(report.outputs[0]).read_text(encoding="cp1252").splitlines()
    assert [line[0] for line in lines[:2]] == ["K", "P"]  # a header line per record type
    rows = [[v.strip('"') for v in line.split(";")] for line in lines[2:]]
    kinds = "".join(row[0] for row in rows)
    assert re.fullmatch(r"(KP+)+", kinds), kinds
    order = None
    for fields in rows:
        if fields[0] == "K":
            order = fields[1]
        else:
            assert fields[1] == order


def test_flat_shape_refuses_two_child_types() -> None:
    data = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    data["records"]["more"] = {**data["records"]["positions"]}
    data["shape"] = "flat"
    with pytest.raises(ValueError, match="flat takes one child record type"):
        TargetLayout.model_validate(data)
    assert ConfigError  # the loader reports it by file and key like every other problem
