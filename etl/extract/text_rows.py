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

from etl.extract.base import CUT_OFF
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
    cut: bool = False  # the file ends inside this row: cut off, not split by a line break in a value


class _Patterns:
    def __init__(self, d: Dialect) -> None:
        sep, end, esc, quote = re.escape(d.separator), re.escape(d.line_end), d.escape, d.quote
        stop = rf"(?={sep}|{end}|\Z)"
        term_first, term_rest = d.line_end[0], d.line_end[1:]
        # With the quote as escape (CSV, ESCAPED BY '"') a field outside quotes has no escapes: a quote
        # in it is text, and it cannot run on over a separator or a line end.
        plain_esc = esc if esc and esc != quote else ""
        specials = re.escape(d.separator[0] + term_first + plain_esc)
        plain = [f"[^{specials}]"]
        if plain_esc:
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
        self.quoting = {c for c in (d.quote, d.escape) if c}  # a line holding none of them splits at the separator
        self.null_starts = {n[0] for n in d.nulls if n}  # a field starting otherwise is no NULL: no search


def rows(handle: TextIO, dialect: Dialect, width: int | None) -> Iterator[Row]:
    """Every record of `handle` from its current place; `width` (the header's) judges broken rows."""
    pat = _Patterns(dialect)
    sep, term = dialect.separator, dialect.line_end
    buf, pos, line, eof = "", 0, 1, False
    while True:
        if not eof and len(buf) - pos < LOOKAHEAD:
            buf, pos, eof = _read_on(handle, buf, pos)
            continue
        if pos >= len(buf):
            return
        start, cut = pos, buf.find(term, pos)
        if cut < 0 and not eof:  # a record longer than the look-ahead: read on to its end
            buf, pos, eof = _read_on(handle, buf, pos)
            continue
        if cut >= 0 and not any(c in buf[pos:cut] for c in pat.quoting):
            text = buf[pos:cut]
            fields: list[str | None] = [None if f in dialect.nulls else f for f in text.split(sep)]
            pos = cut + len(term)
        else:
            fields, pos = _fields(buf, pos, dialect, pat, width, eof=eof)
            text = buf[start:pos].removesuffix(term)
        number, line = line, line + buf.count("\n", start, pos)
        if text == "" and fields in ([""], [None]):
            continue  # a blank line, e.g. after the last row
        unended = eof and pos >= len(buf) and not buf.endswith(term)  # the file's last row, without a line end
        yield _judged(Row(number, fields, text), dialect, width, unended=unended)


def _read_on(handle: TextIO, buf: str, pos: int) -> tuple[str, int, bool]:
    """The buffer with the next chunk of `handle` behind what is left of it, its start, and whether the file ended."""
    more = handle.read(CHUNK)
    return (buf[pos:] + more, 0, False) if more else (buf, pos, True)


def _judged(row: Row, dialect: Dialect, width: int | None, *, unended: bool) -> Row:
    """`row` marked broken if its field count is not the header's `width`, or cut off at the file's end."""
    fields = row.fields
    row.cut = unended and width is not None and (
        len(fields) != width or (bool(dialect.quote) and (fields[-1] or "").startswith(dialect.quote)))
    if row.cut:
        row.broken = CUT_OFF
    elif width is not None and len(fields) != width:
        row.broken = f"the row has {len(fields)} fields where the header has {width}"
    return row


def _fields(buf: str, pos: int, d: Dialect, pat: _Patterns, width: int | None = None, look: int = 2,
            eof: bool = False) -> tuple[list[str | None], int]:
    """The fields of the record at `pos` and where the next record starts (`eof`: `buf` ends the file)."""
    fields: list[str | None] = []
    sep, term = d.separator, d.line_end
    while True:
        null = _null_at(buf, pos, d) if buf[pos:pos + 1] in pat.null_starts else None
        if null is not None:
            value, pos = None, pos + len(null)
        else:
            match = _enclosed(buf, pos, d, pat, (width, len(fields), look))
            if match is None and eof and buf.startswith(d.quote or "\0", pos) and _open_to_end(buf, pos, d, pat):
                fields.append(buf[pos:])  # a quoted value the file ends inside: the row is cut off
                return fields, len(buf)
            if match is not None:
                value, pos = _unescape(match[0], d, pat), match[1]
            else:
                plain = pat.plain.match(buf, pos)
                assert plain is not None  # the pattern matches the empty string
                raw, pos = plain.group(0), plain.end()
                value = None if raw in d.nulls else raw if d.escape == d.quote else _unescape(raw, d, pat)
        fields.append(value)
        if buf.startswith(sep, pos):
            pos += len(sep)
        elif buf.startswith(term, pos):
            return fields, pos + len(term)
        elif pos >= len(buf):
            return fields, pos
        # else: text after a closing quote starts another field; the field count marks the row broken


