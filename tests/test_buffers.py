"""Byte tests over text buffers: never miss a value that matches, and look only at the array's own values."""

from __future__ import annotations

import pyarrow as pa
import pytest

from etl.fast.buffers import LINE_BREAK, NEWLINE, WHITESPACE, may_contain, may_hold, value_bytes

VALUES = pa.array(["ab\n", "cd", "é", "1,5", None, "x\r", "\u00a0y"])


@pytest.mark.parametrize("string_type", [pa.string(), pa.large_string()])
def test_every_slice_answers_for_its_own_values_only(string_type: pa.DataType) -> None:
    values = VALUES.cast(string_type)
    probes = {"newline": (NEWLINE, lambda v: "\n" in v), "line break": (LINE_BREAK, lambda v: "\r" in v or "\n" in v),
              "whitespace": (WHITESPACE, lambda v: v != v.strip())}
    for start in range(len(values)):
        for size in range(len(values) - start + 1):
            part = values.slice(start, size)
            texts = [v for v in part.to_pylist() if v is not None]
            for name, (probe, exact) in probes.items():
                assert may_hold(part, probe) == any(exact(v) for v in texts), (name, texts)
            assert may_contain(part, ",") == any("," in v for v in texts)
            assert value_bytes(part) == "".join(texts).encode("utf-8")


def test_chunked_columns_and_columns_without_values() -> None:
    assert may_hold(pa.chunked_array([pa.array(["a"]), pa.array(["b\n"])]), NEWLINE)
    assert not may_hold(pa.chunked_array([], pa.string()), NEWLINE)
    assert not may_hold(pa.array([None, None], pa.string()), WHITESPACE)
    assert value_bytes(pa.chunked_array([pa.array(["ä"]), pa.array([None, "b"])])) == "äb".encode()
