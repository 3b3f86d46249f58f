"""Read source fields out of raw text batches: pick the column, parse its type, map its value."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import LINE, Batch, RawTable
from etl.fast.arrays import constant
from etl.i18n import N_
from etl.shared.errors import InputFileError
from etl.shared.model import DECIMAL, TYPES, schema
from etl.shared.records import Chunk
from etl.shared.rejects import Reject, rejects_where
from etl.transform.apply import map_key
from etl.transform.broken import broken_rejects
from etl.transform.layout import SourceField, SourceLayout, SourceTable
from etl.transform.needs import condition_of, condition_words, need_of, needed
from etl.transform.parse import parse, reason
from etl.transform.relate import duplicates


def recognize(layout: SourceLayout, raw: RawTable) -> str | None:
    """Name of the layout table (or 'flat') that `raw` is, judged by its columns; None if none."""
    present = set(raw.columns)
    candidates: list[tuple[int, int, str]] = []
    if layout.flat and set(layout.flat.recognize) <= present:
        candidates.append((len(layout.flat.recognize) + 100, 1, "flat"))
    for name, table in layout.tables.items():
        if set(table.recognize) <= present:
            named = int(raw.name in table.names) if raw.name else 0
            candidates.append((len(table.recognize), named, name))
    if not candidates:
        return None
    return max(candidates)[2]


def read_fields(layout: SourceLayout, table: SourceTable, batch: pa.RecordBatch | pa.Table,
                file: str | pa.ChunkedArray, run_id: str, key: str | None) -> tuple[pa.Table, list[Reject]]:
    """Typed neutral columns of `table`'s fields from one raw batch, with lineage, plus rejects.

    `file` names the rows' file, or each row's (small files read together, pipeline/pool.py).
    """
    size = batch.num_rows
    lines = batch.column(LINE)
    files = constant(file, size, pa.string()) if isinstance(file, str) else file
    lineage = {"_file": files, "_line": lines, "_run": constant(run_id, size, pa.string())}
    columns: dict[str, pa.Array] = {}
    present = set(batch.schema.names)
    raw_text = _raw_texts(table, batch, key, lineage)
    base = pa.table({**{k: v for k, (_, v) in raw_text.items()}, **lineage})
    rejects: list[Reject] = []
    # Fields needed by some records come last: their conditions read the record's other fields.
    for name, spec in sorted(table.fields.items(), key=lambda item: item[1].needed_when is not None):
        column, text = raw_text[name]
        kind = layout.field_kind(table, name)
        condition = condition_of(layout, spec)
        need = needed(condition, columns) if condition else None
        if spec.default is not None:
            filled = pc.coalesce(pc.if_else(pc.equal(pc.utf8_trim_whitespace(text), ""), None, text),
                                 pa.scalar(spec.default))
            text = filled if need is None else pc.if_else(need, text, filled)  # a needing record has no default
        values, bad = parse(text, kind if not spec.map else "string", layout.decimal, layout.date_formats)
        code, params = reason(kind, layout.decimal, layout.date_formats)
        rejects += rejects_where(base, bad, column, text, code, key, params)
        if spec.map:
            values, unknown = _map(values, layout.value_maps[spec.map], kind, spec.on_unknown)
            rejects += rejects_where(base, unknown, column, text, "value-map", key,
                                     {"map": spec.map, "system": layout.system, "flow": layout.flow})
            bad = pc.or_(bad, unknown)
        empty = pc.and_(pc.is_null(values), pc.invert(bad))  # a value refused above is not empty as well
        if spec.required:
            rejects += rejects_where(base, empty, column, text, "required-empty", key)
        if need is not None and condition is not None:
            words = condition_words(condition, {n: c for n, (c, _) in raw_text.items()})
            why = "needed-when" if column in present else "needed-column-missing"
            rejects += rejects_where(base, pc.and_(need, empty), column, text, why, key, {"condition": words})
        for op, bound in _bounds(spec):
            inside = _COMPARE[op](pc.cast(values, DECIMAL), pa.scalar(bound, DECIMAL))
            rejects += rejects_where(base, pc.invert(inside), column, text, _RANGES[op], key,
                                     {"bound": Decimal(str(bound))})
        columns[name] = values
    columns = _in_layout_order(table, columns, key, raw_text)
    rejects = broken_rejects(batch, base, key, rejects)  # a row the reader could not split: refused whole
    return pa.table({**columns, **lineage}), rejects


def _raw_texts(table: SourceTable, batch: pa.RecordBatch | pa.Table, key: str | None,
               lineage: dict[str, pa.Array]) -> dict[str, tuple[str, pa.Array]]:
    """Each field's source column and text (nulls where the batch lacks it); a row key missing from the fields."""
    size = batch.num_rows
    present = set(batch.schema.names)
    raw_text: dict[str, tuple[str, pa.Array]] = {}
    for name, spec in table.fields.items():
        column = next((c for c in spec.column if c in present), None)
        text = batch.column(column) if column else pa.nulls(size, pa.string())
        raw_text[name] = (column or spec.column[0], text)
    if key and key not in table.fields:
        # Rows without an id of their own (a filled template) are named by their place.
        raw_text[key] = (key, pc.binary_join_element_wise(lineage["_file"], pc.cast(lineage["_line"], pa.string()),
                                                          ":"))
    return raw_text


