"""Turn text columns into typed Arrow columns, vectorised; a value that cannot be read is marked."""

from __future__ import annotations

import re
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.buffers import WHITESPACE, may_contain, may_hold
from etl.i18n import N_
from etl.shared.model import DECIMAL, ROUND_MODE, TYPES
from etl.shared.reject_codes import Words

_INT = r"^[+-]?\d{1,18}$"  # what int64 holds for certain: a longer number is refused, not a crash
_TRUE = ["1", "true", "yes", "ja", "j", "y", "x", "wahr", "on"]
_FALSE = ["0", "false", "no", "nein", "n", "falsch", "off"]
_ZERO_DATES = r"^0000-00-00"
DEFAULT_DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
    "%d.%m.%Y", "%d.%m.%y",
]

REASONS = {"decimal": "not-a-number", "int": "not-a-whole-number", "bool": "not-yes-no"}  # reject codes
_SPELLED = {"%d": "DD", "%m": "MM", "%Y": "YYYY", "%y": "YY", "%H": "hh", "%M": "mm", "%S": "ss"}


def reason(kind: str, decimal: str = "auto", date_formats: list[str] | None = None) -> tuple[str, dict[str, object]]:
    """The reject code (and its parameters) of a value of `kind` that could not be read, with the convention."""
    if kind == "decimal":
        return "number-convention", {"convention": Words(CONVENTIONS[decimal])}
    if kind in ("date", "datetime"):
        forms = []
        for fmt in date_formats or DEFAULT_DATE_FORMATS:
            for directive, spelled in _SPELLED.items():
                fmt = fmt.replace(directive, spelled)
            forms.append(fmt)
        joined: str | Words = forms[-1]
        for form in reversed(forms[:-1]):  # "A or B or C", each "or" in the language
            joined = Words(N_("{form} or {other}"), {"form": form, "other": joined})
        return ("not-a-date" if kind == "date" else "not-a-datetime"), {"forms": joined}
    return REASONS.get(kind, "unreadable-value"), {}


def blank_to_null(column: pa.Array) -> pa.Array:
    """Trimmed text with empty strings as null."""
    # Most number, date and key columns hold no whitespace at all: no copy to trim them.
    trimmed = pc.utf8_trim_whitespace(column) if may_hold(column, WHITESPACE) else column
    empty = pc.equal(pc.binary_length(trimmed), 0)
    if not pc.any(empty).as_py():
        return trimmed
    return pc.if_else(empty, pa.scalar(None, pa.string()), trimmed)


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


# The two conventions, strictly: digits grouped by exactly three (or not at all), one decimal separator,
# at most 10 decimal places (what decimal128(38, 10) holds before rounding to 4).
_COMMA = r"^[+-]?(\d{1,3}(\.\d{3})+|\d{1,28})(,\d{1,10})?$"
_POINT = r"^[+-]?(\d{1,3}(,\d{3})+|\d{1,28})(\.\d{1,10})?$"
_TOO_LONG = r"^[+-]?[\d.,]{38}"  # grouped digits beyond 28: refused, not overflowed
_CURRENCY = r"^(€|EUR)?\s*|\s*(€|EUR)?$"
CONVENTIONS = {
    ",": N_("decimal comma, '.' only between groups of three digits (1.234,56)"),
    ".": N_("decimal point, ',' only between groups of three digits (1234.56)"),
    "auto": N_("decimal comma (1.234,56) or decimal point (1234.56)"),
}


def normalize_number(text: pa.Array, decimal: str) -> tuple[pa.Array, pa.Array]:
    """Number text in plain `1234.56` form by the `decimal` convention, and the mask of text that fits it.

    A value that does not fit (`27.45` with a decimal comma) is marked, never read another way.
    Each pass over the column is skipped when no value needs it (most columns have no groups).
    """
    if may_contain(text, "€") or may_contain(text, "EUR"):
        text = pc.replace_substring_regex(text, _CURRENCY, "")
    commas = _has(text, ",")
    if decimal == "," or (decimal == "auto" and commas and not _has(text, ".")):
        return _comma(text, commas), _fits(text, _COMMA)  # auto without dots: every comma is decimal
    point = _fits(text, _POINT)
    if decimal == ".":
        return _point(text, commas), point
    # auto, per value: a comma with no dot after it is the decimal separator (1,5 and 1.234,5);
    # else a dot is (1.5 and 1,234.5). 1.234 is one point two three four.
    if not commas and not _any(pc.and_(pc.is_valid(text), pc.invert(point))):
        return text, point
    comma = pc.and_(_fits(text, _COMMA), pc.or_(pc.match_substring(text, ","), pc.invert(point)))
    return pc.if_else(comma, _comma(text, commas), _point(text, commas)), pc.or_(point, comma)


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _has(text: pa.Array, part: str) -> bool:
    return may_contain(text, part) and _any(pc.match_substring(text, part))


