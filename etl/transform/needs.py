"""Which records need a source field: `required`, `optional`, or `needed_when` a condition on the record.

A field is one of:
- `required: true`: identity and money (keys, quantities, prices, totals, tax). A record without a value
  is rejected; a file without the column is refused before any row is read.
- `optional: true`: the file may lack the column; the field is then its `default` (or empty).
- `needed_when: <condition>`: only records the condition holds for need a value; a file without the
  column rejects just those records, each with field and reason. The others take the `default`.
A field that says none of these (a layout written before the distinction) is `expected`: the file
must have the column, its values may be empty.

A condition is small, written in YAML: one test, or `all:` / `any:` of tests, or the name of an entry
of the layout's `conditions:`. A test names another field of the same table and one of `in: [values]`,
`not_in: [values]` (a non-empty value outside the list) or `empty: true|false`. Values are compared as
text without regard to case, after the field's value map; `eu` instead of a list is the EU states.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, field_validator, model_validator

from etl.config.carriers import EU
from etl.i18n import N_
from etl.shared.reject_codes import Words, words
from etl.shared.strict import Strict

NAMED_VALUES: dict[str, tuple[str, ...]] = {"eu": EU}
NEEDS = ("required", "optional", "needed_when", "expected")


class Condition(Strict):
    """When a record needs a field: one test (`field` with `in`, `not_in` or `empty`), or `all`/`any` of tests."""

    field: str | None = None
    in_: list[str] | str | None = Field(default=None, alias="in")
    not_in: list[str] | str | None = None
    empty: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None

    @field_validator("in_", "not_in", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [str(v).lower() if isinstance(v, bool) else str(v) for v in value]  # YAML reads 19, true
        return value

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        tests = [k for k in ("in_", "not_in", "empty") if getattr(self, k) is not None]
        groups = [k for k in ("all", "any") if getattr(self, k) is not None]
        if groups:
            if len(groups) > 1 or self.field is not None or tests:
                raise ValueError("a condition is one test or one of all/any, not both")
            if any(c.all is not None or c.any is not None for c in getattr(self, groups[0])):
                raise ValueError(f"{groups[0]}: list tests ({{field: …, in: […]}}), not further all/any")
            if not getattr(self, groups[0]):
                raise ValueError(f"{groups[0]}: names no test")
        elif self.field is None or len(tests) != 1:
            raise ValueError("a test names a `field` and one of `in`, `not_in`, `empty`")
        for values in (self.in_, self.not_in):
            if isinstance(values, str) and values not in NAMED_VALUES:
                raise ValueError(f"'{values}' is no list of values (named lists: {', '.join(NAMED_VALUES)})")
        return self

    def tests(self) -> list[Condition]:
        """The tests of the condition (itself when it is one)."""
        return self.all or self.any or [self]


class SourceField(Protocol):
    """What is read here of a layout's source field (etl/transform/layout.py, which imports this module)."""

    @property
    def column(self) -> list[str]: ...
    @property
    def default(self) -> str | None: ...
    @property
    def required(self) -> bool: ...
    @property
    def optional(self) -> bool: ...
    @property
    def needed_when(self) -> Condition | str | None: ...


class SourceTable(Protocol):
    """A layout table: its fields."""

    @property
    def fields(self) -> Mapping[str, SourceField]: ...


class SourceLayout(Protocol):
    """A source layout: its tables and named conditions."""

    @property
    def tables(self) -> Mapping[str, SourceTable]: ...
    @property
    def conditions(self) -> Mapping[str, Condition]: ...


def need_of(spec: SourceField) -> str:
    """What a source field is: required, optional, needed_when or (saying none of them) expected."""
    if spec.required:
        return "required"
    if spec.needed_when is not None:
        return "needed_when"
    return "optional" if spec.optional else "expected"


def condition_of(layout: SourceLayout, spec: SourceField) -> Condition | None:
    """The field's `needed_when`, a named condition resolved."""
    found = spec.needed_when
    return layout.conditions.get(found) if isinstance(found, str) else found


