"""Joins every flow needs: first row per key, children without a parent, per-parent sums, chunks, lookups.

Arrow in, Arrow out, vectorised; rejects name the rows refused, built only for those rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import positions
from etl.i18n import N_
from etl.shared.records import Neutral
from etl.shared.reject_codes import Words
from etl.shared.rejects import Reject, rejects_where

Keys: TypeAlias = pa.Array | pa.ChunkedArray
Row = dict[str, Any]
_INDEX = "__relate_index"


def first_rows(keys: Keys) -> pa.Array:
    """Row indices of the first occurrence of each key (null is a key too), in row order."""
    if len(keys) == 0:
        return pa.array([], pa.int64())
    table = pa.table({"key": keys, _INDEX: positions(len(keys))})
    firsts = table.group_by("key", use_threads=False).aggregate([(_INDEX, "min")]).column(f"{_INDEX}_min")
    return pc.take(firsts, pc.sort_indices(firsts)).combine_chunks()


def dedupe(table: pa.Table, key: str, field: str, what: str | Words) -> tuple[pa.Table, list[Reject]]:
    """The first row of each key, and a reject for every row of a key given more than once (see `duplicates`)."""
    first = first_rows(table.column(key))
    if len(first) == table.num_rows:
        return table, []
    _, rejects = duplicates(table, [key], field, what, key)
    return table.take(first), rejects


def duplicates(table: pa.Table, keys: Sequence[str], field: str, what: str | Words, key: str | None
               ) -> tuple[pa.Array, list[Reject]]:
    """Rows whose `keys` (together) another row has too, and a reject for each naming the other rows.

    Neither row is taken: which one is right is the merchant's call. A row with an empty key part is
    not compared (a required field says so). The reject's record is the row's `key` column, or the key.
    """
    parts = [pc.cast(table.column(k), pa.string()) for k in keys]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, " / ")
    joined = joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined
    counts = pc.value_counts(joined)
    twice = pc.filter(counts.field("values"), pc.and_(pc.greater(counts.field("counts"), 1),
                                                      pc.is_valid(counts.field("values"))))
    mask = pc.fill_null(pc.is_in(joined, value_set=twice), False)
    if not len(twice):
        return mask, []
    rows = rejects_where(table, mask, field, joined, "duplicate-key", key)
    places: dict[str | None, list[tuple[str, int | None]]] = {}
    for r in rows:
        places.setdefault(r.value, []).append((r.file, r.line))
    return mask, [Reject(r.file, r.line, r.record or r.value, r.field, r.value, "duplicate-key", None, {
        "what": what, "value": r.value, "places": [Words(N_("{file} line {line}"), {"file": f, "line": ln})
                                                   for f, ln in places[r.value] if (f, ln) != (r.file, r.line)]})
        for r in rows]


def orphans(children: pa.Table, key: str, parents: Keys, field: str, code: str,
            params: Mapping[str, object] | None = None, name_record: bool = False) -> tuple[pa.Table, list[Reject]]:
    """Children whose `key` is among `parents`, and a reject (`code`) for each other one.

    The reject's parameter `value` is the missing parent's key. With `name_record` the reject names that
    key as its record; else none (the parent it would name is not there).
    """
    known = pc.fill_null(pc.is_in(children.column(key), value_set=_values(parents)), False)
    lost = pc.invert(known)
    rejects = [Reject(r.file, r.line, r.record if name_record else None, r.field, r.value, code, None,
                      {**(params or {}), "value": r.value})
               for r in rejects_where(children, lost, field, children.column(key), code, key)]
    return children.filter(known), rejects


def per_parent(children: pa.Table, key: str, column: str, how: str, parents: Keys) -> pa.Array:
    """An aggregate (`sum`, `min`, `max`, `count`, ...) of a child column per parent, aligned to `parents`.

    Null for a parent without children.
    """
    grouped = children.group_by(key, use_threads=False).aggregate([(column, how)])
    index = pc.index_in(parents, value_set=grouped.column(key))
    return pc.take(grouped.column(f"{column}_{how}"), index)


def number_runs(keys: Keys) -> pa.Array:
    """1, 2, 3, ... within each run of equal neighbouring keys (rows sorted by key: a position per parent)."""
    values = _values(keys)
    size = len(values)
    if size == 0:
        return pa.array([], pa.int64())
    current, previous = values.slice(1), values.slice(0, size - 1)
    same = pc.or_kleene(pc.equal(current, previous), pc.and_(pc.is_null(current), pc.is_null(previous)))
    starts = pa.concat_arrays([pa.array([True]), pc.invert(pc.fill_null(same, False))])
    index = positions(size)
    first = pc.cumulative_max(pc.if_else(starts, index, 0))
    return pc.add(pc.subtract(index, first), 1)


def lookup(keys: Keys, find: Callable[[list[str]], Mapping[str, str]]) -> pa.Array:
    """Per row, what `find` gives for its key (null when not found); `find` is asked once, sorted distinct keys."""
    distinct = sorted(k for k in pc.unique(keys).to_pylist() if k is not None)
    found = find(distinct) if distinct else {}
    names = list(found)
    index = pc.index_in(keys, value_set=pa.array(names, pa.string()))
    return pc.take(pa.array([found[n] for n in names], pa.string()), index)


def split(neutral: Mapping[str, pa.Table], root: str, key: str, size: int | None) -> Iterator[Neutral]:
    """The tables in parts of at most `size` root rows, each with the other tables' rows of its keys."""
    rows = neutral[root].num_rows
    if size is None or rows <= size:
        yield dict(neutral)
        return
    for start in range(0, rows, size):
        part = neutral[root].slice(start, size)
        ids = part.column(key).combine_chunks()
        yield {name: part if name == root else t.filter(pc.is_in(t.column(key), value_set=ids))
               for name, t in neutral.items()}


def unique_rows(rows: Sequence[Row], key: str, keep: Literal["first", "last"] = "first") -> list[Row]:
    """One row per key, at the place of its first row: the first row's values, or (`last`) the last's."""
    found: dict[Any, Row] = {}
    for row in rows:
        if keep == "last" or row[key] not in found:
            found[row[key]] = row
    return list(found.values())


def _values(keys: Keys) -> pa.Array:
    return keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