def _fits(text: pa.Array, pattern: str) -> pa.Array:
    ok = pc.match_substring_regex(text, pattern)
    longest = pc.max(pc.binary_length(text)).as_py()  # bytes: never fewer than characters
    return pc.and_not(ok, pc.match_substring_regex(text, _TOO_LONG)) if (longest or 0) > 37 else ok


def _comma(text: pa.Array, commas: bool) -> pa.Array:
    if _has(text, "."):
        text = pc.replace_substring(text, ".", "")
    return pc.replace_substring(text, ",", ".") if commas else text


def _point(text: pa.Array, commas: bool) -> pa.Array:
    return pc.replace_substring(text, ",", "") if commas else text


def _decimal(text: pa.Array, decimal: str) -> tuple[pa.Array, pa.Array]:
    number, ok = normalize_number(text, decimal)
    bad = pc.fill_null(pc.invert(ok), False)  # ok is null where the text is
    if _any(bad):
        number = pc.if_else(bad, pa.scalar(None, pa.string()), number)
    try:  # most money has at most four places: read as it is, exactly
        return pc.cast(number, DECIMAL), bad
    except pa.ArrowInvalid:  # more places (rounded half up to four) or more digits than money has (refused)
        wide = pc.round(pc.cast(number, pa.decimal256(76, 10)), 4, round_mode=ROUND_MODE)
        limit = pa.scalar(Decimal(10) ** (DECIMAL.precision - DECIMAL.scale), wide.type)
        too_big = pc.fill_null(pc.greater_equal(pc.abs(wide), limit), False)
        # a value, not the file: the cast of the whole column would fail for one of them
        return pc.cast(pc.if_else(too_big, pa.scalar(None, wide.type), wide), DECIMAL), pc.or_(bad, too_big)


def _datetime(text: pa.Array, kind: str, formats: list[str]) -> tuple[pa.Array, pa.Array]:
    zero = pc.fill_null(pc.match_substring_regex(text, _ZERO_DATES), False)
    text = pc.if_else(zero, pa.scalar(None, pa.string()), text)
    parsed = pa.nulls(len(text), pa.timestamp("s"))
    for fmt in formats:
        attempt = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        # strptime takes any day up to 31 and rolls over (31.02. becomes 3 March): where the day read
        # is one a roll-over gives (1 to 3), the day written must be that day, else it does not exist.
        rolled = pc.less_equal(pc.day(attempt), 3)
        if "%d" in fmt and _any(rolled):
            written = pc.struct_field(pc.extract_regex(pc.if_else(rolled, text, None), _day_pattern(fmt)), "d")
            same = pc.fill_null(pc.equal(pc.day(attempt), pc.cast(written, pa.int64())), False)
            attempt = pc.if_else(pc.and_(rolled, pc.invert(same)), None, attempt)
        parsed = pc.coalesce(parsed, attempt)
    bad = pc.and_(pc.is_valid(text), pc.is_null(parsed))
    return pc.cast(parsed, TYPES[kind]), bad


_DIRECTIVES = {"d": r"(?P<d>\d{1,2})", "Y": r"\d{4}", "y": r"\d{2}", "m": r"\d{1,2}", "H": r"\d{1,2}",
               "M": r"\d{1,2}", "S": r"\d{1,2}", "%": "%"}


def _day_pattern(fmt: str) -> str:
    """A regex that finds the day of month in text written by `fmt` (other fields loosely)."""
    parts = re.split(r"(%.)", fmt)
    pattern = "".join(_DIRECTIVES.get(part[1], ".*?") if part.startswith("%") and len(part) == 2
                      else re.escape(part) for part in parts)
    return "^" + pattern
