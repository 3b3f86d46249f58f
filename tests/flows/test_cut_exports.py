"""An export cut off in the middle of a row or of a quoted field: only the cut record is refused, every
order before it is written as the whole export writes it. Cut points are generated over the last rows of
every order table (plain and with every field quoted) and of the flat export.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from etl.config import Config, load_config
from etl.pipeline import run_flow
from etl.report.run_report import RunReport
from etl.workspace import create_workspace
from tests.conftest import ORDERS, drop

TABLES = sorted(p.stem for p in (ORDERS / "xtc_csv_cp1252").iterdir())
FLAT = "flat_cp1252"
LAST_ROWS = 2  # the cut falls into one of the last rows: everything after it is gone, as in a real cut


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="cp1252", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def _write(path: Path, rows: list[list[str]], quoting: int) -> list[tuple[int, int]]:
    """Write `rows` as cp1252 CSV; each row's byte span (start, end without the line end)."""
    spans, data = [], b""
    for row in rows:
        line = _csv_line(row, quoting)
        spans.append((len(data), len(data) + len(line)))
        data += line + b"\r\n"
    path.write_bytes(data)
    return spans


def _csv_line(row: list[str], quoting: int) -> bytes:
    if quoting == csv.QUOTE_ALL:  # every field quoted but NULL: a quoted "NULL" is that text
        return ";".join(f if f == "NULL" else '"' + f.replace('"', '""') + '"' for f in row).encode("cp1252")

    class Line:
        text = ""

        def write(self, text: str) -> None:
            self.text += text

    out = Line()
    csv.writer(out, delimiter=";", quoting=quoting, lineterminator="").writerow(row)
    return out.text.encode("cp1252")


def _cuts(spans: list[tuple[int, int]], data: bytes) -> list[int]:
    """Cut points in the last rows: just in, a third, the middle, inside every third quoted field, and
    one before the end. Not inside a last field without quotes: a row cut there has all its fields and
    reads as the last row of a file without a final line end (nothing tells them apart)."""
    points = set()
    for start, end in spans[-LAST_ROWS:]:
        width = end - start
        opening = [i for i in range(start, end - 2) if data[i:i + 1] == b'"' and data[i - 1:i] in (b";", b"\n")]
        points |= {start + 1, start + width // 3, start + width // 2, end - 1, *(i + 2 for i in opening[::3])}
        last = data.rfind(b";", start, end) + 1
        if data[last:last + 1] != b'"':
            points = {p for p in points if not last <= p < end}
    return sorted(p for p in points if spans[-LAST_ROWS][0] < p < spans[-1][1])


def _records(report: RunReport) -> dict[str, dict]:
    if not report.outputs:
        return {}
    (output,) = report.outputs
    return {r["Shopbestellnummer"]: r for r in json.loads(Path(output).read_text(encoding="utf-8"))["records"]}


def _run(base: Path, files: list[Path]) -> RunReport:
    config = load_config(create_workspace(base))
    drop(config, *files)
    return run_flow(config, "orders", "json")


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict]]:
    """The orders the uncut exports write: the table set, and the flat export (it names services by class)."""
    return {form: _records(_run(tmp_path_factory.mktemp("whole"), [ORDERS / form]))
            for form in ("xtc_csv_cp1252", f"{FLAT}.csv")}


def _cases() -> list[tuple[str, int, int]]:
    cases = []
    for table in [*TABLES, FLAT]:
        source = ORDERS / ("xtc_csv_cp1252" if table != FLAT else "") / f"{table}.csv"
        for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_ALL):
            data = b"".join(_csv_line(r, quoting) + b"\r\n" for r in _read(source))
            spans, at = [], 0
            for row in _read(source):
                size = len(_csv_line(row, quoting))
                spans.append((at, at + size))
                at += size + 2
            cases += [(table, quoting, cut) for cut in _cuts(spans, data)]
    return cases


