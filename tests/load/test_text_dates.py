"""Dates and times written in a dialect's strftime format read as Arrow's strftime writes them, whatever the format."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import example, given, settings
from hypothesis import strategies as st

from etl.load.text import strftime

fields = st.sampled_from(["%Y", "%y", "%m", "%d", "%H", "%M", "%S", "%j", "%b", "%%", "%", ".", "-", " ", "T", "x"])
stamps = st.lists(st.none() | st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)), max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(fields, max_size=8).map("".join), stamps, st.booleans())
@example("%d.%m.%Y", [dt.datetime(1, 1, 1), None, dt.datetime(9999, 12, 31)], True)
@example("%Y-%m-%d %H:%M:%S", [dt.datetime(2024, 2, 29, 23, 59, 59), None], False)
@example("%d.%m.%y", [None, None], True)
@example("lit", [dt.datetime(2024, 1, 1), None], True)
def test_dates_and_times_read_as_arrow_strftime_writes_them(fmt: str, values: list[dt.datetime | None],
                                                            as_dates: bool) -> None:
    stamps = pa.array([v.replace(microsecond=0) if v else None for v in values], pa.timestamp("s"))
    column = pc.cast(stamps, pa.date32()) if as_dates else stamps
    want = pc.strftime(pc.cast(column, pa.timestamp("s")) if as_dates else column, format=fmt)
    assert strftime(column, fmt).equals(want)
