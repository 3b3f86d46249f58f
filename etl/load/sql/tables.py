"""The shop's table knowledge (`schemas/shop/tables.yaml`): which record type goes to which table and columns.

A record type of a shop-bound target layout lands in one or more tables. Each `TableSpec` says how:
`row` updates the row its key finds and inserts it when missing; `set` does that and also deletes the
owner's other rows (an article's group prices are the ones the ERP sent, no more); `update` only
changes rows that exist (stock); `category` resolves a category by the ERP's id, else by its path of
names, and creates it when missing. Ids are never taken from the ERP: `refs` resolve them in the shop
by natural keys (article number, language code, manufacturer name, option and value names, ...).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError, field_validator

from etl.bundled import load_yaml
from etl.shared.errors import ConfigError
from etl.shared.strict import Strict

RefKind = Literal["article", "language", "manufacturer", "category", "option", "option_value", "order"]


class Ref(Strict):
    """A shop id found by a natural key in a field of the record (`option`: the field naming the option)."""

    kind: RefKind
    field: str
    option: str | None = None


class CategoryNames(Strict):
    """Where a category's name in the naming language comes from (its path is made of these names)."""

    record: str
    id: str = "categories_id"
    language: str = "language_code"
    name: str = "categories_name"
    parent: str = "parent_id"
    level: str = "categories_level"


class TableSpec(Strict):
    """How the records of one type are written into one table."""

    table: str  # "{record}" stands for the record type's name (personal_offers_by_customers_status_N)
    mode: Literal["row", "set", "update", "category"] = "row"
    when: dict[str, list[str]] = {}  # only records whose field has one of these values
    key: list[str] = []  # table columns that identify a row
    columns: dict[str, str] = {}  # table column -> record field
    refs: dict[str, Ref] = {}  # table column -> id resolved in the shop
    owner: str | None = None  # set mode: the ref column whose rows are replaced as a set
    owners_from: str | None = None  # set mode: a record type whose records own a set even when it is empty
    null_as: dict[str, str] = {}  # value written for an empty field (the shop's default of a NOT NULL column)
    on_insert: dict[str, str] = {}  # SQL expressions for columns the record does not carry, new rows only
    create: str | None = None  # CREATE TABLE IF NOT EXISTS ("{table}"), or "extensions" (schemas/shop/extensions.sql)
    late: bool = False  # written after every other statement (relations between records of the run)
    names: CategoryNames | None = None  # category mode
    lengths: dict[str, int] = {}  # record field -> the most characters its column holds (strict mode fails)
    # texts per language (key: the record's id and a language ref): every language of the shop's `languages`
    # table without a row from the ERP gets the naming language's row (etl/load/sql/languages.py)
    every_language: bool = False

    @field_validator("columns", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        """A plain list names columns that have the record field's name."""
        return {name: name for name in value} if isinstance(value, list) else value

    def table_for(self, record: str) -> str:
        """The table name for `record`."""
        return self.table.replace("{record}", record)


class ShopTables(Strict):
    """`schemas/shop/tables.yaml`."""

    naming_language: str = "de"  # the language whose names identify categories, options and values
    records: dict[str, list[TableSpec]]

    @field_validator("records", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        return value


_CREATE = re.compile(r"CREATE TABLE IF NOT EXISTS\s+`?(\w+)`?", re.IGNORECASE)


def load_tables(path: Path) -> ShopTables:
    """Read and validate the table knowledge; a ConfigError names the file and key."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        # top-level keys starting with "_" only hold YAML anchors
        return ShopTables.model_validate({k: v for k, v in data.items() if not k.startswith("_")})
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([f"{path}: {exc}"]) from None
    except ValidationError as exc:
        raise ConfigError([f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None


def load_extensions(path: Path) -> dict[str, str]:
    """The CREATE TABLE IF NOT EXISTS statements of `extensions.sql`, by table name."""
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith(("#", "--")))
    statements = [s.strip() for s in text.split(";") if s.strip()]
    found = {}
    for statement in statements:
        match = _CREATE.search(statement)
        if match:
            found[match.group(1)] = statement
    return found
