"""Templates filled in Arrow (`compute: format`, the once keys) say exactly what Python's format_map says.

Random typed tables (text with every kind of space at its ends, integers, decimals, dates, booleans, nulls)
through both ways: the Arrow way where it applies, and Python's per row, which it replaces.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.fast.arrays import PYTHON_SPACES, fill_template, template_rows
from etl.pipeline.steps.once import once_keys
from etl.transform import compute

DEC = pa.decimal128(18, 4)
TEXTS = st.one_of(st.none(), st.text(alphabet=st.sampled_from(["a", "Ä", "ß", "0", "{", "}", *PYTHON_SPACES[:12],
                                                                "\u3000", "\u2028"]), max_size=6))
DECIMALS = st.one_of(st.none(), st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False))
ROWS = st.lists(st.tuples(TEXTS, st.one_of(st.none(), st.integers(-10**12, 10**12)), DECIMALS,
                          st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2100, 1, 1))),
                          st.one_of(st.none(), st.booleans())), max_size=12)
TEMPLATES = ["{t}", " {t} ", "{t}:{n}:{d}", "{_key}:{day}", "x{n}y", "1", "", "{flag}", "{n:>5}", "{t!r}"]


def _table(rows: list[tuple]) -> pa.Table:
    t, n, d, day, flag = zip(*rows, strict=True) if rows else ([], [], [], [], [])
    return pa.table({"t": pa.array(t, pa.string()), "n": pa.array(n, pa.int64()),
                     "d": pa.array([None if v is None else Decimal(v) for v in d], DEC),
                     "day": pa.array(day, pa.date32()), "flag": pa.array(flag, pa.bool_()),
                     "_key": pa.array(t, pa.string())})


def _python(table: pa.Table, args: dict[str, Any]) -> list[str | None]:
    out = []
    for row in template_rows(table, (args["template"], args.get("else")), [args["when"]] if "when" in args else []):
        present = compute._present(row.get(args["when"])) if "when" in args else True
        template = args["template"] if present else args.get("else")
        out.append(template.format_map({k: "" if v is None else v for k, v in row.items()}).strip() or None
                   if template is not None else None)
    return out


@settings(max_examples=150, deadline=None)
@given(ROWS, st.sampled_from(TEMPLATES), st.sampled_from([None, "t", "n", "d", "day", "flag"]),
       st.sampled_from([None, "{n}", "0"]))
def test_format_in_arrow_is_format_map(rows: list[tuple], template: str, when: str | None, other: str | None) -> None:
    table = _table(rows)
    args: dict[str, Any] = {"template": template, **({"when": when} if when else {}),
                            **({"else": other} if other is not None else {})}
    assert compute._format(table, args, {}).to_pylist() == _python(table, args)


@settings(max_examples=100, deadline=None)
@given(ROWS, st.sampled_from(TEMPLATES))
def test_once_keys_in_arrow_are_the_filled_templates(rows: list[tuple], template: str) -> None:
    table = _table(rows)
    expected = [f"status:{template.format_map({k: '' if v is None else v for k, v in row.items()})}"
                for row in table.to_pylist()]
    assert once_keys("status:", table, template) == expected


def test_only_templates_python_alone_fills_right_are_left_to_python() -> None:
    table = _table([("a", 1, "1.5", date(2026, 1, 2), True)])
    filled = fill_template(table, "{t}-{n}-{d}-{day}")
    assert filled is not None and filled.to_pylist() == ["a-1-1.5000-2026-01-02"]
    for template in ("{flag}", "{n:>5}", "{t!r}", "{t.upper}", "{missing}"):
        assert fill_template(table, template) is None, template
