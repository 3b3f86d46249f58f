"""`lists_by` (etl/fast/arrays.py) groups values into lists by their place, each list in the values' order."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from etl.fast.arrays import lists_by


@pytest.mark.parametrize("seed", range(5))
def test_lists_by_keeps_each_lists_order_and_leaves_out_nulls(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(1, 8)
    at = [rng.choice([*range(size), None]) for _ in range(rng.randint(0, 40))]
    values = [f"v{i}" for i in range(len(at))]
    expected: list[list[str]] = [[] for _ in range(size)]
    for place, value in zip(at, values, strict=True):
        if place is not None:
            expected[place].append(value)
    chunked = pa.chunked_array([pa.array(at[:3], pa.int32()), pa.array(at[3:], pa.int32())])
    assert lists_by(chunked, pa.array(values, pa.string()), size).to_pylist() == expected
