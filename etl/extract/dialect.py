"""Text dialects of table exports, told by content: separator, quoting, escapes, NULL and line ends.

MySQL's own tools do not write RFC 4180 CSV: the client in batch mode escapes tab, newline, backslash
and NUL as `\\t \\n \\\\ \\0` and leaves a CR raw; `SELECT ... INTO OUTFILE` (and `mysqldump --tab`)
puts its escape character before a tab, newline, quote or itself and writes NULL as `\\N`; with
`ESCAPED BY ''` (and the client's `--raw`) nothing is escaped at all. Spreadsheet tools (Excel,
phpMyAdmin, Adminer, HeidiSQL) quote fields and double the quote inside.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass

_CANDIDATES = ";,\t|"
# What a backslash may precede in MySQL's escaped output (batch: t n \ 0; OUTFILE: the raw character).
_MYSQL_ESCAPED = set("tn\\0N\t\n\r\"'bZ")


@dataclass(frozen=True)
class Dialect:
    """How one delimited file is written; `escape == quote` means a doubled quote inside quotes."""

    name: str
    separator: str
    quote: str = ""  # the enclosure character, '' for none
    escape: str = ""  # the escape character, '' for none
    nulls: tuple[str, ...] = ()  # field texts (as written, unquoted) that mean NULL
    line_end: str = "\n"  # "\n" or "\r\n"; with "\n" a CR before it belongs to the line end only in CSV

    @property
    def plain_csv(self) -> bool:
        """RFC 4180 style (quotes doubled, no backslash escapes): Arrow's fast CSV reader reads it."""
        return self.escape in ("", self.quote) and (self.quote == '"' or self.escape == "")

    def describe(self) -> dict[str, str | list[str]]:
        """The dialect for reports and `etl inspect`, control characters spelled out."""
        spell = {"\t": "\\t", "\n": "\\n", "\r\n": "\\r\\n", "": "none"}
        data = asdict(self)
        def word(text: str) -> str:
            return spell.get(text, text)

        return {key: ([word(v) for v in value] if isinstance(value, tuple) else word(value))
                for key, value in data.items()}


def tab_dump(separator: str = "auto") -> Dialect:
    """How `mysqldump --tab` writes a table's `.txt`: MySQL's INTO OUTFILE defaults."""
    # Tab, no quotes, backslash escapes, \N for NULL, LF. The `.sql` beside it does not record the
    # `--fields-*` options, so only the layout's own `delimiter:` changes the separator; never sniffed.
    return Dialect("mysql-outfile", "\t" if separator == "auto" else separator, "", "\\", ("\\N",), "\n")


def detect_delimiter(sample: str) -> str:
    """The separator that splits the header and the next lines into the same number of fields."""
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if lines and "\t" in lines[0] and all(lines[0].count(sep) == 0 for sep in ";,|"):
        return "\t"  # a tab header with no other candidate: MySQL's escapes confuse the sniffer
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_CANDIDATES).delimiter
    except csv.Error:
        counts = {sep: lines[0].count(sep) for sep in _CANDIDATES} if lines else {}
        best = max(counts, key=lambda sep: counts[sep], default=";")
        return best if counts.get(best) else ";"


def detect_dialect(sample: str, separator: str = "auto") -> Dialect:
    """The dialect of a delimited text whose beginning (header first) is `sample`."""
    sep = detect_delimiter(sample) if separator == "auto" else separator
    header, _, body = sample.partition("\n")
    line_end = "\r\n" if header.endswith("\r") else "\n"
    escaped = _escaped(header, body, sep, line_end)
    if escaped is not None:
        return escaped
    field_start, field_end = _field_bounds(sep)
    doubled = re.search(rf'{field_start}"(?:[^"]|"")*"{field_end}', body, re.MULTILINE) is not None
    if doubled and (sep != "\t" or _enclosed(header, body, sep)):
        # Adminer writes NULL as an empty field and an empty text as "": then an empty field is NULL.
        empties = re.search(rf'{field_start}""{field_end}', body, re.MULTILINE) is not None
        return Dialect("csv", sep, '"', '"', ("NULL", "\\N", *([""] if empties else [])), line_end)
    if sep == "\t":
        # No escapes, no quotes: the client's --raw or ESCAPED BY '', or a tab text without specials.
        return Dialect("tab-raw", sep, "", "", ("NULL",), line_end)
    return Dialect("csv", sep, '"', '"', ("NULL", "\\N"), line_end)


def _field_bounds(sep: str) -> tuple[str, str]:
    """Patterns for where a whole field starts and where it ends (a look-ahead), fields split by `sep`."""
    s = re.escape(sep)
    return rf"(?:^|{s})", rf"(?={s}|\r?$)"


def _escaped(header: str, body: str, sep: str, line_end: str) -> Dialect | None:
    """The dialect of an export whose values carry escapes (MySQL's, HeidiSQL's \\N), if the sample shows one."""
    field_start, field_end = _field_bounds(sep)
    # NULL as "N: ESCAPED BY '"'; followed by a separator or line end (a sample cut after a quoted N... is none)
    if re.search(rf'{field_start}"N(?={re.escape(sep)}|\r?\n)', body, re.MULTILINE):
        return Dialect("mysql-outfile-quote-escaped", sep, '"', '"', ('"N',), line_end)
    backslashed = [m.group(1) for m in re.finditer(r"\\(.)", body, re.DOTALL)]
    if set(backslashed) == {"N"} and '""' in body and '\\"' not in body:
        # Only \N for NULL, and quotes doubled inside quotes: HeidiSQL's CSV, not MySQL's escaping
        # (INTO OUTFILE writes a quote in a value as \" and a backslash as \\).
        return Dialect("csv", sep, '"', '"', ("NULL", "\\N"), line_end)
    quoted = re.search(rf'{field_start}"[^"]*"{field_end}', body, re.MULTILINE) is not None
    null_n = re.search(rf"{field_start}\\N{field_end}", body, re.MULTILINE) is not None
    if not (backslashed and all(ch in _MYSQL_ESCAPED for ch in backslashed) and (sep == "\t" or null_n or quoted)):
        return None
    quote = '"' if _enclosed(header, body, sep) or '\\"' in body else ""
    if null_n or quote or any(ch in "\t\n" for ch in backslashed):
        return Dialect("mysql-outfile", sep, quote, "\\", ("\\N",), line_end)
    return Dialect("mysql-batch", sep, "", "\\", ("NULL", "\\N"), line_end)


def _enclosed(header: str, body: str, sep: str) -> bool:
    """Fields are enclosed in quotes: the header's are, or a good share of the values start with one.

    Without ENCLOSED BY, MySQL writes a quote inside a value raw, so one value starting with a quote
    proves nothing; with it, every text value (OPTIONALLY) or every value starts with one.
    """
    names = header.rstrip("\r").split(sep)
    if names and all(n.startswith('"') for n in names):
        return True
    fields = [f for line in body.splitlines()[:50] for f in line.split(sep)]
    return bool(fields) and sum(f.startswith('"') for f in fields) * 4 >= len(fields)
