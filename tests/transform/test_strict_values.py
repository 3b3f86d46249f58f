"""Values are read strictly by the declared convention or refused, never read another way."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.shared.reject_codes import render
from etl.transform.parse import DEFAULT_DATE_FORMATS, parse, reason

MONEY = st.decimals(min_value=Decimal("-999999999.9999"), max_value=Decimal("999999999.9999"), places=4)


@pytest.mark.parametrize(("text", "decimal", "value"), [
    pytest.param("27,45", ",", Decimal("27.45"), id="comma"),
    pytest.param("1.234,56", ",", Decimal("1234.56"), id="comma-grouped"),
    pytest.param("1.234.567", ",", Decimal("1234567"), id="comma-grouped-whole"),
    pytest.param("27.45", ".", Decimal("27.45"), id="point"),
    pytest.param("1,234.56", ".", Decimal("1234.56"), id="point-grouped"),
    pytest.param("EUR 3,50", ",", Decimal("3.5"), id="currency-before"),
    pytest.param("1.234", "auto", Decimal("1.234"), id="auto-dot-alone-is-decimal"),
    pytest.param("1,5", "auto", Decimal("1.5"), id="auto-comma"),
    pytest.param("1.234.567", "auto", Decimal("1234567"), id="auto-dot-groups"),
])
def test_a_number_by_its_convention(text: str, decimal: str, value: Decimal) -> None:
    values, bad = parse(pa.array([text]), "decimal", decimal)
    assert (values.to_pylist(), bad.to_pylist()) == ([value], [False])


@pytest.mark.parametrize(("text", "decimal"), [
    pytest.param("27.45", ",", id="point-in-a-comma-file"),  # was 2745.0000
    pytest.param("27,45", ".", id="comma-in-a-point-file"),
    pytest.param("1.23,5", ",", id="group-of-two"),
    pytest.param("12.3456,5", ",", id="group-of-four"),
    pytest.param("1,234,5", ".", id="two-decimal-separators"),
    pytest.param("1 234,50", ",", id="space-inside"),
    pytest.param("1,2.3", "auto", id="auto-mixed"),
    pytest.param("1.00000000001", ".", id="more-places-than-held"),
    pytest.param("1e5", ".", id="exponent"),
])
def test_a_number_that_does_not_fit_is_refused(text: str, decimal: str) -> None:
    values, bad = parse(pa.array([text]), "decimal", decimal)
    assert (values.to_pylist(), bad.to_pylist()) == ([None], [True])


def test_the_reason_names_the_convention() -> None:
    code, params = reason("decimal", ",")
    assert "decimal comma, '.' only between groups of three digits (1.234,56)" in render(code, params, "en")
    assert "Dezimalkomma, '.' nur zwischen Dreiergruppen von Ziffern (1.234,56)" in render(code, params, "de")
    code, params = reason("date", ",", ["%d.%m.%Y", "%Y-%m-%d"])
    assert (code, render(code, params, "de")) == (
        "not-a-date", "ist kein gültiges Datum in der Form DD.MM.YYYY oder YYYY-MM-DD")


def _comma(value: Decimal, grouped: bool) -> str:
    text = f"{value:,f}" if grouped else f"{value:f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@given(MONEY, st.booleans())
def test_any_decimal_in_decimal_comma_reads_back_identical(value: Decimal, grouped: bool) -> None:
    assert parse(pa.array([_comma(value, grouped)]), "decimal", ",")[0].to_pylist() == [value]


@given(MONEY, st.booleans())
def test_any_decimal_in_decimal_point_reads_back_identical(value: Decimal, grouped: bool) -> None:
    text = f"{value:,f}" if grouped else f"{value:f}"
    assert parse(pa.array([text]), "decimal", ".")[0].to_pylist() == [value]


DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y"]


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2068, 12, 31)), st.sampled_from(DATE_FORMATS))
def test_any_date_written_by_the_format_reads_back_identical(day: date, fmt: str) -> None:
    values, bad = parse(pa.array([day.strftime(fmt)]), "date", ",", [fmt])
    assert (values.to_pylist(), bad.to_pylist()) == ([day], [False])


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31)))
def test_any_datetime_in_the_default_forms_reads_back_identical(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S"):
        assert parse(pa.array([moment.strftime(fmt)]), "datetime", ",", DEFAULT_DATE_FORMATS)[0].to_pylist() == [
            moment]


@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 31), st.sampled_from(DATE_FORMATS[:2]))
def test_a_day_the_month_does_not_have_is_refused(year: int, month: int, day: int, fmt: str) -> None:
    try:
        exists = date(year, month, day)
    except ValueError:
        exists = None
    text = fmt.replace("%d", f"{day:02d}").replace("%m", f"{month:02d}").replace("%Y", str(year))
    values, bad = parse(pa.array([text]), "date", ",", [fmt])
    assert (values.to_pylist(), bad.to_pylist()) == ([exists], [exists is None])


@pytest.mark.parametrize("text", [
    pytest.param("31.02.2026", id="31-february"),  # was 3 March
    pytest.param("29.02.2025", id="29-february-no-leap-year"),
    pytest.param("31.04.2026", id="31-april"),
    pytest.param("12.13.2026", id="month-13"),
    pytest.param("00.01.2026", id="day-0"),
])
def test_an_impossible_date_is_refused(text: str) -> None:
    values, bad = parse(pa.array([text]), "date")
    assert (values.to_pylist(), bad.to_pylist()) == ([None], [True])


def test_blanks_are_null_and_unicode_whitespace_is_trimmed_with_or_without_spaces_in_the_column() -> None:
    spaced = parse(pa.array(["\u00a012,50\u00a0", "", " \t", None, "3,5", "\u30001,00"]), "decimal", ",")
    assert spaced[0].to_pylist() == [Decimal("12.5"), None, None, None, Decimal("3.5"), Decimal("1")]
    assert spaced[1].to_pylist() == [False] * 6
    plain = parse(pa.array(["7", "", None, "x"]), "string")[0]
    assert plain.to_pylist() == ["7", None, None, "x"]


@pytest.mark.parametrize("text, value", [("1,23456", Decimal("1.2346")), ("0,00005", Decimal("0.0001")),
                                         ("-2,00005", Decimal("-2.0001")), ("1.234,5", Decimal("1234.5"))])
def test_more_than_four_places_are_rounded_half_up_beside_values_that_need_no_rounding(text: str,
                                                                                      value: Decimal) -> None:
    values, bad = parse(pa.array(["1,5", text, "nix"]), "decimal", ",")
    assert values.to_pylist() == [Decimal("1.5"), value, None]
    assert bad.to_pylist() == [False, False, True]
