"""The `stores:` section of etl.yaml: what differs for one shop store (storefront), across every flow.

A layout's own `stores:` section (etl/transform/layout_forms.py) says the same for the files of that
layout; where both name a store, etl.yaml wins key by key (`etl/transform/storefront_layouts.py:effective_stores`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from pydantic import BeforeValidator, field_validator

from etl.config.customer_numbers import NumberRange
from etl.shared.strict import Strict


class StoreSettings(Strict):
    """One store's settings in etl.yaml; every key is optional."""

    name: str | None = None  # shown in reports instead of the id
    outbox: str | None = None  # a subfolder of each flow's outbox folder for this store's files
    # The store's own ERP customer number range; keys left out are those of `customer_numbers:`.
    customer_numbers: NumberRange | None = None
    fields: dict[str, Any] = {}  # target field -> value, in every target layout with such a field
    defaults: dict[str, Any] = {}  # target field -> default where the value is empty
    value_maps: dict[str, dict[str, Any]] = {}  # entries merged over the layouts' maps of that name
    layouts: dict[str, str] = {}  # flow -> a layout variant for this store's files (e.g. sage/orders_b2b.yaml)

    @field_validator("outbox")
    @classmethod
    def _subfolder(cls, value: str | None) -> str | None:
        """A plain subfolder: an absolute path or `..` would put files outside the outbox."""
        if value is not None and (not value.strip() or PurePosixPath(value.replace("\\", "/")).is_absolute()
                                  or ".." in PurePosixPath(value.replace("\\", "/")).parts or ":" in value):
            raise ValueError(f"'{value}' is not a subfolder name (e.g. b2b)")
        return value


def store_ids_as_text(value: object) -> object:
    """Store ids as text: YAML reads `2:` as a number, the shop's store_id column is text."""
    if isinstance(value, dict):
        return {str(key): item for key, item in value.items()}
    return value


Stores = Annotated[dict[str, StoreSettings], BeforeValidator(store_ids_as_text)]


def store_numbers(main: NumberRange, own: NumberRange | None) -> NumberRange:
    """A store's number range: its own keys over the main `customer_numbers:`."""
    if own is None:
        return main
    return NumberRange(**{**main.model_dump(), **own.model_dump(exclude_unset=True)})


def store_problems(stores: dict[str, StoreSettings], main: NumberRange,
                   find_mapping: Callable[[str], Path]) -> list[str]:
    """What is wrong in the `stores:` section beyond its types, each by its key."""
    problems = []
    for store, settings in stores.items():
        if not store.strip():
            problems.append("stores: an empty store id")
        for flow, name in settings.layouts.items():
            if not find_mapping(name).is_file():
                problems.append(f"stores.{store}.layouts.{flow}: no layout file '{name}' in the mappings folders")
        if settings.customer_numbers is not None:
            numbers = store_numbers(main, settings.customer_numbers)
            if (numbers.prefix, numbers.width, numbers.start) == (main.prefix, main.width, main.start):
                problems.append(f"stores.{store}.customer_numbers: the same range as customer_numbers "
                                f"({main.prefix}{main.start}); give it its own prefix or start")
    return problems
