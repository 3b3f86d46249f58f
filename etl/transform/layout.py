"""YAML layouts: how a system's files look (source) and what an import file holds (target).

A layout is validated completely when it is loaded; every problem is reported with its file and key
before any data is read.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from etl.bundled import load_yaml
from etl.config.problems import validation_problems
from etl.i18n import N_
from etl.os_compat import read_text_file
from etl.shared.errors import ConfigError
from etl.shared.model import ENTITIES, TYPES, field_type
from etl.shared.strict import Strict
from etl.transform.layout_forms import Dialect, LayoutStores, Shape, XmlSpec, form_problems, record_problems
from etl.transform.needs import Condition, need_problems


class SourceField(Strict):
    """Where a neutral field comes from in a source table."""

    column: list[str]
    type: str | None = None
    map: str | None = None
    on_unknown: Literal["reject", "keep"] = "reject"
    default: str | None = None
    required: bool = False  # identity and money: an empty value rejects the record, no column refuses the file
    optional: bool = False  # the file may lack the column: the field is then `default`, or empty
    needed_when: Condition | str | None = None  # only these records need it (etl/transform/needs.py)
    min: Decimal | None = None  # a number below is refused
    max: Decimal | None = None
    more_than: Decimal | None = None  # a number not above is refused (quantities: more_than: 0)
    less_than: Decimal | None = None

    @field_validator("column", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class JoinedField(Strict):
    """A neutral field made of other fields of its table, read first: `{join: [a, b], separator: ":"}`.

    One field is a copy. Null when one of them is null.
    """

    join: list[str] = Field(min_length=1)
    separator: str = ""


class SourceTable(Strict):
    """One table of a source export, recognised by the columns it must have."""

    recognize: list[str]
    names: list[str] = []
    entity: str | None = None
    fields: dict[str, SourceField]
    computed: dict[str, JoinedField] = {}
    unique: list[str] = []  # fields whose values together name one row: a key given twice is refused

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"column": v} if isinstance(v, str | list) else v for k, v in value.items()}
        return value


class FlatSpec(Strict):
    """A flat export: one row per line, the fields of several tables side by side, repeated."""

    recognize: list[str]
    tables: list[str]
    totals: dict[str, str] = {}
    tax_columns: str | None = None
    attributes: str | None = None


class SourceLayout(Strict):
    """How one system's export files for one flow look."""

    system: str
    flow: str
    description: str = ""
    encoding: str = "auto"
    delimiter: str = "auto"
    decimal: Literal["auto", ".", ","] = "auto"
    date_formats: list[str] | None = None
    tables: dict[str, SourceTable]
    flat: FlatSpec | None = None
    options: dict[str, Any] = {}
    value_maps: dict[str, dict[str, Any]] = {}
    conditions: dict[str, Condition] = {}  # named `needed_when` conditions

    @field_validator("value_maps")
    @classmethod
    def _builtins(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from etl.transform.builtin_maps import BUILTIN, expand

        for name, table in value.items():
            if table.get("_builtin", None) not in (None, *BUILTIN):
                raise ValueError(f"value map {name}: unknown _builtin '{table['_builtin']}'")
        return expand(value)

    @model_validator(mode="after")
    def _check(self) -> SourceLayout:
        problems = [f"flat.tables: no table '{name}' in tables" for name in (self.flat.tables if self.flat else [])
                    if name not in self.tables]
        for tname, table in self.tables.items():
            problems += self._table_problems(tname, table)
        problems += need_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _table_problems(self, tname: str, table: SourceTable) -> list[str]:
        """What is wrong with the table `tname`: its entity, its fields' types, maps and bounds, its keys."""
        problems = []
        if table.entity and table.entity not in ENTITIES:
            problems.append(f"tables.{tname}.entity: unknown entity '{table.entity}'")
        for fname, spec in table.fields.items():
            kind = self.field_kind(table, fname)
            if kind not in TYPES:
                problems.append(f"tables.{tname}.fields.{fname}.type: unknown type '{kind}'")
            if spec.map and spec.map not in self.value_maps:
                problems.append(f"tables.{tname}.fields.{fname}.map: no value map '{spec.map}'")
            if {spec.min, spec.max, spec.more_than, spec.less_than} != {None} and kind not in ("decimal", "int"):
                problems.append(f"tables.{tname}.fields.{fname}: min/max/more_than/less_than need a "
                                f"number field, this one is {kind}")
        problems += [f"tables.{tname}.unique: no field '{f}' in tables.{tname}.fields"
                     for f in table.unique if f not in table.fields and f not in table.computed]
        for cname, joined in table.computed.items():
            problems += [f"tables.{tname}.computed.{cname}.join: no field '{f}' in tables.{tname}.fields"
                         for f in joined.join if f not in table.fields]
        return problems

    def field_kind(self, table: SourceTable, name: str) -> str:
        """The type a source field is parsed as."""
        spec = table.fields[name]
        return spec.type or (field_type(table.entity, name) if table.entity else None) or "string"


class TargetField(Strict):
    """One field of an output record: where its value comes from and how it is shaped."""

    name: str
    source: str | None = Field(default=None, alias="from")
    value: Any = None
    compute: str | None = None
    args: dict[str, Any] = {}
    map: str | None = None
    on_unknown: Literal["reject", "keep", "default"] = "reject"
    default: Any = None
    type: str | None = None
    required: bool = False
    max_length: int | None = None
    overflow: Literal["truncate", "reject"] = "truncate"
    places: int | None = None
    width: int | None = None
    align: Literal["left", "right"] = "left"
    description: str = ""
    header: str | None = None  # the column title in csv/txt headers, where it is no XML name (default: name)
    xml: str | None = None  # where in the record's XML the value goes (`A/B[2]/C`, `A/@type`): layout_forms.xml_path

    @model_validator(mode="after")
    def _one_origin(self) -> TargetField:
        origins = [x for x in (self.source, self.value, self.compute) if x is not None]
        if len(origins) > 1 and not self.compute:
            raise ValueError(f"field {self.name}: give either 'from' or 'value', not both")
        if not origins and self.default is None:
            raise ValueError(f"field {self.name}: needs 'from', 'value', 'compute' or 'default'")
        return self


class RecordSpec(Strict):
    """A record type of an import file (e.g. order header, order position).

    A record type is the child of `parent` (linked by `key`) or, with `parent: null`, a root of its
    own. When no record type names a parent, the first is the root and the others its children.
    """

    entity: str
    key: str
    parent: str | None = None
    where: dict[str, list[Any]] = {}
    fields: list[TargetField]


class TargetLayout(Strict):
    """What the import files of one flow for one system contain."""

    system: str
    flow: str
    description: str = ""
    records: dict[str, RecordSpec]
    dialects: dict[str, Dialect] = {}
    xml: XmlSpec = XmlSpec()
    shape: Shape = Shape()
    stores: LayoutStores = {}
    json_schema: str | None = None
    value_maps: dict[str, dict[str, Any]] = {}
    options: dict[str, Any] = {}
    # The layout a run that sends only changes (the flow's delta, after a first run) writes instead: a
    # standard's update documents (BMEcat T_UPDATE_PRODUCTS and T_UPDATE_PRICES for T_NEW_CATALOG).
    delta_layout: str | None = None

    @field_validator("value_maps")
    @classmethod
    def _target_builtins(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from etl.transform.builtin_maps import expand

        return expand(value)  # e.g. `_builtin: countries_iso3` for the DHL portal's countries

    @model_validator(mode="after")
    def _check(self) -> TargetLayout:
        problems = []
        first = next(iter(self.records), None)
        for rname, rec in list(self.records.items())[1:]:
            if "parent" not in rec.model_fields_set:
                rec.parent = first
            elif rec.parent is not None and rec.parent not in self.records:
                problems.append(f"records.{rname}.parent: no record type '{rec.parent}'")
            elif rec.parent is not None and self.records[rec.parent].parent is not None:
                problems.append(f"records.{rname}.parent: '{rec.parent}' is itself a child (one level only)")
        for rname, rec in self.records.items():
            problems += record_problems(rname, rec, self.value_maps)
        problems += form_problems(self.records, self.xml, self.shape, self.stores)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def root(self) -> str:
        """The first record type: the one the run report counts."""
        return next(iter(self.records))

    @property
    def roots(self) -> list[str]:
        """Record types that are documents of their own (one file each when there are several)."""
        return [name for name, rec in self.records.items() if rec.parent is None]

    def family(self, record: str) -> str:
        """The root a record type belongs to (itself for a root)."""
        return self.records[record].parent or record

    def children(self, root: str) -> list[str]:
        """The child record types of `root`, in layout order."""
        return [name for name, rec in self.records.items() if rec.parent == root]

    def dialect(self, fmt: str) -> Dialect:
        """The text dialect for `fmt` (csv or txt)."""
        return self.dialects.get(fmt, Dialect())


def load_layout(path: Path, kind: type[SourceLayout] | type[TargetLayout]) -> Any:
    """Read and validate a layout file; raise ConfigError listing every problem by key."""
    try:
        text = read_text_file(path)
        data = load_yaml(text)
    except FileNotFoundError:
        raise ConfigError([N_("{file}: mapping file not found").format(file=path)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([N_("{file}: not valid YAML: {error}").format(file=path, error=exc)]) from None
    try:
        return kind.model_validate(data or {})
    except ValidationError as exc:
        raise ConfigError(validation_problems(path, text, kind, exc)) from None
