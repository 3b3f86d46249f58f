"""Fields by need, generated from the flows (FLOWS), their shipped source layouts and the test exports.

For every table of every flow's source layout that a test export holds, each column the layout reads is
dropped from that export in turn and the export's set is read by the flow's own extractor:
- an `optional` column: the set is read and gives as many records as with the column;
- a `needed_when` column: the set is read; only records the condition holds for are rejected, each
  naming the column and the condition;
- a `required` (or `expected`) column: the file is refused before any row is read, naming the column;
- a column that recognises the table: the file is no longer taken for that table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.bundled import bundled
from etl.extract import RawTable
from etl.flows import FLOWS
from etl.flows.flow import no_tables
from etl.pipeline.recognize import recognize_file
from etl.shared.errors import InputFileError
from etl.shared.records import Chunk
from etl.transform.layout import SourceLayout, load_layout
from etl.transform.needs import need_of
from tests.conftest import DATA

LAYOUTS = {name: load_layout(bundled("mappings") / flow.source, SourceLayout)
           for name, flow in FLOWS.items() if flow.extract_tables is not no_tables}
TEXT = (".csv", ".txt", ".tsv")


def _samples() -> dict[tuple[str, str], Path]:
    """(flow, layout table or 'flat') -> the first test export holding that table."""
    found: dict[tuple[str, str], Path] = {}
    for path in sorted(p for p in DATA.rglob("*") if p.is_file() and p.suffix in TEXT):
        for recognized in recognize_file(path, LAYOUTS)[0]:
            for name, _ in recognized.tables:
                found.setdefault((recognized.flow, name), path)
    return found


SAMPLES = _samples()


def _cases() -> Iterator[object]:
    for (flow, table), path in SAMPLES.items():
        layout = LAYOUTS[flow]
        header = _read(path)[1][0]
        seen = set()
        for name in layout.flat.tables if table == "flat" and layout.flat else [table]:
            for spec in layout.tables[name].fields.values():
                columns = [c for c in spec.column if c in header]  # every alternative goes: [payment_class, …]
                if columns and columns[0] not in seen:
                    seen.add(columns[0])
                    yield pytest.param(flow, table, path, columns, need_of(spec),
                                       id=f"{flow}-{table}-{columns[0]}-{need_of(spec)}")


def _read(path: Path) -> tuple[str, list[list[str]], str, str]:
    """Encoding, rows, delimiter and line end of a delimited test export."""
    data = path.read_bytes()
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "cp1252", data.decode("cp1252")
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t|", key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return encoding, rows, delimiter, "\r\n" if "\r\n" in text else "\n"


def _without(path: Path, columns: list[str], folder: Path) -> Path:
    """A copy of the export `path` in `folder` without `columns` (written back in the export's own form)."""
    encoding, rows, delimiter, end = _read(path)
    cut = {rows[0].index(c) for c in columns}
    kept = [[cell for i, cell in enumerate(row) if i not in cut] for row in rows if row]
    for row, old in zip(kept[1:], rows[1:], strict=False):
        if old and old[0].startswith("#") and row and not row[0].startswith("#"):
            row[0] = "# " + row[0]  # a template's help row stays a note when its first column goes
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=end).writerows(kept)
    copy = folder / path.name
    copy.write_bytes(out.getvalue().encode(encoding))
    return copy


def _set(flow: str, path: Path, replaced: Path | None = None) -> list[Path]:
    """The export's set: the files beside it that the flow reads (`replaced` standing in for `path`)."""
    siblings = [p for p in sorted(path.parent.iterdir()) if p.is_file() and p.suffix in TEXT
                and recognize_file(p, {flow: LAYOUTS[flow]})[0]]
    siblings = siblings if path.parent != DATA / "orders" / "cases" else [path]  # each case is its own export
    return [replaced if p == path and replaced else p for p in siblings]


def _extract(flow: str, files: list[Path]) -> list[Chunk]:
    """What the flow's extractor makes of `files`, as a run stages it."""
    layout, spec = LAYOUTS[flow], FLOWS[flow]
    tables: dict[str, list[RawTable]] = {}
    chunks: list[Chunk] = []
    for path in files:
        for recognized in recognize_file(path, {flow: layout})[0]:
            for name, raw in recognized.tables:
                if name == "flat":
                    chunks += list(spec.extract_flat(layout, raw, "run"))
                else:
                    tables.setdefault(name, []).append(raw)
    if tables:
        chunks += list(spec.extract_tables(layout, tables, "run"))
    return chunks


def _records(chunks: list[Chunk]) -> tuple[int, int, list]:
    """Records in, records out (rows of the first neutral table) and the rejects."""
    out = sum(next(iter(c.neutral.values())).num_rows for c in chunks if c.neutral)
    return sum(c.records_in for c in chunks), out, [r for c in chunks for r in c.rejects]


@pytest.mark.parametrize(("flow", "table", "path", "columns", "need"), list(_cases()))
def test_a_column_the_records_do_not_all_need_may_be_missing(
        tmp_path: Path, flow: str, table: str, path: Path, columns: list[str], need: str) -> None:
    layout = LAYOUTS[flow]
    column = columns[0]
    reduced = _without(path, columns, tmp_path)
    recognizing = layout.flat.recognize if table == "flat" and layout.flat else layout.tables[table].recognize
    if set(columns) & set(recognizing):  # without it the file is not that table at all (what the file is: recognition)
        assert table not in [n for r in recognize_file(reduced, {flow: layout})[0] for n in r.names]
        return
    whole = _records(_extract(flow, _set(flow, path)))
    files = _set(flow, path, reduced)
    if need in ("required", "expected"):
        with pytest.raises(InputFileError) as refused:
            _extract(flow, files)
        assert f"'{column}" in str(refused.value) and path.name in str(refused.value)
        return
    records_in, out, rejects = _records(_extract(flow, files))
    assert records_in == whole[0] and out > 0
    if need == "optional":
        assert out == whole[1]
        assert [r for r in rejects if r.field == column] == []
    else:  # needed_when: only the records that need it go, each saying why
        lost = whole[1] - out
        named = {r.record for r in rejects if r.field == column}
        assert len(named) >= lost and all("is needed when" in r.reason for r in rejects if r.field == column)


def test_every_table_of_every_flow_has_a_test_export() -> None:
    """The generated cases reach every table the flows read from the inbox (flat exports included)."""
    tables = {(flow, name) for flow, layout in LAYOUTS.items() for name in [*layout.tables, *(["flat"] if layout.flat
                                                                                               else [])]}
    assert tables - set(SAMPLES) == set()
