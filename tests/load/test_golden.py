"""Each format's output for the flat sample export, compared byte for byte with a golden file.

Run ids and creation times differ per run and are replaced by placeholders before comparing.
Regenerate after an intended change with `ETL_UPDATE_GOLDEN=1 pytest tests/load/test_golden.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from etl.config import Config
from etl.validate import validate_file
from tests.conftest import GOLDEN, ORDERS, run_orders

_RUN = re.compile(rb"orders_\d{8}-\d{6}-[0-9a-f]{6}")
_TIME = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def _normalised(path: Path) -> bytes:
    return _TIME.sub(b"<created>", _RUN.sub(b"<run>", path.read_bytes()))


@pytest.mark.parametrize("fmt", ["csv", "txt", "xml", "json"])
def test_output_matches_golden(workspace: Config, fmt: str) -> None:
    report = run_orders(workspace, ORDERS / "flat_cp1252.csv", fmt=fmt)
    assert report.outputs
    for output in map(Path, report.outputs):
        golden = GOLDEN / re.sub(r"_\d{8}-\d{6}-[0-9a-f]{6}", "", output.name)
        if os.environ.get("ETL_UPDATE_GOLDEN"):
            golden.write_bytes(_normalised(output))
        assert _normalised(output) == golden.read_bytes(), f"{output.name} differs from {golden.name}"
        if fmt in ("xml", "json"):
            assert validate_file(workspace, output) == []


def test_csv_dialect_is_gs_office_default(workspace: Config) -> None:
    report = run_orders(workspace, ORDERS / "flat_cp1252.csv")
    header = Path(next(o for o in report.outputs if o.endswith("_header.csv"))).read_bytes()
    lines = header.split(b"\r\n")
    assert lines[0].startswith(b"Belegart;Shopbestellnummer;")
    assert b"\n" not in header.replace(b"\r\n", b"")  # a comment's line break became a space
    assert "Müller".encode("cp1252") in header
    assert b'"98,70"' in header and b'"18.11.2026"' in header
