"""A target layout as one store sees it: its `stores:` overrides (the layout's and etl.yaml's) applied."""

from __future__ import annotations

from etl.config.storefronts import StoreSettings
from etl.transform.layout import TargetLayout
from etl.transform.layout_forms import StoreOverride


def effective_stores(layout: TargetLayout, settings: dict[str, StoreSettings]) -> dict[str, StoreOverride]:
    """The layout's `stores:` with etl.yaml's `stores:` over it: etl.yaml wins key by key.

    etl.yaml speaks for every flow, so its field values, defaults and value maps count only where this
    layout has a field or map of that name; its layout variant is the one named for this layout's flow.
    """
    fields = {f.name for record in layout.records.values() for f in record.fields}
    merged: dict[str, StoreOverride] = {}
    for store in [*layout.stores, *(s for s in settings if s not in layout.stores)]:
        own = layout.stores.get(store, StoreOverride())
        given = settings.get(store)
        if given is None:
            merged[store] = own
            continue
        maps = {name: dict(entries) for name, entries in own.value_maps.items()}
        for name, entries in given.value_maps.items():
            if name in layout.value_maps or name in maps:
                maps[name] = {**maps.get(name, {}), **entries}
        merged[store] = StoreOverride(
            name=given.name or own.name,
            outbox=given.outbox or own.outbox,
            layout=given.layouts.get(layout.flow) or own.layout,
            fields={**own.fields, **{k: v for k, v in given.fields.items() if k in fields}},
            defaults={**own.defaults, **{k: v for k, v in given.defaults.items() if k in fields}},
            value_maps=maps,
            customer_numbers=given.customer_numbers or own.customer_numbers)
    return merged


def with_stores(layout: TargetLayout, settings: dict[str, StoreSettings]) -> TargetLayout:
    """`layout` with its `stores:` section replaced by the effective one (what `etl layout show` prints)."""
    stores = effective_stores(layout, settings)
    return layout.model_copy(update={"stores": stores})


def for_store(layout: TargetLayout, override: StoreOverride | None) -> TargetLayout:
    """A copy of `layout` with the store's field values, defaults and value-map entries in place."""
    if override is None:
        return layout
    data = layout.model_dump(by_alias=True, exclude_unset=True)
    for record in data["records"].values():
        for field in record["fields"]:
            if field["name"] in override.fields:
                for origin in ("from", "compute", "args", "map"):
                    field.pop(origin, None)
                field["value"] = override.fields[field["name"]]
            if field["name"] in override.defaults:
                field["default"] = override.defaults[field["name"]]
    maps = data.setdefault("value_maps", {})
    for name, entries in override.value_maps.items():
        maps[name] = {**maps.get(name, {}), **entries}
    data.pop("stores", None)
    return TargetLayout.model_validate(data)
