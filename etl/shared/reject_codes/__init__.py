"""Reject codes: one registry of why a record or a file is refused, and the words of each in any language.

A reject carries a stable code (`duplicate-key`) and its parameters (plain values); its words are
rendered from them through the message catalog (`etl/locale/`), never by translating a finished English
sentence. Numbers and dates are formatted for the language by Babel. Every code names the next step and
where the fix is (docs/rejects.md lists them all; tests/shared/test_reject_codes.py keeps both in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from etl.i18n import N_, language, text_in
from etl.shared.reject_codes import erp, files, flows, reading, writing
from etl.shared.reject_codes.base import MONEY, PLACES, Code, Words, decode, encode, plain

__all__ = ["CODES", "FILE_CODES", "PLACES", "Code", "Words", "decode", "encode", "next_step", "plain", "render",
           "words"]

def _merged() -> dict[str, Code]:
    codes: dict[str, Code] = {}
    for part in (reading.CODES, flows.CODES, erp.CODES, writing.CODES, files.CODES):
        assert not set(part) & set(codes), set(part) & set(codes)
        codes.update(part)
    return codes


CODES: dict[str, Code] = _merged()
FILE_CODES = frozenset(files.CODES)  # codes of inputs refused as a whole (the rest: records)


def render(code: str, params: Mapping[str, object], lang: str | None = None) -> str:
    """The words of `code` with `params` in `lang` (default: the current language)."""
    lang = lang or language()
    try:
        return _cached(code, tuple(params.items()), lang)
    except TypeError:  # a list among the parameters: not hashable, rendered each time
        return _render(code, params, lang)


@lru_cache(maxsize=4096)
def _cached(code: str, params: tuple[tuple[str, object], ...], lang: str) -> str:
    """A long export refused line by line repeats its rejects' parameters: each rendered once."""
    return _render(code, dict(params), lang)


def _render(code: str, params: Mapping[str, object], lang: str) -> str:
    text = _fill(CODES[code].message, params, lang)
    if label := params.get("label"):  # a reject of an extra target (a carrier's label) names that target
        wrap = N_("{label}: {reason} (no shop update, no mail)") if params.get("whole") else N_("{label}: {reason}")
        text = text_in(wrap, lang).format(label=label, reason=text)
    return text


def next_step(code: str, lang: str | None = None) -> str:
    """The next step for `code`, and where the fix is, in `lang`."""
    lang = lang or language()
    entry = CODES[code]
    return text_in(N_("{step} (the fix is in: {place})"), lang).format(
        step=text_in(entry.step, lang), place=text_in(PLACES[entry.fix], lang))


def words(value: Words, lang: str | None = None) -> str:
    """A `Words` parameter rendered in `lang`."""
    return _fill(value.text, value.params, lang or language())


def _fill(template: str, params: Mapping[str, object], lang: str) -> str:
    return text_in(template, lang).format_map({name: _value(name, value, lang) for name, value in params.items()})


def _value(name: str, value: object, lang: str) -> str:
    if isinstance(value, Words):
        return _fill(value.text, value.params, lang)
    if isinstance(value, list | tuple):
        return ", ".join(_value(name, item, lang) for item in value)
    if isinstance(value, bool) or value is None:
        return text_in(N_("yes") if value else N_("no"), lang) if value is not None else "–"
    if isinstance(value, Decimal | float) or (isinstance(value, int) and name in MONEY):
        return _number(name, Decimal(str(value)), lang)
    if isinstance(value, datetime | date):
        return _date(value, lang)
    return str(value)


def _number(name: str, value: Decimal, lang: str) -> str:
    from babel.numbers import format_currency, format_decimal

    if name in MONEY:
        return format_currency(value, "EUR", locale="de_DE") if lang == "de" else f"{value:.2f}"
    return format_decimal(value.normalize(), locale=lang, group_separator=False, decimal_quantization=False)


def _date(value: date, lang: str) -> str:
    if lang != "de":
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    from babel.dates import format_date, format_datetime

    if isinstance(value, datetime):
        return format_datetime(value, "dd.MM.yyyy HH:mm", locale="de")
    return format_date(value, "dd.MM.yyyy", locale="de")
