"""CSV as phpMyAdmin, Adminer and HeidiSQL write it, from rows the real server gave (`mariadb --xml`).

These tools do not run here (PHP web apps, a Windows program); each function follows the tool's own
export code, read for these tests:
- phpMyAdmin `Plugins/Export/ExportCsv.php`: every non-empty value enclosed, the enclosure doubled
  inside (escape = enclosure, the default), NULL as the "Replace NULL with" text (`NULL`), an empty
  text as nothing; "CSV" uses `,` and the server's line end, "CSV for MS Excel" `;`, CRLF, and turns a
  CR or CRLF inside a value into LF.
- Adminer `dump_csv`: a value is enclosed only when it holds `" LF , ; TAB`, starts with 0, is a decimal
  ending in 0, or is empty; NULL is written as nothing; `,` (CSV,), `;` (CSV;) or tab, CRLF.
- HeidiSQL `exportgrid.pas` (efCSV): every non-NULL value enclosed in `"` with `"` doubled, NULL as
  `\\N`, `;` and CRLF, UTF-8 with a byte order mark.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

Rows = list[dict[str, str | None]]
NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def xml_rows(xml: bytes) -> tuple[list[str], Rows]:
    """Column names and rows (None for NULL) of a `mariadb --xml` result."""
    rows: Rows = []
    columns: list[str] = []
    for row in ET.fromstring(xml).iter("row"):
        values = {f.get("name", ""): (None if f.get(NIL) == "true" else (f.text or "")) for f in row.iter("field")}
        columns = columns or list(values)
        rows.append(values)
    return columns, rows


def _join(fields: list[str], sep: str, end: str) -> str:
    return sep.join(fields) + end


def phpmyadmin(columns: list[str], rows: Rows, excel: bool = False) -> bytes:
    """phpMyAdmin "CSV" (columns names in the first row ticked) or "CSV for MS Excel" (Windows)."""
    sep, end = (";", "\r\n") if excel else (",", "\n")

    def field(value: str | None) -> str:
        if value is None:
            return "NULL"
        if value == "":
            return ""
        if excel:
            value = re.sub("\r\n?", "\n", value)
        return '"' + value.replace('"', '""') + '"'

    head = _join(['"' + c.replace('"', '""') + '"' for c in columns], sep, end)
    return (head + "".join(_join([field(r[c]) for c in columns], sep, end) for r in rows)).encode("utf-8")


def adminer(columns: list[str], rows: Rows, sep: str = ";") -> bytes:
    """Adminer's CSV export (format "CSV;" or "CSV,")."""

    def field(value: str | None) -> str:
        if value is None:
            return ""
        if re.search(r'["\n,;\t]|^0|\.\d*0$', value) or value == "":
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(_join([field(row[c]) for c in columns], sep, "\r\n")
                   for row in [{c: c for c in columns}, *rows]).encode("utf-8")


def heidisql(columns: list[str], rows: Rows) -> bytes:
    """HeidiSQL "Export grid rows", format CSV, its defaults."""

    def field(value: str | None) -> str:
        return "\\N" if value is None else '"' + value.replace('"', '""') + '"'

    head = _join(['"' + c + '"' for c in columns], ";", "\r\n")
    return ("\ufeff" + head + "".join(_join([field(r[c]) for c in columns], ";", "\r\n") for r in rows)
            ).encode("utf-8")


WRITERS = {"phpmyadmin-csv": phpmyadmin, "phpmyadmin-excel": lambda c, r: phpmyadmin(c, r, excel=True),
           "adminer-semicolon": adminer, "adminer-comma": lambda c, r: adminer(c, r, ","), "heidisql": heidisql}


def write(tool: str, columns: list[str], rows: Rows, path: Path) -> Path:
    """Write `rows` as `tool` exports them into `path`."""
    path.write_bytes(WRITERS[tool](columns, rows))
    return path
