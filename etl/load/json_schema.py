"""The JSON Schema of a target layout's JSON import file, generated from the layout."""

from __future__ import annotations

import json
from typing import Any

from etl.load.field_kinds import FieldKind, field_kinds
from etl.load.xml_form import xml_form
from etl.transform.layout import TargetLayout

_PATTERNS = {"date": r"^\d{4}-\d{2}-\d{2}$", "datetime": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"}


def json_schema(layout: TargetLayout) -> dict[str, Any]:
    """The Draft 2020-12 schema: the document, and one `$defs` entry per record type."""
    kinds = field_kinds(layout)
    defs: dict[str, Any] = {}
    for name in layout.records:
        fields = kinds[name]
        props: dict[str, Any] = {f.name: _field(f) for f in fields}
        for child in layout.children(name):
            props[child] = {"type": "array", "items": {"$ref": f"#/$defs/{child}"}}
        defs[name] = {"type": "object", "additionalProperties": False,
                      "required": [f.name for f in fields if f.required], "properties": props}
    roots = layout.roots
    items = {"$ref": f"#/$defs/{roots[0]}"} if len(roots) == 1 else {
        "anyOf": [{"$ref": f"#/$defs/{r}"} for r in roots]}
    props = {"flow": {"const": layout.flow}, "system": {"const": layout.system},
             "run": {"type": "string"}, "created": {"type": "string"}}
    if len(roots) > 1:
        props["table"] = {"enum": roots}
    props["records"] = {"type": "array", "items": items}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": xml_form(layout).namespace,
            "title": f"{layout.description or layout.flow} (JSON), generated from mappings/{layout.system}/"
                     f"{layout.flow}.yaml: change the layout, not this file",
            "type": "object", "required": ["flow", "system", "run", "created", "records"],
            "properties": props, "$defs": defs}


def json_schema_text(layout: TargetLayout) -> str:
    """The schema as the file `etl layout build` writes."""
    return json.dumps(json_schema(layout), ensure_ascii=False, indent=2) + "\n"


def _field(f: FieldKind) -> dict[str, Any]:
    if f.kind == "int":
        return {"type": "integer"}
    if f.kind == "bool":
        return {"type": "boolean"}
    if f.kind == "decimal":
        digits = rf"\.\d{{{f.places}}}" if f.places else ""
        return {"type": "string", "pattern": rf"^-?\d+{digits}$"}
    if f.kind in _PATTERNS:
        return {"type": "string", "pattern": _PATTERNS[f.kind]}
    out: dict[str, Any] = {"type": "string", "minLength": 1}
    if f.max_length:
        out["maxLength"] = f.max_length
    if f.allowed is not None:
        out["enum"] = list(f.allowed)
    return out
