"""`etl layout new FLOW --from FILE`: a draft source layout from an export's header and first rows.

The file is read by the readers a run uses (`read_file`); from each table's columns and first rows the
draft proposes an entity, a neutral field per column it recognises (by name) and a type per column
(by its values). Columns it cannot place are listed as comments for the consultant to decide, and so
is what the reader detected (encoding, separator) with the decimal form the first rows show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from babel.numbers import format_percent

from etl.bundled import bundled, load_yaml
from etl.extract.base import RawTable
from etl.extract.registry import read_file
from etl.i18n import _, language, translate
from etl.shared.model import ENTITIES

SAMPLE_ROWS = 50
_TYPES = [("int", re.compile(r"^-?\d+$")), ("decimal", re.compile(r"^-?\d+([.,]\d+)?$")),
          ("date", re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4})$")),
          ("datetime", re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]|\d{2}\.\d{2}\.\d{4} )\d{2}:\d{2}(:\d{2})?$"))]


@dataclass
class DraftColumn:
    """One column of the export: its name, the type its first values suggest, and a neutral field."""

    column: str
    type: str
    field: str | None
    example: str | None


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def guess_type(values: list[str | None]) -> str:
    """The narrowest type every non-empty value fits (string when none does)."""
    present = [v.strip() for v in values if v is not None and v.strip()]
    if not present:
        return "string"
    for kind, pattern in _TYPES:
        if all(pattern.match(v) for v in present):
            if kind == "int" and any(len(v) > 1 and v.startswith("0") for v in present):
                return "string"  # leading zeros: a number that is really a code (customer, postcode)
            return kind
    return "string"


_DECIMAL_COMMA = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+),\d+$")  # 1.260,00 or 41,93
_DECIMAL_POINT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d+$")  # 1,260.00 or 41.93


def guess_decimal(rows: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The decimal mark most number-like values of the rows use (None when none shows one), and an example."""
    found: dict[str, list[str]] = {",": [], ".": []}
    for row in rows:
        for value in row.values():
            text = value.strip() if isinstance(value, str) else ""
            for mark, pattern in ((",", _DECIMAL_COMMA), (".", _DECIMAL_POINT)):
                if pattern.match(text):
                    found[mark].append(text)
    mark = max(found, key=lambda m: len(found[m]))
    return (mark, found[mark][0]) if found[mark] else (None, None)


def detected(table: RawTable, rows: list[dict[str, Any]]) -> list[str]:
    """Comment lines: what the reader detected in the file and the decimal form of its first rows."""
    lines, settings = [], {}
    if table.encoding is not None:
        guess = table.encoding
        lines.append("#   " + _("encoding: {encoding}, sure {percent}: {how}").format(
            encoding=guess.encoding, percent=format_percent(guess.confidence, locale=language()),
            how=translate(guess.how)))
        settings["encoding"] = guess.encoding
    if table.dialect is not None:
        spelled = table.dialect.describe()
        lines.append("#   " + _("separator: {separator}, quote: {quote}, line end: {line_end} ({name} dialect)").format(
            separator=repr(spelled["separator"]), quote=repr(spelled["quote"]), line_end=spelled["line_end"],
            name=table.dialect.name))
        settings["delimiter"] = table.dialect.separator
    mark, example = guess_decimal(rows)
    if mark is not None:
        lines.append("#   " + _("decimal: {mark} (e.g. {example})").format(
            mark=_("comma") if mark == "," else _("point"), example=repr(example)))
        settings["decimal"] = mark
    if settings:
        lines.append("#   " + _("A run detects these per file; to fix them, add at the top:") + " "
                     + ", ".join(f"{k}: {yaml.safe_dump(v, default_style=chr(34)).strip()}"
                                 for k, v in settings.items()))
    return lines


def guess_entity(columns: list[str], flow: str) -> str:
    """The neutral entity whose field names the columns match best (the flow's name breaks ties)."""
    names = {_norm(c) for c in columns}
    known = known_columns()
    score = {e: len(names & ({_norm(f) for f in fields} | set(known.get(e, {})))) + (0.5 if e == flow else 0)
             for e, fields in ENTITIES.items()}
    return max(score, key=lambda e: score[e])


