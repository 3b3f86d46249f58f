"""What the tool sees in export files, for the consultant adapting a layout: nothing is written or moved.

Per file: encoding (and how sure), dialect, header, the flow and layout table it is taken for and why
(or, for every flow tried, the recognising columns it lacks), the layout's columns found, missing and
ignored. Per flow (the files of one flow read together, as a run would): the first rows of the neutral
tables and the first rejects a run would write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from etl.config import Config
from etl.examine.neutral import FlowSeen, first_records
from etl.extract import RawTable, read_file
from etl.flows import FLOWS
from etl.i18n import N_
from etl.pipeline import load_layouts
from etl.pipeline.recognize import Recognized, recognize_file, unknown_reason
from etl.shared.errors import ConfigError, EtlError, InputFileError
from etl.transform.layout import SourceLayout
from etl.transform.needs import field_needs
from etl.transform.source import check_columns, ignored_columns


@dataclass
class Columns:
    """The layout's columns against one table of the file."""

    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # the file lacks them: a run refuses the file
    optional_missing: list[str] = field(default_factory=list)  # lacking, but `optional`: default or empty
    needed_missing: list[str] = field(default_factory=list)  # lacking, `needed_when`: those records rejected
    # Per column the layout reads: column, field, need (required/optional/needed_when/expected), default, when
    needs: list[dict[str, str | None]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # in the file, read by no field
    problem: str | None = None  # what a run says about the missing ones


@dataclass
class Taken:
    """One flow's layout table that a table of the file is taken for, and why."""

    flow: str
    table: str  # a layout table, or 'flat' for a flat (one row per line) export
    why: str
    columns: Columns


@dataclass
class Tried:
    """A flow whose layout did not take the file: per layout table, the recognising columns it lacks."""

    flow: str
    lacking: dict[str, list[str]]


@dataclass
class FileSeen:
    """Everything seen in one file."""

    file: str
    form: str = ""
    encoding: str | None = None
    confidence: float | None = None
    encoding_how: str | None = None
    dialect: dict[str, str | list[str]] | None = None
    tables: list[dict[str, object]] = field(default_factory=list)  # table name the file states, columns
    taken: list[Taken] = field(default_factory=list)  # the first flow is the one a run or the watcher takes
    tried: list[Tried] = field(default_factory=list)  # when no flow takes it
    reason: str | None = None  # why no flow takes it (what a run writes to error/)


@dataclass
class Inspection:
    """What `etl inspect` shows: every file, and per flow the neutral rows and rejects of its files."""

    files: list[FileSeen]
    flows: list[FlowSeen]

    def as_dict(self) -> dict[str, object]:
        """Plain data for `--json`."""
        return asdict(self)


def inspect_files(config: Config, paths: list[Path], flow: str | None = None, rows: int = 5,
                  rejects: int = 10) -> Inspection:
    """Inspect `paths` against every built flow (or only `flow`); the first `rows` and `rejects` per flow."""
    layouts = _layouts(config, flow)
    seen: list[FileSeen] = []
    sets: dict[str, list[tuple[str, RawTable]]] = {}
    for path in paths:
        item, found = _look(path, layouts)
        seen.append(item)
        if found:
            sets.setdefault(found[0].flow, []).extend(found[0].tables)
    flows = [first_records(config, FLOWS[name], layouts[name], tables, rows, rejects)
             for name, tables in sets.items()]
    return Inspection(seen, flows)


def _layouts(config: Config, only: str | None) -> dict[str, SourceLayout]:
    layouts: dict[str, SourceLayout] = {}
    for name, candidate in FLOWS.items():
        if candidate.built and only in (None, name):
            try:
                layouts[name] = load_layouts(config, candidate).source
            except ConfigError:
                if only:
                    raise
    if only and only not in layouts:
        raise ConfigError([f"'{only}' is no built flow; built: {', '.join(n for n, f in FLOWS.items() if f.built)}"])
    return layouts


def _look(path: Path, layouts: Mapping[str, SourceLayout]) -> tuple[FileSeen, list[Recognized]]:
    item = FileSeen(path.name)
    try:
        raws = read_file(path)
    except InputFileError as exc:
        item.reason = str(exc)
        return item, []
    _describe(item, raws)
    try:
        found, problem = recognize_file(path, layouts)
    except EtlError as exc:
        found, problem = [], str(exc)
    for recognized in found:
        layout = layouts[recognized.flow]
        for name, raw in recognized.tables:
            item.taken.append(Taken(recognized.flow, name, _why(layout, name, raw), _columns(layout, name, raw)))
    if not found:
        columns = {c for raw in raws for c in raw.columns}
        item.tried = [Tried(name, _lacking(layout, columns)) for name, layout in layouts.items()]
        item.reason = unknown_reason(path, problem, list(layouts))
    return item, found


def _describe(item: FileSeen, raws: list[RawTable]) -> None:
    first = raws[0]
    item.form = N_("delimited text") if first.dialect is not None else N_("structured (xml, json, xlsx)")
    if first.encoding is not None:
        item.encoding, item.confidence, item.encoding_how = (first.encoding.encoding, first.encoding.confidence,
                                                             first.encoding.how)
    item.dialect = first.dialect.describe() if first.dialect else None
    item.tables = [{"name": raw.name, "columns": list(raw.columns)} for raw in raws]


def _why(layout: SourceLayout, name: str, raw: RawTable) -> str:
    """Why `raw` is taken for layout table `name`: its recognising columns (and the name the file states)."""
    spec = layout.flat if name == "flat" else layout.tables[name]
    assert spec is not None
    what = N_("a flat export (one row per line)") if name == "flat" else N_("table {name}").format(name=name)
    why = (N_("{what} of {layout} (it has the recognising columns {columns}; the file names it '{name}')")
           if raw.name else N_("{what} of {layout} (it has the recognising columns {columns})"))
    return why.format(what=what, layout=f"mappings/{layout.system}/{layout.flow}.yaml",  # translated when shown
                      columns=", ".join(spec.recognize), name=raw.name)


def _columns(layout: SourceLayout, name: str, raw: RawTable) -> Columns:
    tables = layout.flat.tables if name == "flat" and layout.flat else [name]
    present = set(raw.columns)
    result = Columns(ignored=ignored_columns(layout, name, raw))
    for table in tables:
        for (fname, _, need, default, when), spec in zip(field_needs(layout, layout.tables[table]),
                                                          layout.tables[table].fields.values(), strict=True):
            hit = next((c for c in spec.column if c in present), None)
            label = hit or " or ".join(spec.column)
            result.needs.append({"column": label, "field": fname, "need": need, "default": default,
                                 "when": when or None})
            if hit:
                if label not in result.found:
                    result.found.append(label)
            elif need == "optional":
                result.optional_missing.append(label)
            elif need == "needed_when":
                result.needed_missing.append(label)
            elif label not in result.missing:
                result.missing.append(label)
    for table in tables:  # what a run says (a flat export is checked against each table it holds)
        try:
            check_columns(layout, table, raw)
        except InputFileError as exc:
            result.problem = str(exc)
            break
    return result


def _lacking(layout: SourceLayout, columns: set[str]) -> dict[str, list[str]]:
    """Per layout table (and 'flat'), the recognising columns that `columns` lack."""
    lacking = {name: [c for c in table.recognize if c not in columns] for name, table in layout.tables.items()}
    if layout.flat:
        lacking["flat"] = [c for c in layout.flat.recognize if c not in columns]
    return lacking
