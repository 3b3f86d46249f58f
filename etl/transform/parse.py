"""Turn text columns into typed Arrow columns, vectorised; a value that cannot be read is marked."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from etl.model import DECIMAL, TYPES

_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
_INT = r"^[+-]?\d+$"
_TRUE = ["1", "true", "yes", "ja", "j", "y", "x", "wahr", "on"]
_FALSE = ["0", "false", "no", "nein", "n", "falsch", "off"]
_ZERO_DATES = r"^0000-00-00"
DEFAULT_DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
    "%d.%m.%Y", "%d.%m.%y",
]

REASONS = {
    "decimal": "is not a number",
    "int": "is not a whole number",
    "bool": "is not a yes/no value (1/0, ja/nein, true/false)",
    "date": "is not a date",
    "datetime": "is not a date/time",
}


def blank_to_null(column: pa.Array) -> pa.Array:
    """Trimmed text with empty strings as null."""
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def parse(column: pa.Array, kind: str, decimal: str = "auto", date_formats: list[str] | None = None
          ) -> tuple[pa.Array, pa.Array]:
    """Parse text as `kind`; return (typed values, mask of values that could not be read)."""
    text = blank_to_null(column)
    if kind == "string":
        return text, _false(len(text))
    if kind == "decimal":
        return _decimal(text, decimal)
    if kind == "int":
        ok = pc.match_substring_regex(text, _INT)
        return pc.cast(_keep(text, ok), pa.int64()), _bad(text, ok)
    if kind == "bool":
        lower = pc.utf8_lower(text)
        is_true = pc.is_in(lower, value_set=pa.array(_TRUE))
        ok = pc.or_(is_true, pc.is_in(lower, value_set=pa.array(_FALSE)))
        return pc.if_else(pc.is_null(text), None, is_true), _bad(text, ok)
    if kind in ("date", "datetime"):
        return _datetime(text, kind, date_formats or DEFAULT_DATE_FORMATS)
    raise ValueError(f"unknown type {kind}")


def _false(size: int) -> pa.Array:
    return pc.is_valid(pa.nulls(size))


def _keep(text: pa.Array, ok: pa.Array) -> pa.Array:
    return pc.if_else(pc.fill_null(ok, False), text, pa.scalar(None, pa.string()))


def _bad(text: pa.Array, ok: pa.Array) -> pa.Array:
    return pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(ok, False)))


def normalize_number(text: pa.Array, decimal: str) -> pa.Array:
    """Number text in plain `1234.56` form: decimal comma, thousands separators and spaces removed."""
    text = pc.replace_substring_regex(text, "[\\s\u00a0'€]|EUR", "")
    dotted = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", ".")
    plain = pc.replace_substring(text, ",", "")
    if decimal == ",":
        return dotted
    if decimal == ".":
        return plain
    # auto: a comma after the last dot (or a comma alone) is the decimal separator.
    comma_decimal = pc.match_substring_regex(text, r",\d*$")
    return pc.if_else(comma_decimal, dotted, plain)


def _decimal(text: pa.Array, decimal: str) -> tuple[pa.Array, pa.Array]:
    number = normalize_number(text, decimal)
    ok = pc.match_substring_regex(number, _NUMBER)
    wide = pc.cast(_keep(number, ok), pa.decimal128(38, 10))
    return pc.cast(pc.round(wide, 4, round_mode="half_up"), DECIMAL), _bad(text, ok)


def _datetime(text: pa.Array, kind: str, formats: list[str]) -> tuple[pa.Array, pa.Array]:
    zero = pc.fill_null(pc.match_substring_regex(text, _ZERO_DATES), False)
    text = pc.if_else(zero, pa.scalar(None, pa.string()), text)
    parsed = pa.nulls(len(text), pa.timestamp("s"))
    for fmt in formats:
        attempt = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        parsed = pc.coalesce(parsed, attempt)
    bad = pc.and_(pc.is_valid(text), pc.is_null(parsed))
    return pc.cast(parsed, TYPES[kind]), bad