def known_columns(mappings: Path | None = None) -> dict[str, dict[str, str]]:
    """Entity -> column name (normalised) -> neutral field, learnt from the bundled source layouts."""
    known: dict[str, dict[str, str]] = {}
    for path in sorted((mappings or bundled("mappings")).rglob("*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8"))
        for table in (data.get("tables") or {}).values() if isinstance(data, dict) else []:
            entity = str(table.get("entity")) if isinstance(table, dict) else ""
            for name, spec in (table.get("fields") or {}).items() if entity in ENTITIES else []:
                columns = spec.get("column") if isinstance(spec, dict) else spec
                for column in [columns] if isinstance(columns, str) else columns or []:
                    known.setdefault(entity, {}).setdefault(_norm(column), name)
    return known


def draft_columns(columns: list[str], rows: list[dict[str, Any]], entity: str) -> list[DraftColumn]:
    """The draft of each column: type from its values, neutral field where the names match."""
    fields = {**known_columns().get(entity, {}), **{_norm(f): f for f in ENTITIES[entity]}}
    out = []
    for column in columns:
        values = [r.get(column) for r in rows]
        key = _norm(column)
        match = fields.get(key) or next((f for n, f in fields.items() if key.endswith(n) and len(n) > 3), None)
        out.append(DraftColumn(column, guess_type(values), match, next((v for v in values if v), None)))
    return out


def draft_layout(flow: str, path: Path, system: str = "shop") -> str:
    """The draft source layout as YAML text with comments."""
    tables: dict[str, Any] = {}
    notes: list[str] = []
    found: list[str] = []  # what the reader detected, per text table
    for i, table in enumerate(read_file(path)):
        rows = _sample(table)
        entity = guess_entity(table.columns, flow)
        drafted = draft_columns(table.columns, rows[:SAMPLE_ROWS], entity)
        name = table.name or (path.stem if i == 0 else f"{path.stem}_{i + 1}")
        # A neutral field has its type in the model; the values' type is only reported where it differs.
        fields = {d.field: d.column for d in drafted if d.field}
        # A source field outside the model (one a flow joins by, e.g. product_id) has no type of its own.
        types = {d.field: ENTITIES[entity].get(d.field, d.type) for d in drafted if d.field}
        notes += ["#   " + _("{column} -> {field}: the first values look like {type}, the field is {field_type} (e.g. "
                           "{example})").format(column=f"{name}.{d.column}", field=d.field, type=d.type,
                                                field_type=types[d.field], example=repr(d.example)) for d in drafted
                  if d.field and d.type != "string" and d.type != types[d.field]
                  and (d.type, types[d.field]) != ("int", "decimal")]
        found += [f"# {name}:", *detected(table, rows[:SAMPLE_ROWS])] if table.encoding or table.dialect else []
        tables[name] = {"recognize": [d.column for d in drafted[:3]], "entity": entity, "fields": fields}
        notes += ["#   " + _("{column}: {type}, e.g. {example}").format(column=f"{name}.{d.column}", type=d.type,
                                                                      example=repr(d.example))
                  for d in drafted if not d.field]
    data = {"system": system, "flow": flow, "description": _("draft from {file}: check every field").format(
        file=path.name), "tables": tables}
    head = ("# " + _("Draft source layout for the '{flow}' flow, made from {file} by `etl layout new`.").format(
        flow=flow, file=path.name) + "\n# " + _("Check entity, field names and types; `recognize` lists columns "
                                                "every such export has.") + "\n"
            + ("# " + _("Detected in the file (the reader a run uses, and the first rows):") + "\n"
               + "\n".join(found) + "\n" if found else ""))
    title = "\n# " + _("To look at (columns without a neutral field: map them, or leave them out):") + "\n"
    tail = title + "\n".join(notes) + "\n" if notes else ""
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110) + tail


def _sample(table: RawTable) -> list[dict[str, Any]]:
    """The first rows of `table` (at least SAMPLE_ROWS where it has them), read batch by batch."""
    rows: list[dict[str, Any]] = []
    for batch in table.batches():
        rows += batch.to_pylist()
        if len(rows) >= SAMPLE_ROWS:
            break
    return rows