def need_problems(layout: SourceLayout) -> list[str]:
    """Every problem of the layout's field needs, by key (checked when the layout is loaded)."""
    problems = []
    for tname, table in layout.tables.items():
        for fname, spec in table.fields.items():
            where = f"tables.{tname}.fields.{fname}"
            flags = [k for k in ("required", "optional") if getattr(spec, k)] + (
                ["needed_when"] if spec.needed_when is not None else [])
            if len(flags) > 1:
                problems.append(f"{where}: {' and '.join(flags)} exclude each other; a field is one of them")
            if isinstance(spec.needed_when, str) and spec.needed_when not in layout.conditions:
                problems.append(f"{where}.needed_when: no condition '{spec.needed_when}' in conditions")
                continue
            condition = condition_of(layout, spec)
            for test in condition.tests() if condition else []:
                other = table.fields.get(test.field or "")
                if other is None:
                    problems.append(f"{where}.needed_when: no field '{test.field}' in tables.{tname}.fields")
                elif other.needed_when is not None:
                    problems.append(f"{where}.needed_when: '{test.field}' is needed_when itself; a condition "
                                    "names fields read before it")
    return problems


def needed(condition: Condition, values: dict[str, pa.Array]) -> pa.Array:
    """Per row, whether the condition holds for the record (`values`: the fields read so far)."""
    masks = [_test(test, values[test.field or ""]) for test in condition.tests()]
    combine = pc.or_ if condition.any else pc.and_
    mask = masks[0]
    for other in masks[1:]:
        mask = combine(mask, other)
    return mask


def _test(test: Condition, value: pa.Array) -> pa.Array:
    if test.empty is not None:
        return pc.is_null(value) if test.empty else pc.is_valid(value)
    listed = test.in_ if test.in_ is not None else test.not_in
    names = list(NAMED_VALUES[listed]) if isinstance(listed, str) else list(listed or [])
    inside = pc.is_in(pc.utf8_lower(pc.cast(value, pa.string())), value_set=pa.array([n.lower() for n in names]))
    inside = pc.fill_null(inside, False)
    return inside if test.in_ is not None else pc.and_(pc.is_valid(value), pc.invert(inside))


def describe(condition: Condition, columns: dict[str, str]) -> str:
    """The condition in words (English, translated when shown), fields named by their `columns`."""
    return words(condition_words(condition, columns), "en")


def condition_words(condition: Condition, columns: dict[str, str]) -> Words:
    """The condition as words of the catalog (a reject's parameter), fields named by their `columns`."""
    parts = [_words(test, columns.get(test.field or "", test.field or "")) for test in condition.tests()]
    joiner = N_("{form} or {other}") if condition.any else N_("{form} and {other}")
    text = parts[-1]
    for part in reversed(parts[:-1]):
        text = Words(joiner, {"form": part, "other": text})
    return text


def _words(test: Condition, field: str) -> Words:
    if test.empty is not None:
        return Words(N_("{field} is empty") if test.empty else N_("{field} is not empty"), {"field": field})
    listed = test.in_ if test.in_ is not None else test.not_in
    if listed == "eu":
        return Words(N_("{field} is in the EU") if test.in_ is not None else N_("{field} is outside the EU"),
                     {"field": field})
    values = ", ".join(listed or []) if not isinstance(listed, str) else listed
    return Words(N_("{field} is one of [{values}]") if test.in_ is not None else N_("{field} is none of [{values}]"),
                 {"field": field, "values": values})


def field_needs(layout: SourceLayout, table: SourceTable) -> list[tuple[str, str, str, str | None, str]]:
    """Per field of `table`: (field, column(s), need, default, condition in words or '')."""
    columns = {name: spec.column[0] for name, spec in table.fields.items()}
    rows = []
    for name, spec in table.fields.items():
        condition = condition_of(layout, spec)
        rows.append((name, " or ".join(spec.column), need_of(spec), spec.default,
                     describe(condition, columns) if condition else ""))
    return rows
