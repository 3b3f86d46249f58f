"""Rejects name the column of the file the merchant sent, not the neutral field it was read into."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from etl.pipeline.gather import Input
from etl.shared.rejects import Reject
from etl.transform.layout import SourceLayout


def name_source_columns(rejects: list[Reject], inputs: list[Input], layout: SourceLayout) -> list[Reject]:
    """`rejects` with every neutral field name replaced by the source column it came from, where known.

    The column is looked up in the tables of the reject's own file first, then among every input of
    the run (a check on joined tables names a field of another file); a name two files spell
    differently, or one that is already a column of the file, stays as it is.
    """
    if not rejects:  # asked once per chunk; most chunks have none
        return rejects
    own, headers, anywhere = _columns_read(inputs, layout)
    renamed = []
    for reject in rejects:
        file = Path(reject.file).name
        field = reject.field or ""
        if field and field not in headers.get(file, set()):
            columns = anywhere.get(field, set())
            named = own.get(file, {}).get(field) or (next(iter(columns)) if len(columns) == 1 else None)
            if named and named != field:
                reject = replace(reject, field=named)
        renamed.append(reject)
    return renamed


Columns = tuple[dict[str, dict[str, str]], dict[str, set[str]], dict[str, set[str]]]


def _columns_read(inputs: list[Input], layout: SourceLayout) -> Columns:
    """Per file the column each neutral field was read from and the file's columns; per field every column."""
    own: dict[str, dict[str, str]] = {}
    headers: dict[str, set[str]] = {}
    anywhere: dict[str, set[str]] = {}
    for item in inputs:
        names = own.setdefault(item.path.name, {})
        for name, raw in item.tables:
            headers.setdefault(item.path.name, set()).update(raw.columns)
            flat = layout.flat.tables if name == "flat" and layout.flat else [name]
            for table in (layout.tables[t] for t in flat if t in layout.tables):
                for neutral, spec in table.fields.items():
                    column = next((c for c in spec.column if c in raw.columns), spec.column[0])
                    names.setdefault(neutral, column)
                    anywhere.setdefault(neutral, set()).add(column)
    return own, headers, anywhere
