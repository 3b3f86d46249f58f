"""What each target field holds, read from the layout: type, required, length, places, allowed values.

The type is the one the mapping really produces: the layout is applied to empty neutral tables, so a
computed field or a value map gives its own type without a table of rules kept beside the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from etl.load.text import DEFAULT_PLACES
from etl.transform.apply import map_chunk
from etl.transform.layout import TargetField, TargetLayout

Kind = str  # string, int, decimal, date, datetime, bool


@dataclass(frozen=True)
class FieldKind:
    """One target field as the schemas see it."""

    name: str
    kind: Kind
    required: bool
    max_length: int | None = None
    places: int | None = None
    allowed: tuple[str, ...] | None = None  # the value map's values, when nothing else may pass


def field_kinds(layout: TargetLayout) -> dict[str, list[FieldKind]]:
    """Record type -> its fields in layout order, with their kinds."""
    empty = map_chunk(layout, {})
    kinds = {}
    for name, spec in layout.records.items():
        table = empty.records[name]
        kinds[name] = [_kind(layout, f, table.schema.field(f.name).type) for f in spec.fields]
    return kinds


def _kind(layout: TargetLayout, spec: TargetField, arrow: pa.DataType) -> FieldKind:
    if pa.types.is_decimal(arrow):
        places = DEFAULT_PLACES if spec.places is None else spec.places
        return FieldKind(spec.name, "decimal", spec.required, places=places)
    for kind, test in (("int", pa.types.is_integer), ("bool", pa.types.is_boolean),
                       ("date", pa.types.is_date), ("datetime", pa.types.is_timestamp)):
        if test(arrow):
            return FieldKind(spec.name, kind, spec.required)
    allowed = None
    if spec.map and spec.on_unknown != "keep":
        values = list(layout.value_maps[spec.map].values())
        if spec.default is not None:
            values.append(spec.default)
        if all(isinstance(v, str) for v in values):
            allowed = tuple(dict.fromkeys(values))
    return FieldKind(spec.name, "string", spec.required, max_length=spec.max_length, allowed=allowed)
