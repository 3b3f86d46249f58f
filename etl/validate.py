"""`etl validate`: check a written xml or json file against the schema it claims."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from lxml import etree

from etl.config import Config
from etl.i18n import N_


def validate_file(config: Config, path: Path) -> list[str]:
    """Problems of `path` against its schema (empty when valid); the schema is found by namespace or id."""
    if not path.is_file():
        return [N_("no such file")]
    if path.suffix.lower() == ".xml":
        return _xml(config, path)
    if path.suffix.lower() == ".json":
        return _json(config, path)
    return [N_("no schema for {suffix} files; xml and json are validated").format(suffix=path.suffix or "such")]


def _schemas(config: Config, pattern: str) -> list[Path]:
    found: dict[str, Path] = {}
    for folder in reversed(config.search("schemas")):
        for schema in folder.rglob(pattern):
            found[str(schema.relative_to(folder))] = schema
    return list(found.values())


def _xml(config: Config, path: Path) -> list[str]:
    try:
        doc = etree.parse(str(path))
    except etree.XMLSyntaxError as exc:
        return [N_("line {line}: not well-formed: {error}").format(line=exc.lineno, error=exc.msg)]
    namespace = etree.QName(doc.getroot()).namespace
    for xsd in _schemas(config, "*.xsd"):
        schema_doc = etree.parse(str(xsd))
        if schema_doc.getroot().get("targetNamespace") == namespace:
            schema = etree.XMLSchema(schema_doc)
            if schema.validate(doc):
                return []
            return [f"line {e.line}: {e.message}" for e in schema.error_log]
    return [N_("no XSD in the schema folders has the namespace '{namespace}'").format(namespace=namespace)]


def _json(config: Config, path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [N_("not valid JSON: {error}").format(error=exc)]
    for candidate in _schemas(config, "*.schema.json"):
        schema = json.loads(candidate.read_text(encoding="utf-8"))
        flow, system = data.get("flow"), data.get("system")
        props = schema.get("properties", {})
        if props.get("flow", {}).get("const") == flow and props.get("system", {}).get("const") == system:
            errors = Draft202012Validator(schema).iter_errors(data)
            return [f"{'/'.join(map(str, e.absolute_path)) or 'document'}: {e.message}" for e in errors]
    return [N_("no JSON schema for flow '{flow}' and system '{system}'").format(flow=data.get("flow"),
                                                                                system=data.get("system"))]