def _null_at(buf: str, pos: int, d: Dialect) -> str | None:
    """The NULL marker that is the whole field at `pos`, if one is."""
    return next((n for n in d.nulls if n and buf.startswith(n, pos) and _at_stop(buf, pos + len(n), d.separator,
                                                                               d.line_end)), None)


def _enclosed(buf: str, pos: int, d: Dialect, pat: _Patterns, row: tuple[int | None, int, int]
              ) -> tuple[str, int] | None:
    """The text of the field quoted at `pos` and where it ends; None if the field is not quoted or not closed."""
    if pat.enclosed is None or not buf.startswith(d.quote, pos):
        return None
    if d.escape == d.quote:
        return _doubled(buf, pos, d, pat, row)
    found = pat.enclosed.match(buf, pos)
    return (found.group(1), found.end()) if found else None


def _doubled(buf: str, pos: int, d: Dialect, pat: _Patterns, row: tuple[int | None, int, int]
             ) -> tuple[str, int] | None:
    """The text of the field enclosed at `pos` (its quote doubles as escape) and where it ends; `row`:
    the header's width, the fields before this one, and how many rows on a line end may be checked."""
    # A quote before a line end either closes the row's last field or, in MySQL's ESCAPED BY '"', escapes
    # a line break inside the value ("\r" before CR LF, "\n" before LF). There it closes only where the
    # row is then whole and the next row too: otherwise a comment with CR LF splits two good records.
    # In CSV it always closes.
    q, sep, term = d.quote, d.separator, d.line_end
    width, before, look = row
    at, closing = pos + 1, None
    while (end := buf.find(q, at)) >= 0:
        nxt = end + 1
        if nxt >= len(buf) or buf.startswith(sep, nxt):
            return buf[pos + 1:end], nxt
        if buf.startswith(term, nxt):
            # A next row that would start with an escaped line end is this value's own end: "\n"\n.
            if width is None or not pat.mysql or (before + 1 >= width and not buf.startswith(
                    q + term[0], nxt + len(term)) and (
                    look == 0 or _whole_row(buf, nxt + len(term), d, pat, width, look - 1))):
                return buf[pos + 1:end], nxt
            closing = closing or (buf[pos + 1:end], nxt)
        elif buf[nxt] != q and not pat.mysql:
            return closing  # CSV: a quote neither doubled nor closing; the row is refused as broken
        at = nxt + 1
    return closing


def _open_to_end(buf: str, pos: int, d: Dialect, pat: _Patterns) -> bool:
    """True when the quote at `pos` would close only after the end of the file."""
    closed = buf + d.quote
    if d.escape == d.quote:
        found = _doubled(closed, pos, d, pat, (None, 0, 0))
        return found is not None and found[1] == len(closed)
    assert pat.enclosed is not None
    match = pat.enclosed.match(closed, pos)
    return match is not None and match.end() == len(closed)


def _whole_row(buf: str, pos: int, d: Dialect, pat: _Patterns, width: int, look: int) -> bool:
    """True when the text from `pos` is the end of the file or a row of `width` fields."""
    if buf.startswith(d.line_end, pos) or pos >= len(buf):
        return True
    fields, end = _fields(buf, pos, d, pat, width, look)
    # A row the buffer ends in without a line end: a file cut off there (a longer row is read on).
    return len(fields) == width or (end >= len(buf) and not buf.endswith(d.line_end))


def _at_stop(buf: str, pos: int, sep: str, term: str) -> bool:
    return pos >= len(buf) or buf.startswith(sep, pos) or buf.startswith(term, pos)


def _unescape(text: str, d: Dialect, pat: _Patterns) -> str:
    if pat.unescape is None or d.escape not in text:
        return text
    if pat.mysql:
        return pat.unescape.sub(lambda m: _MYSQL.get(m.group(1), m.group(1)), text)
    return pat.unescape.sub(lambda m: m.group(1), text)
