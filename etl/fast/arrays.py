"""Columns made without a Python list: a list of a million values costs 50x the Arrow call."""

from __future__ import annotations

import re
from collections.abc import Iterable
from string import Formatter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


def constant(value: Any, size: int, kind: pa.DataType | None = None) -> pa.Array:
    """`size` times `value` (null if None) as an array of `kind` (inferred from `value` if not given)."""
    return pa.repeat(pa.scalar(value, kind), size)


def positions(size: int) -> pa.Array:
    """0, 1, ..., size - 1 as int64."""
    if size == 0:
        return pa.array([], pa.int64())
    return pc.subtract(pc.cumulative_sum(constant(1, size, pa.int64())), 1)


def template_rows(table: pa.Table, templates: Iterable[str | None], also: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The rows of `table` as dicts of only the columns `templates` name (`{field}`) and `also`.

    A row dict of every column costs most of a template's filling when a template names two fields.
    """
    wanted = set(also)
    for template in templates:
        if template:
            wanted |= {re.split(r"[.\[]", name, maxsplit=1)[0] for _, name, _, _ in Formatter().parse(template)
                       if name}
    return table.select([name for name in table.column_names if name in wanted]).to_pylist()
