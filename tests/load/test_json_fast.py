"""The compiled JSON Schema check: it may only say yes where the reference validator says yes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from etl.config import load_config
from etl.load.json_writer import _passes, fast_validator
from etl.workspace import create_workspace
from tests.conftest import ORDERS, run_orders

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas/sage/orders.schema.json").read_text(encoding="utf-8"))
_REGISTRY = Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))
REFERENCE = Draft202012Validator({"$ref": f"{SCHEMA['$id']}#/$defs/header"}, registry=_REGISTRY)
FAST = fast_validator(SCHEMA["$defs"], "header")

_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=2), st.text(max_size=12),
    st.sampled_from(["", " ", "0", "1", "true", "1.00", "-0.00", "1,00", "12.5", "AB", "ab", "Artikel",
                     "x" * 300, "ä" * 61, "2026-01-02", "02.01.2026", "19.00 "]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _near_misses(rule: dict[str, Any], value: Any) -> list[Any]:
    """Values just outside (or at) what `rule` allows, around the field's real `value`."""
    text = "" if value is None else str(value)
    found: list[Any] = [None, True, 1, 1.0, text, text + " ", " " + text, text + "x", text[:-1], text.upper()]
    for limit in (rule.get("maxLength"), rule.get("minLength")):
        if limit is not None:
            found += ["x" * (limit + 1), "x" * limit, "x" * max(limit - 1, 0), "ä" * (limit + 1)]
    found += [v for v in rule.get("enum", [])] + [f"{v}x" for v in rule.get("enum", [])]
    return found


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Orders as the orders flow writes them (a few export forms' worth)."""
    found = []
    for form in ("flat_cp1252.csv", "xtc_csv_cp1252"):
        config = load_config(create_workspace(tmp_path_factory.mktemp("json") / "work"))
        (output,) = run_orders(config, ORDERS / form, fmt="json").outputs
        found += json.loads(Path(output).read_text(encoding="utf-8"))["records"]
    return found


def test_every_written_order_passes_the_compiled_check(records: list[dict[str, Any]]) -> None:
    """Else the reference validator runs for every record again (15x slower) and nothing is gained."""
    assert FAST is not None and records
    assert all(_passes(FAST, record) for record in records)


@settings(max_examples=400, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
@given(data=st.data())
def test_what_the_compiled_check_takes_the_reference_takes(records: list[dict[str, Any]], data: st.DataObject
                                                           ) -> None:
    record = copy.deepcopy(data.draw(st.sampled_from(records)))
    places = [record, *record["positions"]]  # the order and its positions
    for _ in range(data.draw(st.integers(1, 3))):  # a few changes: a field's value, gone, or one more
        index = data.draw(st.integers(0, len(places) - 1))
        target = places[index]
        key = data.draw(st.sampled_from([*sorted(k for k in target if k != "positions"), "Unbekannt"]))
        if data.draw(st.integers(0, 5)) == 0:
            target.pop(key, None)
        else:
            rule = SCHEMA["$defs"]["positions" if index else "header"]["properties"].get(key, {})
            target[key] = data.draw(st.sampled_from(_near_misses(rule, target.get(key))) | _VALUES)
    if _passes(FAST, record):
        assert list(REFERENCE.iter_errors(record)) == [], record


def test_every_near_miss_of_every_field_is_refused_as_the_reference_refuses(records: list[dict[str, Any]]
                                                                           ) -> None:
    """Each field of an order and of its first position, one at a time: just outside its rule, or gone."""
    for record in records[:3]:
        for index, name in ((0, "header"), (1, "positions")):
            rule_of = SCHEMA["$defs"][name]["properties"]
            place = record if index == 0 else record["positions"][0]
            for key in [*sorted(k for k in place if k != "positions"), "Unbekannt"]:
                for value in [*_near_misses(rule_of.get(key, {}), place.get(key)), _GONE]:
                    changed = copy.deepcopy(record)
                    target = changed if index == 0 else changed["positions"][0]
                    if value is _GONE:
                        target.pop(key, None)
                    else:
                        target[key] = value
                    if _passes(FAST, changed):
                        assert list(REFERENCE.iter_errors(changed)) == [], (key, value)


_GONE = object()


def test_a_refusal_is_worded_by_the_reference(records: list[dict[str, Any]]) -> None:
    record = copy.deepcopy(records[0])
    record["Gesamtbetrag"] = "1,2"
    assert not _passes(FAST, record)
    assert next(iter(REFERENCE.iter_errors(record))).message == "'1,2' does not match '^-?\\\\d+\\\\.\\\\d{2}$'"
