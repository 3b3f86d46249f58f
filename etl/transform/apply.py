"""Apply a target layout to neutral tables: one Arrow table per record type, plus rejects."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import constant
from etl.shared.model import TYPES, schema
from etl.shared.records import KEY, LINEAGE, Mapped, Neutral
from etl.shared.rejects import Reject, rejects_where
from etl.transform.compute import COMPUTED
from etl.transform.layout import RecordSpec, TargetField, TargetLayout


def map_chunk(layout: TargetLayout, neutral: Neutral) -> Mapped:
    """Map one chunk of neutral tables onto every record type of `layout`."""
    result = Mapped(records={})
    for name, spec in layout.records.items():
        table, rejects = map_record(layout, spec, neutral)
        result.records[name] = table
        result.rejects.extend(replace(r, kind=name) for r in rejects)
    drop_refused(result, layout, result.rejects)
    return result


def drop_refused(mapped: Mapped, layout: TargetLayout, rejects: list[Reject]) -> None:
    """Drop what `rejects` refuse: a record with its family (root and children), nothing else."""
    families: dict[str | None, set[str]] = {}
    for r in rejects:
        if r.record is not None:
            families.setdefault(layout.family(r.kind) if r.kind in layout.records else None,
                                set()).add(r.record)
    for root, keys in families.items():
        mapped.drop(keys, None if root is None else [root, *layout.children(root)])


def map_record(layout: TargetLayout, spec: RecordSpec, neutral: Neutral
               ) -> tuple[pa.Table, list[Reject]]:
    """Build the records of one type from its neutral entity."""
    source = neutral[spec.entity] if spec.entity in neutral else schema(spec.entity).empty_table()
    for column, allowed in spec.where.items():
        values = [v for v in allowed if v is not None]
        keep = pc.is_in(source.column(column), value_set=pa.array(values, source.schema.field(column).type))
        if None in allowed:
            keep = pc.or_(keep, pc.is_null(source.column(column)))
        source = source.filter(keep)
    rejects: list[Reject] = []
    columns: dict[str, pa.Array] = {}
    for target in spec.fields:
        values, problems = _field(layout, spec, target, source, neutral)
        columns[target.name] = values
        rejects.extend(problems)
    columns[KEY] = pc.cast(source.column(spec.key), pa.string())
    for name in LINEAGE:
        columns[name] = source.column(name)
    return pa.table(columns), rejects


def _field(layout: TargetLayout, spec: RecordSpec, target: TargetField, source: pa.Table,
           neutral: Neutral) -> tuple[pa.Array, list[Reject]]:
    size = source.num_rows
    rejects: list[Reject] = []
    label = f"{target.name}"
    if target.compute:
        args = {**target.args, "_maps": layout.value_maps}
        if target.source:
            args.setdefault("from", target.source)
        values = COMPUTED[target.compute](source, args, neutral)
    elif target.source:
        values = source.column(target.source)
    elif target.value is not None:
        values = constant(target.value, size)
    else:
        values = pa.nulls(size, _arrow_type(target.type or "string"))
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if target.map:
        values, unknown = _lookup(values, layout.value_maps[target.map], target)
        rejects += rejects_where(source, unknown, label, _as_text(source, target), "value-map", spec.key,
                                 {"map": target.map, "system": layout.system, "flow": layout.flow})
    if target.default is not None:
        values = pc.fill_null(values, pa.scalar(target.default).cast(values.type)
                              if values.type != pa.null() else pa.scalar(target.default))
    if target.type:
        values = pc.cast(values, _arrow_type(target.type))
    if target.required:
        rejects += rejects_where(source, pc.is_null(values), label, values, "required-empty", spec.key)
    if target.max_length and pa.types.is_string(values.type):
        too_long = pc.greater(pc.utf8_length(values), target.max_length)
        if target.overflow == "reject":
            rejects += rejects_where(source, too_long, label, values, "too-long", spec.key,
                                     {"length": target.max_length})
        else:
            values = pc.utf8_slice_codeunits(values, 0, target.max_length)
    return values, rejects


def _as_text(source: pa.Table, target: TargetField) -> pa.Array:
    column = source.column(target.source) if target.source else pa.nulls(source.num_rows)
    return map_key(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)


def map_key(values: pa.Array) -> pa.Array:
    """Values as value-map keys: text, decimals without trailing zeros (19.0000 -> '19')."""
    if pa.types.is_decimal(values.type):
        text = pc.cast(values, pa.string())
        if values.type.scale <= 0:  # no decimal point to trim after
            return text
        # With a positive scale every value has a point: trailing zeros go, then a bare point.
        return pc.utf8_rtrim(pc.utf8_rtrim(text, characters="0"), characters=".")
    if pa.types.is_boolean(values.type):
        return pc.if_else(values, "1", "0")
    return pc.cast(values, pa.string())


# A value map's keys and values as Arrow arrays, by the map's id, with a copy to tell it unchanged: a map of
# a few thousand entries (countries) was spelled out again for every chunk. Bounded: a watcher loads maps per run.
_MAP_ARRAYS: dict[int, tuple[dict[Any, Any], dict[Any, Any], pa.Array, pa.Array]] = {}


def _map_arrays(table: dict[Any, Any]) -> tuple[pa.Array, pa.Array]:
    """The keys of value map `table` as value-map keys (`map_key`), and its values, as Arrow arrays."""
    known = _MAP_ARRAYS.get(id(table))
    if known is not None and known[0] is table and known[1] == table:
        return known[2], known[3]
    if len(_MAP_ARRAYS) >= 64:
        _MAP_ARRAYS.clear()
    keys, values = pa.array([_key_text(k) for k in table], pa.string()), pa.array(list(table.values()))
    _MAP_ARRAYS[id(table)] = (table, dict(table), keys, values)
    return keys, values


def _lookup(values: pa.Array, table: dict[Any, Any], target: TargetField) -> tuple[pa.Array, pa.Array]:
    keys, mapped = _map_arrays(table)
    index = pc.index_in(map_key(values), value_set=keys)
    out = pc.take(mapped, index)
    unknown = pc.and_(pc.is_valid(values), pc.is_null(index))
    if target.on_unknown == "keep":
        out = pc.if_else(unknown, pc.cast(values, out.type), out) if pa.types.is_string(out.type) else out
        unknown = pc.and_(unknown, False)
    elif target.on_unknown == "default":
        unknown = pc.and_(unknown, False)
    return out, unknown


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "1" if key else "0"
    if isinstance(key, float | Decimal):
        return format(Decimal(str(key)).normalize(), "f")
    return str(key)


def _arrow_type(kind: str) -> pa.DataType:
    return TYPES[kind]
