"""Decimal value-map keys: the text of the number without trailing zeros, as a merchant writes it."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from etl.transform.apply import map_key


@given(st.lists(st.one_of(st.none(), st.decimals(min_value=-10**13, max_value=10**13, places=4,
                                                 allow_nan=False, allow_infinity=False))))
def test_decimal_keys_drop_trailing_zeros(values: list[Decimal | None]) -> None:
    keys = map_key(pa.array(values, pa.decimal128(18, 4))).to_pylist()
    expected = [None if v is None else format(v.normalize(), "f") if v != v.to_integral_value()
                else str(int(v)) for v in values]
    assert keys == expected


def test_whole_number_keys_keep_their_zeros() -> None:
    assert map_key(pa.array([Decimal(190), Decimal(0)], pa.decimal128(18, 0))).to_pylist() == ["190", "0"]
