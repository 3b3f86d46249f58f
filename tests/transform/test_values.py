"""Money, dates, street split and text: table-driven cases and property-based round trips."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.load.text import format_column, transliterate
from etl.transform.compute import split_street
from etl.transform.layout import TargetField
from etl.transform.layout_forms import Dialect
from etl.transform.parse import parse

GS = Dialect()
FIELD = TargetField(name="Betrag", value=0)


@pytest.mark.parametrize(("text", "value"), [
    pytest.param("19.9000", Decimal("19.9"), id="db-dump"),
    pytest.param("19,90", Decimal("19.9"), id="decimal-comma"),
    pytest.param("1.234,56", Decimal("1234.56"), id="thousands-dot"),
    pytest.param("1,234.56", Decimal("1234.56"), id="thousands-comma"),
    pytest.param("-2,50", Decimal("-2.5"), id="negative"),
    pytest.param(" 7 € ", Decimal("7"), id="currency-sign"),
    pytest.param("", None, id="empty"),
])
def test_decimal_forms(text: str, value: Decimal | None) -> None:
    values, bad = parse(pa.array([text]), "decimal")
    assert values.to_pylist() == [value] and bad.to_pylist() == [False]


@pytest.mark.parametrize("text", ["12,9x", "abc", "1.2.3,4,5"])
def test_not_a_number_is_marked(text: str) -> None:
    assert parse(pa.array([text]), "decimal")[1].to_pylist() == [True]


@pytest.mark.parametrize(("kind", "texts", "values"), [
    pytest.param("decimal", ["99999999999999999999", "12,5", "99999999999999,9999"],
                 [None, Decimal("12.5"), Decimal("99999999999999.9999")], id="decimal-beyond-money"),
    pytest.param("decimal", ["123456789012345,12345", "1,23456"], [None, Decimal("1.2346")],
                 id="decimal-rounded-and-beyond"),
    pytest.param("int", ["99999999999999999999", "42"], [None, 42], id="int-beyond-int64"),
])
def test_a_number_too_big_for_its_column_is_refused_alone(kind: str, texts: list[str], values: list[object]) -> None:
    # One such value used to end the run (the cast of the whole column failed): now it is that value's reject.
    parsed, bad = parse(pa.array(texts), kind, ",")
    assert parsed.to_pylist() == values
    assert bad.to_pylist() == [v is None for v in values]


@given(st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2))
def test_money_survives_gs_office_text_and_back(value: Decimal) -> None:
    text = format_column(pa.array([value], pa.decimal128(18, 4)), FIELD, GS)
    assert parse(text, "decimal", ",")[0].to_pylist() == [value]


@given(st.decimals(min_value=Decimal("-99999999.9999"), max_value=Decimal("99999999.9999"), places=4))
def test_amounts_are_rounded_commercially_to_cents_like_pythons_half_up(value: Decimal) -> None:
    """Ties away from zero, for discounts too: -0.125 is -0,13 (Arrow's own "half_up" gave -0,12)."""
    text = format_column(pa.array([value], pa.decimal128(18, 4)), FIELD, GS).to_pylist()[0]
    cents = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert text == str(abs(cents) if cents == 0 else cents).replace(".", ",")  # no "-0,00"


@pytest.mark.parametrize(("line", "street", "number"), [
    pytest.param("Königstraße 12a", "Königstraße", "12a", id="letter-suffix"),
    pytest.param("Str. des 17. Juni 5-7", "Str. des 17. Juni", "5-7", id="number-in-name"),
    pytest.param("Am Markt 3 / 2", "Am Markt", "3 / 2", id="slash"),
    pytest.param("Postfach", "Postfach", None, id="no-number"),
])
def test_street_split(line: str, street: str, number: str | None) -> None:
    name, house = split_street(pa.array([line]))
    assert (name.to_pylist()[0], house.to_pylist()[0]) == (street, number)


@given(st.text(alphabet=st.characters(codec="cp1252", exclude_categories=("Cs", "Cc"))))
def test_cp1252_text_is_never_changed(text: str) -> None:
    assert transliterate(text, "cp1252") == text


@given(st.text(alphabet=st.characters(categories=("Lu", "Ll"))))
def test_letters_always_fit_cp1252_after_transliteration(text: str) -> None:
    result = transliterate(text, "cp1252")
    if result is not None:
        result.encode("cp1252")


@pytest.mark.parametrize(("text", "kind", "expected"), [
    pytest.param("2026-11-20 14:03:11", "datetime", "20.11.2026 14:03:11", id="mysql"),
    pytest.param("20.11.2026", "date", "20.11.2026", id="german"),
])
def test_dates_in_gs_office_form(text: str, kind: str, expected: str) -> None:
    values, _ = parse(pa.array([text]), kind)
    assert format_column(values, FIELD, GS).to_pylist() == [expected]
