"""Any text written by a dialect's rules reads back identical (hypothesis)."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from etl.extract.dialect import Dialect
from etl.extract.text_rows import rows

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
VALUES = st.lists(st.lists(st.one_of(st.none(), TEXT), min_size=3, max_size=3), min_size=1, max_size=8)

BATCH = Dialect("mysql-batch", "\t", "", "\\", ("NULL", "\\N"), "\n")
OUTFILE = Dialect("mysql-outfile", "\t", "", "\\", ("\\N",), "\n")
ENCLOSED_CRLF = Dialect("mysql-outfile", ",", '"', "\\", ("\\N",), "\r\n")
CSV = Dialect("csv", ";", '"', '"', ("NULL", "\\N", ""), "\r\n")


def _batch(value: str | None) -> str:
    if value is None:
        return "NULL"
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _outfile(value: str | None, sep: str, quote: str, line_end: str) -> str:
    if value is None:
        return "\\N"
    out = value.replace("\\", "\\\\")
    if quote:
        return quote + out.replace(quote, "\\" + quote).replace(line_end[0], "\\" + line_end[0]) + quote
    return out.replace(sep, "\\" + sep).replace(line_end[0], "\\" + line_end[0])


def _csv(value: str | None) -> str:
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def _read(text: str, dialect: Dialect) -> list[list[str | None]]:
    return [row.fields for row in rows(io.StringIO(text), dialect, 3)][1:]


@given(VALUES)
def test_client_batch_text_reads_back(values: list[list[str | None]]) -> None:
    values = [[None if v == "NULL" else v for v in row] for row in values]  # 'NULL' is NULL in batch output
    text = "a\tb\tc\n" + "".join("\t".join(_batch(v) for v in row) + "\n" for row in values)
    assert _read(text, BATCH) == values


@given(VALUES)
def test_outfile_text_reads_back(values: list[list[str | None]]) -> None:
    text = "a\tb\tc\n" + "".join("\t".join(_outfile(v, "\t", "", "\n") for v in row) + "\n" for row in values)
    assert _read(text, OUTFILE) == values


@given(VALUES)
def test_enclosed_crlf_outfile_text_reads_back(values: list[list[str | None]]) -> None:
    text = "a,b,c\r\n" + "".join(",".join(_outfile(v, ",", '"', "\r\n") for v in row) + "\r\n" for row in values)
    assert _read(text, ENCLOSED_CRLF) == values


@given(VALUES)
def test_spreadsheet_csv_reads_back(values: list[list[str | None]]) -> None:
    text = "a;b;c\r\n" + "".join(";".join(_csv(v) for v in row) + "\r\n" for row in values)
    assert _read(text, CSV) == values