def _in_layout_order(table: SourceTable, columns: dict[str, pa.Array], key: str | None,
                     raw_text: dict[str, tuple[str, pa.Array]]) -> dict[str, pa.Array]:
    """The typed fields in the layout's order, then the row key if no field is it, then the joined fields."""
    ordered = {name: columns[name] for name in table.fields}
    if key and key not in table.fields:
        ordered[key] = raw_text[key][1]
    for name, joined in table.computed.items():
        parts = [pc.cast(ordered[field], pa.string()) for field in joined.join]
        ordered[name] = pc.binary_join_element_wise(*parts, joined.separator)
    return ordered


def _bounds(spec: SourceField) -> list[tuple[str, Decimal]]:
    pairs = ((">=", spec.min), ("<=", spec.max), (">", spec.more_than), ("<", spec.less_than))
    return [(op, bound) for op, bound in pairs if bound is not None]


_COMPARE = {">=": pc.greater_equal, "<=": pc.less_equal, ">": pc.greater, "<": pc.less}
_RANGES = {">=": "below-minimum", "<=": "above-maximum", ">": "not-more-than", "<": "not-less-than"}


def _map(values: pa.Array, table: dict, kind: str, on_unknown: str) -> tuple[pa.Array, pa.Array]:
    keys = pa.array([str(k) for k in table], pa.string())
    lowered = pc.utf8_lower(keys)
    index = pc.index_in(pc.utf8_lower(map_key(values)), value_set=lowered)
    mapped = pc.take(pa.array([None if v is None else str(v) for v in table.values()], pa.string()), index)
    unknown = pc.and_(pc.is_valid(values), pc.is_null(index))
    if on_unknown == "keep":
        mapped = pc.coalesce(mapped, values)
        unknown = pc.and_(unknown, False)
    typed, _ = parse(mapped, kind)
    return typed, unknown


def read_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str, key: str | None,
                drop_bad: bool = False) -> tuple[dict[str, pa.Table | None], list[Reject]]:
    """Every recognised table of a set, read into typed columns (None for tables not present).

    With `drop_bad`, a row with an unreadable value is left out of its own table (for sets whose
    tables have different keys, a catalog: a bad price must not drop its article).
    """
    for name, raws in tables.items():
        for raw in raws:
            check_columns(layout, name, raw)
    parts: dict[str, pa.Table | None] = {}
    rejects: list[Reject] = []
    for name, spec in layout.tables.items():
        loaded = []
        for raw in tables.get(name, []):
            for batch in raw.batches():
                batch = drop_comment_rows(batch)
                table, problems = read_fields(layout, spec, batch, raw.path.name, run_id, key)
                if drop_bad and problems:
                    bad = pa.array(sorted({r.line for r in problems if r.line is not None}), pa.int64())
                    table = table.filter(pc.invert(pc.is_in(table.column("_line"), value_set=bad)))
                loaded.append(table)
                rejects += problems
        parts[name] = concat_tables(loaded) if loaded else None
        if spec.unique and parts[name] is not None:
            parts[name], problems = unique_rows_of(layout, name, parts[name], key, drop_bad)
            rejects += problems
    return parts, rejects


def unique_rows_of(layout: SourceLayout, name: str, table: pa.Table, key: str | None, drop: bool = True
                   ) -> tuple[pa.Table, list[Reject]]:
    """Table `name` checked against its `unique` fields: every row of a key given twice is refused.

    With `drop` those rows leave the table; else they stay, refused by their rejects' record.
    """
    spec = layout.tables[name]
    first = spec.unique[0]
    column = spec.fields[first].column[0] if first in spec.fields else first
    named = [spec.fields[f].column[0] if f in spec.fields else f for f in spec.unique]  # as the file names them
    twice, rejects = duplicates(table, spec.unique, column, " / ".join(named), key)
    return (table.filter(pc.invert(twice)) if drop and rejects else table), rejects


