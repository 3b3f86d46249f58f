"""A target layout as one store sees it: its `stores:` override applied (field values, defaults, maps)."""

from __future__ import annotations

from etl.transform.layout import TargetLayout
from etl.transform.layout_forms import StoreOverride


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
