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


# Every character str.isspace() takes (what str.strip() removes), for Arrow's utf8_trim.
PYTHON_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


# Types whose Arrow text is Python's str() of the value: a template filled in Arrow says what format_map says.
def _as_python_text(kind: pa.DataType) -> bool:
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
            or pa.types.is_decimal(kind) or pa.types.is_date32(kind))


def fill_template(table: pa.Table, template: str) -> pa.Array | None:
    """`template` (`{field}` placeholders, None as "") filled per row in Arrow; None where only Python can.

    Python fills a template with a format spec, a conversion, an attribute or index, or a column whose
    text Arrow writes otherwise (floats, times, booleans): the caller falls back to `str.format_map`.
    """
    parts: list[Any] = []
    for literal, name, spec, conversion in Formatter().parse(template):
        if literal:
            parts.append(literal)
        if name is None:
            continue
        if spec or conversion or name not in table.column_names or not _as_python_text(table.schema.field(name).type):
            return None
        parts.append(pc.fill_null(pc.cast(table.column(name), pa.string()), ""))
    if not any(not isinstance(p, str) for p in parts):
        return constant("".join(parts), table.num_rows, pa.string())
    filled = pc.binary_join_element_wise(*parts, "")
    return filled.combine_chunks() if isinstance(filled, pa.ChunkedArray) else filled


def lists_by(at: pa.Array | pa.ChunkedArray, values: pa.Array | pa.ChunkedArray, size: int) -> pa.ListArray:
    """`values` as `size` lists: list i holds the values whose `at` is i (null: in none), in their order.

    A stable sort and offsets: a group-by's `list` aggregate cost several times as much.
    """
    import numpy as np

    kept = pc.is_valid(at)
    at, values = pc.filter(at, kept), pc.filter(values, kept)
    counts = np.bincount(pc.cast(at, pa.int64()).to_numpy(zero_copy_only=False), minlength=size)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
    taken = pc.take(values, pc.sort_indices(at))
    return pa.ListArray.from_arrays(offsets, taken.combine_chunks() if isinstance(taken, pa.ChunkedArray) else taken)