def check_columns(layout: SourceLayout, name: str, raw: RawTable) -> None:
    """Refuse `raw` before any row is read when it lacks a column of a `required` (or `expected`) field of `name`.

    An `optional` column may be missing, a `needed_when` one rejects only the records that need it.
    """
    spec = layout.tables.get(name)
    missing = [f"'{' or '.join(f.column)}' (field {field})" for field, f in (spec.fields.items() if spec else [])
               if need_of(f) in ("required", "expected") and not set(f.column) & set(raw.columns)]
    if missing:
        raise InputFileError(raw.path.name, N_(
            "read as table {table} of the {system} {flow} mapping, it lacks the column(s) {columns}: add them to "
            "the export, or mark the field `optional: true` in mappings/{system}/{flow}.yaml (tables.{table}.fields)"
        ).format(table=name, system=layout.system, flow=layout.flow, columns=", ".join(missing)))


def ignored_columns(layout: SourceLayout, name: str, raw: RawTable) -> list[str]:
    """Columns of `raw` that table `name` (or, for 'flat', the flat export) does not read."""
    tables = layout.flat.tables if name == "flat" and layout.flat else [name]
    read = {c for t in tables if t in layout.tables for f in layout.tables[t].fields.values() for c in f.column}
    if name == "flat" and layout.flat:
        read |= set(layout.flat.totals) | {layout.flat.attributes or ""}
        pattern = re.compile(layout.flat.tax_columns) if layout.flat.tax_columns else None
        read |= {c for c in raw.columns if pattern and pattern.match(c)}
    return [c for c in raw.columns if c not in read and c != LINE]


def read_entity(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str, entity: str,
                key: str) -> Chunk:
    """Every row of the layout's tables of `entity`, typed; a row with an unreadable value is refused."""
    parts, rejects = read_tables(layout, tables, run_id, key=key)
    rows = [row for name, spec in layout.tables.items() if spec.entity == entity and parts.get(name) is not None
            for row in parts[name].to_pylist()]  # type: ignore[union-attr]
    bad = {(r.file, r.line) for r in rejects}
    kept = [row for row in rows if (row["_file"], row["_line"]) not in bad]
    return Chunk({entity: pa.Table.from_pylist(kept, schema(entity))}, rejects, len(rows), len(rows) - len(kept))


def part_of(parts: dict[str, pa.Table | None], name: str, entity: str) -> pa.Table:
    """Table `name` of a read set shaped to its entity's schema; empty when the set has none."""
    found = parts.get(name)
    return conform(found, schema(entity)) if found is not None else schema(entity).empty_table()


def read_clean(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str
               ) -> tuple[dict[str, pa.Table | None], list[Reject]]:
    """`read_tables` leaving out unreadable rows, each from its own table only."""
    return read_tables(layout, tables, run_id, key=None, drop_bad=True)


def drop_comment_rows(batch: Batch) -> Batch:
    """Rows whose first cell starts with '#' are notes (a template's help row), not records."""
    first = batch.column(0)
    if batch.num_rows == 0 or not pa.types.is_string(first.type):
        return batch
    return batch.filter(pc.invert(pc.fill_null(pc.starts_with(first, "#"), False)))


def put_column(table: pa.Table, name: str, column: pa.Array) -> pa.Table:
    """`table` with column `name` replaced, or appended when it is new."""
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, column)
    return table.append_column(name, column)


def concat_tables(tables: Sequence[pa.Table], schema: pa.Schema | None = None) -> pa.Table:
    """Concatenate tables that may differ in column order or miss optional columns."""
    tables = [t for t in tables if t is not None]
    if not tables:
        return pa.table({}) if schema is None else schema.empty_table()
    return pa.concat_tables(tables, promote_options="permissive")


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Shape `table` to `schema`: missing columns as nulls, extra columns dropped, types cast."""
    arrays = []
    present = set(table.column_names)
    for field in schema:
        if field.name in present:
            arrays.append(pc.cast(table.column(field.name), field.type))
        else:
            arrays.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


__all__ = [
    "TYPES",
    "check_columns",
    "concat_tables",
    "conform",
    "ignored_columns",
    "part_of",
    "put_column",
    "read_clean",
    "read_entity",
    "read_fields",
    "read_tables",
    "recognize",
    "unique_rows_of",
]
