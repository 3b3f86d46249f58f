"""Parcel numbers split by RE2 (Arrow) exactly as Python's `re.split` splits them (etl/fast/python_regex.py)."""

from __future__ import annotations

import re
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml

from etl.bundled import bundled
from etl.fast.python_regex import SPACES, re2_pattern
from etl.flows.shipment_notes import DEFAULT_SEPARATOR

EVERY_SPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
SHIPPED = yaml.safe_load((bundled("mappings") / "sage/shipments.yaml").read_text(encoding="utf-8"))["options"][
    "tracking_separator"]
CELLS = ["00340434161094042557, 00340434161094042564", "1;2|3 4", " 5 ,,6 ", "", "7\u00a08\u20039\u300010",
         "11\x0b12\x1c13\x8514\u202815", "16\t17\r\n18", "A-1_B.2", "a]b[c", "x\\sy"]
CELLS.append(EVERY_SPACE.join("ab"))


def test_spaces_are_pythons_whitespace() -> None:
    members = re.findall(r"\\x\{([0-9a-f]+)\}", SPACES)
    assert "".join(chr(int(m, 16)) for m in members) == EVERY_SPACE


@pytest.mark.parametrize("pattern", sorted({SHIPPED, DEFAULT_SEPARATOR, r"\s+", r"[\s]", r"[^\w.]+", r"[]x;]+",
                                            r"\\s|,", r"[\s,;]+"}))
def test_re2_splits_as_python_splits(pattern: str) -> None:
    split = pc.split_pattern_regex(pa.array(CELLS), re2_pattern(pattern)).to_pylist()
    assert split == [re.split(pattern, cell) for cell in CELLS]
