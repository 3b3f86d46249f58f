"""Which flows read a file, and which of their tables it holds: decided by content, never by name.

The one recognition both `etl run` (one flow) and `etl watch` (every built flow) use. Several flows
may recognise one file (an order table has the customer's id, mail address and name, as a customer
table has): each is scored by how many of the file's columns its tables read, the best fit first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from etl.extract import LINE, RawTable, read_file
from etl.extract.unknown import NO_EXPORT, describe
from etl.i18n import N_
from etl.shared.errors import InputFileError
from etl.transform.layout import SourceLayout
from etl.transform.source import ignored_columns, recognize


@dataclass(frozen=True)
class Recognized:
    """One flow that reads the file, with the layout tables found in it."""

    flow: str
    tables: tuple[tuple[str, RawTable], ...]
    fit: int = 0  # columns of the file the flow's tables read

    @property
    def names(self) -> tuple[str, ...]:
        """The layout table names found ('flat' for a flat export)."""
        return tuple(name for name, _ in self.tables)


def recognize_file(path: Path, layouts: Mapping[str, SourceLayout]) -> tuple[list[Recognized], str | None]:
    """The flows whose source layout finds a table in `path`, the best fit first (ties: in the order of `layouts`).

    Also returns why the file could not be read with some layout's dialect, if it could not: such a
    file is refused only when no flow reads it. The file is read once per distinct dialect.
    """
    found: list[Recognized] = []
    problem: str | None = None
    read: dict[tuple[str, str], list[RawTable] | str] = {}
    for flow, layout in layouts.items():
        dialect = (layout.encoding, layout.delimiter)
        if dialect not in read:
            try:
                read[dialect] = read_file(path, *dialect)
            except InputFileError as exc:
                read[dialect] = str(exc)
        raws = read[dialect]
        if isinstance(raws, str):
            problem = raws
            continue
        tables = tuple((name, raw) for raw in raws if (name := recognize(layout, raw)))
        if tables:
            found.append(Recognized(flow, tables, sum(fit(layout, name, raw) for name, raw in tables)))
    return sorted(found, key=lambda r: -r.fit), problem


def fit(layout: SourceLayout, name: str, raw: RawTable) -> int:
    """How well table `name` of `layout` fits `raw`: the number of its columns the table reads."""
    return len(raw.columns) - len(ignored_columns(layout, name, raw)) - (LINE in raw.columns)


def unknown_reason(path: Path, problem: str | None, tried: list[str]) -> str:
    """Why no flow reads `path`: what the file looks like (or why it cannot be read) and the flows tried."""
    flows = ", ".join(tried) or "none built"
    if problem is not None:
        return N_("{what}; no flow reads it (tried: {flows})").format(what=problem, flows=flows)
    try:
        looks = describe(read_file(path))
    except InputFileError as exc:
        looks = str(exc)
    return f"{path.name}: no flow reads this file; it looks like {looks} (tried: {flows})"


def is_no_export(problem: str | None) -> bool:
    """True when a file no flow reads is no table export at all (binary, one endless line), or just unknown."""
    return problem is None or NO_EXPORT in problem