@pytest.mark.parametrize(("table", "quoting", "cut"), _cases())
def test_a_cut_export_refuses_only_the_cut_record(tmp_path: Path, whole: dict[str, dict[str, dict]], table: str,
                                                  quoting: int, cut: int) -> None:
    folder = tmp_path / "export"
    if table == FLAT:
        folder.mkdir()
        source = ORDERS / f"{FLAT}.csv"
    else:
        shutil.copytree(ORDERS / "xtc_csv_cp1252", folder)
        source = folder / f"{table}.csv"
    rows = _read(source)
    path = folder / f"{table}.csv"
    spans = _write(path, rows, quoting)
    path.write_bytes(path.read_bytes()[:cut])
    (cut_row,) = [n for n, (start, end) in enumerate(spans) if start < cut < end]
    order_column = rows[0].index("orders_id")
    report = _run(tmp_path / "work", [folder] if table != FLAT else [path])
    written, uncut = _records(report), whole[f"{FLAT}.csv" if table == FLAT else "xtc_csv_cp1252"]
    if table in ("orders", FLAT):
        # The cut order is refused; the orders after the cut are not in the export any more.
        lost = {row[order_column] for row in rows[cut_row:]}
    else:
        # The rows after the cut are gone: from the cut row's order on (or, if the cut leaves its order
        # unreadable, from the order of the last whole row before it) no order can be written whole.
        ids = [row[0] for row in _read(ORDERS / "xtc_csv_cp1252" / "orders.csv")[1:]]
        key_end = spans[cut_row][0] + len(_csv_line(rows[cut_row][:order_column + 1], quoting))
        anchor = rows[cut_row if cut >= key_end else cut_row - 1][order_column] if cut >= key_end or cut_row > 1 \
            else None
        lost = set(ids[ids.index(anchor):] if anchor in ids else ids)
    assert set(uncut) - lost <= set(written)
    assert all(written[order] == uncut[order] for order in written)  # nothing written from a cut value
    assert report.records_in == report.written + report.rejected
    cut_line = 1 + sum(r.count("\n") for row in rows[:cut_row] for r in row) + cut_row
    assert any(r.file == path.name and r.line == cut_line for r in report.rejects), [
        (r.file, r.line, r.reason) for r in report.rejects]


def test_an_order_with_two_grand_totals_is_refused_naming_both(workspace: Config, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(ORDERS / "xtc_csv_cp1252", folder)
    rows = _read(folder / "orders_total.csv")
    first = next(row for row in rows if row[1] == "10001" and row[5] == "ot_total")
    rows.append(["59999", "10001", "Summe:", "88,70 EUR", "88.7000", "ot_total", "99"])
    _write(folder / "orders_total.csv", rows, csv.QUOTE_MINIMAL)
    drop(workspace, folder)
    report = run_flow(workspace, "orders", "json")
    written = _records(report)
    assert "10001" not in written and {"10002", "10003", "10004", "10005", "10006", "10008"} <= set(written)
    twice = [r for r in report.rejects if "more than one grand total" in r.reason]
    assert {(r.record, r.file, r.value) for r in twice} == {
        ("10001", "orders_total.csv", first[4]), ("10001", "orders_total.csv", "88.7000")}
    assert [r.line for r in twice] == sorted([rows.index(first) + 1, len(rows)])
    assert report.records_in == report.written + report.rejected


def test_a_flat_order_whose_lines_disagree_on_its_total_is_refused(workspace: Config, tmp_path: Path) -> None:
    rows = _read(ORDERS / f"{FLAT}.csv")
    total = rows[0].index("ot_total")
    second = [n for n, row in enumerate(rows) if row[0] == "10001"][1]
    rows[second][total] = "88.70"
    path = tmp_path / "flat.csv"
    _write(path, rows, csv.QUOTE_MINIMAL)
    drop(workspace, path)
    report = run_flow(workspace, "orders", "json")
    assert "10001" not in _records(report) and len(_records(report)) == 6
    (twice,) = [r for r in report.rejects if "different amounts" in r.reason]
    assert (twice.record, twice.field, twice.value) == ("10001", "ot_total", "88.7000 / 98.7000")
    assert report.records_in == report.written + report.rejected
