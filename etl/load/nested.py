"""Records nested under their root record, with canonical values, for the XML and JSON writers.

A layout has one root record type (orders: header with positions) or several independent ones (the
catalog's tables); each root becomes a document of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.load.text import format_column
from etl.shared.records import KEY, Mapped
from etl.transform.layout import TargetLayout
from etl.transform.layout_forms import Dialect

CANONICAL = Dialect(encoding="utf-8", decimal=".", date_format="%Y-%m-%d",
                    datetime_format="%Y-%m-%dT%H:%M:%S", true="true", false="false")


@dataclass
class Entry:
    """One root record with its children, ready for a template or json.dumps."""

    key: str
    type: str  # the root record type
    file: str
    line: int | None
    fields: dict[str, Any]
    children: dict[str, list[dict[str, Any]]]


def nest(layout: TargetLayout, mapped: Mapped, native: bool, root: str | None = None,
         escape: bool = False) -> list[Entry]:
    """Entries of `root` (default: the first) in order.

    `native` keeps booleans and integers (for JSON); `escape` gives text XML-escaped (for XML
    templates, which then need no per-value autoescaping).
    """
    root = root or layout.root
    kinds = layout.children(root)
    tables = {name: _canonical(layout, name, mapped.records[name], native, escape) for name in [root, *kinds]}
    children: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in kinds:
        rows = tables[name]
        for row in rows:
            key = row.pop(KEY)
            children.setdefault(key, {}).setdefault(name, []).append(row)
    entries = []
    for row in tables[root]:
        key = row.pop(KEY)
        file, line = row.pop("_file"), row.pop("_line")
        kids = children.get(key, {})
        entries.append(Entry(key, root, file, line, row, {n: kids.get(n, []) for n in kinds}))
    return entries


def xml_escape(text: pa.Array) -> pa.Array:
    """Text with & < > " ' as XML entities (the same spelling as Jinja's autoescape), column-wise."""
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;"), ("'", "&#39;")):
        text = pc.replace_substring(text, char, entity)
    return text


def _canonical(layout: TargetLayout, name: str, table: pa.Table, native: bool, escape: bool
               ) -> list[dict[str, Any]]:
    spec = layout.records[name]
    is_root = spec.parent is None
    columns = {}
    for field in spec.fields:
        values = table.column(field.name).combine_chunks()
        keep = native and (pa.types.is_boolean(values.type) or pa.types.is_integer(values.type))
        text = values if keep else format_column(values, field, CANONICAL)
        columns[field.name] = xml_escape(text) if escape and pa.types.is_string(values.type) else text
    extra = {KEY: table.column(KEY)}
    if is_root:
        extra |= {"_file": table.column("_file"), "_line": table.column("_line")}
    rows = pa.table({**columns, **extra}).to_pylist()
    if not is_root:
        for row in rows:
            for drop in [k for k, v in row.items() if v is None]:
                del row[drop]
    else:
        for row in rows:
            for drop in [k for k, v in row.items() if v is None and not k.startswith("_")]:
                del row[drop]
    return rows

