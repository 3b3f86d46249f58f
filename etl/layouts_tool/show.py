"""`etl layout show`: the layout a run uses: the working folder's copy, its `stores:` with etl.yaml's over
it, and for one store those overrides applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from etl.config import Config
from etl.config.storefronts import store_numbers
from etl.i18n import N_, _
from etl.shared.errors import UsageError
from etl.transform.layout import TargetLayout, load_layout
from etl.transform.storefront_layouts import for_store, with_stores


def effective_layout(config: Config, mapping: str, store: str | None = None) -> tuple[Path, TargetLayout]:
    """The file a run reads for `mapping` (e.g. sage/orders.yaml) and its layout, for `store` if given."""
    path = config.find_mapping(mapping)
    layout: TargetLayout = with_stores(load_layout(path, TargetLayout), config.stores)
    if store is None:
        return path, layout
    if store not in layout.stores:
        raise UsageError(N_("{path}: no overrides for store '{store}' in the layout or etl.yaml (stores with "
                            "overrides: {known})").format(path=path, store=store,
                                                          known=", ".join(layout.stores) or "-"))
    override = layout.stores[store]
    if override.layout:
        path = config.find_mapping(override.layout)
        layout = load_layout(path, TargetLayout)
    return path, for_store(layout, override)


def layout_yaml(layout: TargetLayout) -> str:
    """The layout as YAML, as a run sees it (defaults left out)."""
    data: dict[str, Any] = layout.model_dump(by_alias=True, exclude_defaults=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def store_lines(config: Config, mapping: str, store: str) -> list[str]:
    """Comment lines on what a store changes beyond the fields: name, folder, layout variant, numbers."""
    override = with_stores(load_layout(config.find_mapping(mapping), TargetLayout), config.stores).stores[store]
    numbers = store_numbers(config.customer_numbers, override.customer_numbers)
    first = f"{numbers.prefix}{numbers.start:0{numbers.width}d}"
    where = _("subfolder {name}").format(name=override.outbox) if override.outbox else _("folder of the flow")
    line = _("store {store}: outbox {where}, layout {layout}, new customer numbers from {first}").format(
        store=f"{store} ({override.name})" if override.name else store, where=where,
        layout=override.layout or mapping, first=first)
    return [f"# {line}" + ("" if override.customer_numbers else " (" + _("the main range") + ")")]
