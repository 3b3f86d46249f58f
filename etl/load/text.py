"""Shaping values as text for a dialect, and making text fit the target encoding."""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii

from etl.fast.buffers import value_bytes
from etl.fast.transcode import fits
from etl.shared.model import ROUND_MODE
from etl.shared.records import KEY
from etl.shared.rejects import Reject, rejects_where
from etl.transform.layout import TargetField
from etl.transform.layout_forms import Dialect

DEFAULT_PLACES = 2
_ROUNDS: set[tuple[str, int]] = set()  # (field, places) whose values needed rounding: a hint, never a rule


def format_column(values: pa.Array, spec: TargetField, dialect: Dialect) -> pa.Array:
    """Values as text in the dialect: decimal separator, date format, yes/no spelling."""
    kind = values.type
    if pa.types.is_decimal(kind):
        places = DEFAULT_PLACES if spec.places is None else spec.places
        shown = pa.decimal128(18, places)
        rounded = None
        if (spec.name, places) not in _ROUNDS:  # amounts read from a file rarely need rounding: try without
            try:
                rounded = pc.cast(values, shown)
            except pa.ArrowInvalid:  # computed ones (net from gross) do: rounded from now on, no failed try
                _ROUNDS.add((spec.name, places))
        if rounded is None:
            rounded = pc.cast(pc.round(values, places, round_mode=ROUND_MODE), shown)
        text = pc.cast(rounded, pa.string())
        return pc.replace_substring(text, ".", dialect.decimal) if dialect.decimal != "." else text
    if pa.types.is_timestamp(kind):
        return strftime(values, dialect.datetime_format)
    if pa.types.is_date(kind):
        return strftime(values, dialect.date_format)
    if pa.types.is_boolean(kind):
        return pc.if_else(values, dialect.true, dialect.false)
    if pa.types.is_null(kind):
        return pa.nulls(len(values), pa.string())
    return pc.cast(values, pa.string())


# Where each field stands in Arrow's text of a timestamp[s] ("2024-01-31 23:59:59") or a date32 ("2024-01-31")
_ISO_PARTS = {"%Y": (0, 4), "%y": (2, 4), "%m": (5, 7), "%d": (8, 10), "%H": (11, 13), "%M": (14, 16), "%S": (17, 19)}
_FORMAT_PARTS = re.compile(r"%.|[^%]+")


def strftime(values: pa.Array, fmt: str) -> pa.Array:
    """Dates or times (date32, timestamp) as text in the strftime format `fmt`.

    Arrow's strftime takes ~1 us a value (its time zone library); the cast to ISO text ~0.05 us, so a
    format of numeric fields only is cut and joined from that text (a year of four digits; else strftime).
    """
    width = 10 if values.type == pa.date32() else 19
    tokens = _FORMAT_PARTS.findall(fmt)
    if values.type in (pa.date32(), pa.timestamp("s")) and tokens and "".join(tokens) == fmt and all(
            _ISO_PARTS.get(t, (0, width + 1))[1] <= width for t in tokens if t.startswith("%")):
        iso = pc.cast(values, pa.string())
        lengths = pc.min_max(pc.utf8_length(iso))
        if values.null_count == len(values) or (lengths["min"].as_py(), lengths["max"].as_py()) == (width, width):
            if fmt == "%Y-%m-%d %H:%M:%S"[:width]:
                return iso
            parts = [pc.utf8_slice_codeunits(iso, *_ISO_PARTS[t]) if t.startswith("%") else t for t in tokens]
            if len(parts) > 1:
                return pc.binary_join_element_wise(*parts, "")
            return parts[0] if isinstance(parts[0], pa.Array) else pc.if_else(pc.is_valid(iso), parts[0], None)
    # another field (%b, %j), unit or time zone, or a year before 1 or after 9999
    return pc.strftime(pc.cast(values, pa.timestamp("s")) if pa.types.is_date(values.type) else values, format=fmt)


@cache
def _unencodable_pattern(encoding: str) -> str:
    """A regex class of the characters `encoding` (not a Unicode one) cannot hold."""
    allowed = sorted(_encodable(encoding))
    codes = [ord(char) for char in allowed]
    ranges: list[tuple[int, int]] = []
    start = prev = codes[0]
    for code in codes[1:]:
        if code == prev + 1:
            prev = code
        else:
            ranges.append((start, prev))
            start = prev = code
    ranges.append((start, prev))
    parts = "".join(_range(a, b) for a, b in ranges)
    return f"[^{parts}]"


def _encodable(encoding: str) -> set[str]:
    """The characters of the Basic Multilingual Plane that `encoding` holds.

    One encode of them all, dropping what does not fit, and a decode back: a char-by-char encode of
    65,536 characters cost 0.1 s of every run's start. Each survivor is checked on its own.
    """
    every = "".join(chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF)
    kept = set(every.encode(encoding, errors="ignore").decode(encoding, errors="ignore"))
    return {char for char in kept if _holds(char, encoding)}


def _holds(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _range(a: int, b: int) -> str:
    return f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}"


def transliterate(text: str, encoding: str) -> str | None:
    """`text` with characters `encoding` lacks spelled in Latin letters; None if that is impossible.

    The rule: a character the encoding holds stays; any other is first decomposed (NFKC, so that
    e.g. a ligature becomes its letters), then spelled by anyascii (Ł -> L, ř -> r, „ -> "); a
    character with no spelling (an emoji, a CJK ideograph without a reading) refuses the record.
    """
    out = []
    for char in text:
        try:
            char.encode(encoding)
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        composed = unicodedata.normalize("NFKC", char)
        try:
            composed.encode(encoding)
            out.append(composed)
            continue
        except UnicodeEncodeError:
            pass
        spelled = anyascii(char)
        if not spelled or not spelled.isprintable() or (unicodedata.category(char).startswith("S")
                                                        and unicodedata.category(char) != "Sc"):
            return None
        out.append(spelled)
    return "".join(out)


def fit_encoding(table: pa.Table, columns: list[str], dialect: Dialect) -> tuple[pa.Table, list[Reject]]:
    """Transliterate (or refuse, per dialect) text that the dialect's encoding cannot hold."""
    if codecs.lookup(dialect.encoding).name.startswith("utf"):
        return table, []
    rejects: list[Reject] = []
    texts = [name for name in columns if pa.types.is_string(table.column(name).type)]
    # one byte check over all text columns (almost always they fit), then one per column, not a regex per value
    if fits(b"".join(value_bytes(table.column(name)) for name in texts), dialect.encoding):
        return table, []
    for name in texts:
        column = table.column(name)
        if fits(value_bytes(column), dialect.encoding):
            continue
        pattern = _unencodable_pattern(dialect.encoding)  # built on the first column that needs it
        bad = pc.fill_null(pc.match_substring_regex(column, pattern), False)
        if not pc.any(bad).as_py():
            continue
        values = column.to_pylist()
        flags = bad.to_pylist()
        refused = [False] * len(values)
        for i, flag in enumerate(flags):
            if not flag:
                continue
            fixed = transliterate(values[i], dialect.encoding) if dialect.unencodable == "transliterate" else None
            if fixed is None:
                refused[i] = True
            else:
                values[i] = fixed
        table = table.set_column(table.column_names.index(name), name, pa.array(values, pa.string()))
        rejects += rejects_where(table, pa.array(refused), name, column, "not-encodable", KEY,
                                 {"encoding": dialect.encoding})
    return table, rejects
