"""Amounts and dates in the mail's language (Babel's CLDR data): `84,70 €` in German, `€84.70` in English."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal


def locale_for(language: str) -> Locale:
    """The CLDR locale of a mail language (`de`, `en`, `de_AT`); English when CLDR does not know it."""
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def filters(language: str) -> dict[str, Any]:
    """Jinja filters for one language: `money(currency)`, `number`, `date(format)`."""
    locale = locale_for(language)

    def money(amount: Decimal | str | float | None, currency: str | None = "EUR") -> str:
        """An amount with its currency, as the language writes it."""
        if amount is None or amount == "":
            return ""
        return format_currency(Decimal(str(amount)), currency or "EUR", locale=locale)

    def number(value: Decimal | str | float | None) -> str:
        """A number with the language's separators."""
        return "" if value is None or value == "" else format_decimal(Decimal(str(value)), locale=locale)

    def day(value: date | datetime | str | None, form: str = "medium") -> str:
        """A date as the language writes it (`short`, `medium`, `long`, `full` or a CLDR pattern)."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return format_date(value.date() if isinstance(value, datetime) else value, form, locale=locale)

    return {"money": money, "number": number, "date": day}
