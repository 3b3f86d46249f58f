"""Split delimited text into rows by a `Dialect`, streaming: MySQL's escapes, quotes, and rows that break.

Arrow's CSV reader is the fast path for RFC 4180 files (csv_source.py); this reader takes the dialects
it cannot (backslash escapes, a raw CR inside a value, `\\N`, `"N`) and the rest of a CSV file after a
row that cannot be split. A row whose field count differs from the header's is kept as a broken row:
its fields by position, its text and the reason, so that later stages refuse it (and its record).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from etl.extract.dialect import Dialect

CHUNK = 1 << 20
LOOKAHEAD = 1 << 20  # a quoted field may run this far past a buffer's end before it is taken as unclosed
_MYSQL = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


@dataclass
class Row:
    """One record: the line it starts on, its fields (None for NULL), its text and, if broken, why."""

    line: int
    fields: list[str | None]
    text: str
    broken: str | None = None


class _Patterns:
    def __init__(self, d: Dialect) -> None:
        sep, end, esc, quote = re.escape(d.separator), re.escape(d.line_end), d.escape, d.quote
        stop = rf"(?={sep}|{end}|\Z)"
        term_first, term_rest = d.line_end[0], d.line_end[1:]
        specials = re.escape(d.separator[0] + term_first + esc)
        plain = [f"[^{specials}]"]
        if esc:
            plain.append(rf"{re.escape(esc)}[\s\S]")
        if term_rest:
            plain.append(rf"{re.escape(term_first)}(?!{re.escape(term_rest)})")
        self.plain = re.compile(f"(?:{'|'.join(plain)})*")
        self.enclosed: re.Pattern[str] | None = None
        if quote:
            q = re.escape(quote)
            if esc == quote:
                inner = rf"[^{q}]|{q}(?!{sep}|{end}|\Z)[\s\S]"
            elif esc:
                inner = rf"[^{q}{re.escape(esc)}]|{re.escape(esc)}[\s\S]"
            else:
                inner = rf"[^{q}]|{q}{q}"
            self.enclosed = re.compile(rf"{q}((?:{inner})*){q}{stop}")
        self.unescape = re.compile(rf"{re.escape(esc)}([\s\S])") if esc else None
        self.mysql = d.name.startswith("mysql")


def rows(handle: TextIO, dialect: Dialect, width: int | None) -> Iterator[Row]:
    """Every record of `handle` from its current place; `width` (the header's) judges broken rows."""
    pat = _Patterns(dialect)
    sep, term = dialect.separator, dialect.line_end
    specials = {c for c in (dialect.quote, dialect.escape) if c}
    buf, pos, line, eof = "", 0, 1, False
    while True:
        if not eof and len(buf) - pos < LOOKAHEAD:
            more = handle.read(CHUNK)
            buf, pos, eof = (buf[pos:] + more, 0, False) if more else (buf, pos, True)
            continue
        if pos >= len(buf):
            return
        start, cut = pos, buf.find(term, pos)
        if cut < 0 and not eof:  # a record longer than the look-ahead: read on to its end
            more = handle.read(CHUNK)
            buf, pos, eof = (buf[pos:] + more, 0, False) if more else (buf, pos, True)
            continue
        if cut >= 0 and not any(c in buf[pos:cut] for c in specials):
            text = buf[pos:cut]
            fields: list[str | None] = [None if f in dialect.nulls else f for f in text.split(sep)]
            pos = cut + len(term)
        else:
            fields, pos = _fields(buf, pos, dialect, pat)
            text = buf[start:pos].removesuffix(term)
        number, line = line, line + buf.count("\n", start, pos)
        if text == "" and fields in ([""], [None]):
            continue  # a blank line, e.g. after the last row
        broken = None
        if width is not None and len(fields) != width:
            broken = f"the row has {len(fields)} fields where the header has {width}"
        yield Row(number, fields, text, broken)


def _fields(buf: str, pos: int, d: Dialect, pat: _Patterns) -> tuple[list[str | None], int]:
    """The fields of the record at `pos` and where the next record starts."""
    fields: list[str | None] = []
    sep, term = d.separator, d.line_end
    while True:
        value: str | None = None
        null = next((n for n in d.nulls if n and buf.startswith(n, pos)
                     and _at_stop(buf, pos + len(n), sep, term)), None)
        match = None
        if null is not None:
            pos += len(null)
        elif pat.enclosed is not None and buf.startswith(d.quote, pos):
            match = pat.enclosed.match(buf, pos)
        if null is None and match is not None:
            value, pos = _unescape(match.group(1), d, pat), match.end()
        elif null is None:
            plain = pat.plain.match(buf, pos)
            assert plain is not None  # the pattern matches the empty string
            raw, pos = plain.group(0), plain.end()
            value = None if raw in d.nulls else _unescape(raw, d, pat)
        fields.append(value)
        if buf.startswith(sep, pos):
            pos += len(sep)
        elif buf.startswith(term, pos):
            return fields, pos + len(term)
        elif pos >= len(buf):
            return fields, pos
        # else: text after a closing quote starts another field; the field count marks the row broken


def _at_stop(buf: str, pos: int, sep: str, term: str) -> bool:
    return pos >= len(buf) or buf.startswith(sep, pos) or buf.startswith(term, pos)


def _unescape(text: str, d: Dialect, pat: _Patterns) -> str:
    if pat.unescape is None or d.escape not in text:
        return text
    if pat.mysql:
        return pat.unescape.sub(lambda m: _MYSQL.get(m.group(1), m.group(1)), text)
    return pat.unescape.sub(lambda m: m.group(1), text)
