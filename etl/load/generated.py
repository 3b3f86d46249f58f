"""Schemas generated from a layout, cached per layout content, for the writers and `etl layout build`."""

from __future__ import annotations

import json
from typing import Any

from etl.load.json_schema import json_schema_text
from etl.load.xsd import xsd_text
from etl.transform.layout import TargetLayout


def generated_xsd(layout: TargetLayout) -> str:
    """The layout's XSD (computed once per layout content)."""
    return _cached(layout.model_dump_json(by_alias=True), "xsd", layout)


def generated_json_schema(layout: TargetLayout) -> dict[str, Any]:
    """The layout's JSON Schema (computed once per layout content)."""
    return dict(json.loads(_cached(layout.model_dump_json(by_alias=True), "json", layout)))


_CACHE: dict[tuple[str, str], str] = {}


def _cached(key: str, kind: str, layout: TargetLayout) -> str:
    if (key, kind) not in _CACHE:
        _CACHE[(key, kind)] = xsd_text(layout) if kind == "xsd" else json_schema_text(layout)
    return _CACHE[(key, kind)]


