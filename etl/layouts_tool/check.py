"""`etl layout check`: a working folder's layout against the bundled one it was copied from.

What changed (record types, fields, value maps, dialects, shape, XML names), what no longer validates
(every problem of the layout, and schema files that no longer match it), and which fields of the
neutral entities the layout leaves unused (a field the ERP could take that nobody maps yet). For a
source layout: what each column is to a record (required, optional, needed when, expected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.bundled import load_yaml
from etl.i18n import N_
from etl.load.json_schema import json_schema_text
from etl.load.xsd import xsd_text
from etl.os_compat import read_text_file
from etl.shared.errors import ConfigError
from etl.shared.model import ENTITIES
from etl.transform.layout import SourceLayout, TargetLayout, load_layout
from etl.transform.needs import field_needs

Need = tuple[str, str, str, str | None, str]  # field, column(s), need, default, condition in words

REMOVED, ADDED = N_("{path}: removed"), N_("{path}: added")  # English, translated when shown
ADDED_FIELD, REMOVED_FIELD = N_("added"), N_("removed")


@dataclass
class LayoutCheck:
    """The outcome of `check_layout`."""

    path: Path
    bundled: Path | None
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unused: dict[str, list[str]] = field(default_factory=dict)  # record type -> neutral fields not used
    needs: dict[str, list[Need]] = field(default_factory=dict)  # source layouts: table -> its fields' needs

    @property
    def ok(self) -> bool:
        """True when the layout validates and its schemas are current."""
        return not self.problems


def check_layout(own: Path, bundled: Path | None, schemas: Path | None = None) -> LayoutCheck:
    """Compare `own` with `bundled`; `schemas` is the working folder's schema file stem, if any."""
    result = LayoutCheck(own, bundled)
    if _is_source(own):
        return _check_source(result)
    try:
        layout: TargetLayout = load_layout(own, TargetLayout)
    except ConfigError as exc:
        result.problems += exc.problems
        return result
    if bundled is not None and bundled.is_file() and bundled.resolve() != own.resolve():
        result.changes = _changes(load_layout(bundled, TargetLayout), layout)
    for suffix, text in ((".xsd", xsd_text), (".schema.json", json_schema_text)):
        file = schemas.with_suffix(suffix) if schemas is not None else None
        if file is not None and file.is_file() and file.read_text(encoding="utf-8") != text(layout):
            result.problems.append(N_("{file}: does not match the layout any more; run `etl layout build`").format(
                file=file))
    result.unused = unused_fields(layout)
    return result


def _is_source(path: Path) -> bool:
    """A source layout (how a system's exports look) has `tables:`; a target layout `records:`."""
    try:
        data = load_yaml(read_text_file(path))
    except Exception:  # load_layout reports what is wrong with the file
        return False
    return isinstance(data, dict) and "tables" in data and "records" not in data


def _check_source(result: LayoutCheck) -> LayoutCheck:
    try:
        layout: SourceLayout = load_layout(result.path, SourceLayout)
    except ConfigError as exc:
        result.problems += exc.problems
        return result
    bundled = result.bundled
    if bundled is not None and bundled.is_file() and bundled.resolve() != result.path.resolve():
        old: SourceLayout = load_layout(bundled, SourceLayout)
        for name in old.tables.keys() - layout.tables.keys():
            result.changes.append(REMOVED.format(path=f"tables.{name}"))
        for name, table in layout.tables.items():
            before = {f: s.model_dump(by_alias=True, exclude_defaults=True)
                      for f, s in (old.tables[name].fields.items() if name in old.tables else [])}
            after = {f: s.model_dump(by_alias=True, exclude_defaults=True) for f, s in table.fields.items()}
            names = [*before, *(f for f in after if f not in before)]
            result.changes += [f"tables.{name}.fields.{f}: {before.get(f, ADDED_FIELD)} -> "
                               f"{after.get(f, REMOVED_FIELD)}"
                               for f in names if before.get(f) != after.get(f)]
    result.needs = {name: field_needs(layout, table) for name, table in layout.tables.items()}
    return result


def unused_fields(layout: TargetLayout) -> dict[str, list[str]]:
    """Per record type, the fields of its neutral entity that no field of the layout reads."""
    out = {}
    for name, spec in layout.records.items():
        used = {spec.key, *spec.where}
        for f in spec.fields:
            used |= {f.source} if f.source else set()
            used |= set(_named(f.args))
        out[name] = [n for n in ENTITIES[spec.entity] if n not in used]
    return out


def _named(args: dict[str, Any]) -> list[str]:
    names = [v for k, v in args.items() if k in ("from", "field", "when", "map_from", "rate") and isinstance(v, str)]
    for value in args.values():
        if isinstance(value, list):
            names += [v for v in value if isinstance(v, str)]
    return names


def _changes(old: TargetLayout, new: TargetLayout) -> list[str]:
    out = []
    for name in old.records.keys() - new.records.keys():
        out.append(REMOVED.format(path=f"records.{name}"))
    for name in new.records.keys() - old.records.keys():
        out.append(ADDED.format(path=f"records.{name}"))
    for name in [n for n in new.records if n in old.records]:
        before = {f.name: f.model_dump(by_alias=True, exclude_defaults=True) for f in old.records[name].fields}
        after = {f.name: f.model_dump(by_alias=True, exclude_defaults=True) for f in new.records[name].fields}
        out += [REMOVED.format(path=f"records.{name}.{f}") for f in before if f not in after]
        out += [N_("{path}: added {value}").format(path=f"records.{name}.{f}", value=after[f])
                for f in after if f not in before]
        out += [f"records.{name}.{f}: {before[f]} -> {after[f]}"
                for f in after if f in before and before[f] != after[f]]
        if [f for f in before if f in after] != [f for f in after if f in before]:
            out.append(N_("{path}: fields in another order").format(path=f"records.{name}"))
    for key in ("value_maps", "dialects", "shape", "xml", "stores"):
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            details = _map_diff(a, b) if key == "value_maps" else ""
            out.append(N_("{path}: changed").format(path=key) + details)
    return out


def _map_diff(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> str:
    parts = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name, {}), new.get(name, {})
        diff = [f"{k}: {a.get(k)!r} -> {b.get(k)!r}"
                for k in sorted(a.keys() | b.keys(), key=str) if a.get(k) != b.get(k)]
        if diff:
            parts.append(f"{name} ({'; '.join(diff)})")
    return " " + ", ".join(parts) if parts else ""
