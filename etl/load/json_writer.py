"""JSON import files: one document per run, every record validated against the layout's JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import fastjsonschema
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from etl.load.base import Writer
from etl.load.generated import generated_json_schema
from etl.load.nested import nest
from etl.shared.records import Mapped
from etl.shared.rejects import Reject


class JsonWriter(Writer):
    """`{"flow", "system", "run", "created", "records": [...]}`, streamed record by record."""

    format = "json"
    extension = "json"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = self.layout.json_schema  # a hand-kept schema file; else the one generated from the layout
        schema = (json.loads(self.resources.find("schemas", name).read_text(encoding="utf-8")) if name
                  else generated_json_schema(self.layout))
        resource = Resource.from_contents(schema)
        registry = Registry().with_resource(schema.get("$id", "urn:etl:schema"), resource)
        defs = schema.get("$defs", {})
        base = schema.get("$id", "urn:etl:schema")
        self.validators = {root: Draft202012Validator(
            {"$ref": f"{base}#/$defs/{root if root in defs else 'record'}"}, registry=registry)
            for root in self.layout.roots}
        self.fast = {root: fast_validator(defs, root if root in defs else "record") for root in self.layout.roots}
        self.document_validator = Draft202012Validator(schema, registry=registry)
        self.head = {"flow": self.layout.flow, "system": self.layout.system, "run": self.stem,
                     "created": datetime.now().replace(microsecond=0).isoformat()}
        self.files: dict[str, TextIO] = {}
        self.counts: dict[str, int] = {}

    def _file(self, root: str) -> TextIO:
        if root not in self.files:
            several = len(self.layout.roots) > 1
            handle = self.path(root if several else None).open("w", encoding="utf-8", newline="\n")
            head = {**self.head, "table": root} if several else self.head
            handle.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "records": [')
            self.files[root], self.counts[root] = handle, 0
        return self.files[root]

    def write(self, mapped: Mapped) -> list[Reject]:
        rejects = []
        for root in self.layout.roots:
            handle = self._file(root)
            for entry in nest(self.layout, mapped, native=True, root=root):
                record = {**entry.fields, **entry.children}
                error = None if _passes(self.fast[root], record) else next(
                    iter(self.validators[root].iter_errors(record)), None)
                if error is not None:
                    where = "/".join(str(p) for p in error.absolute_path) or "record"
                    rejects.append(Reject(entry.file, entry.line, entry.key, where, None, "json-schema", root,
                                          {"detail": error.message}))
                    continue
                handle.write(("\n  " if self.counts[root] == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
                self.counts[root] += 1
        return rejects

    def close(self) -> list[Path]:
        paths = []
        for root in self.layout.roots:
            handle = self._file(root)
            handle.write("\n]}\n")
            handle.close()
            paths.append(Path(handle.name))
        return paths


# Keywords the compiled check reads as the reference validator does (draft 7 and 2020-12 alike);
# a schema with any other, or with a `$ref` beside others (draft 7 ignores those), is checked by the
# reference validator alone.
_SAME_IN_DRAFT_7 = {"type", "properties", "required", "additionalProperties", "items", "minLength",
                    "maxLength", "pattern", "enum", "const", "anyOf", "$ref", "$defs", "title",
                    "description", "minimum", "maximum"}


def fast_validator(defs: dict[str, Any], name: str) -> Callable[[Any], Any] | None:
    """A compiled check of records against `$defs/<name>` (~15x faster), or None where it may differ."""
    if not all(_plain(schema) for schema in defs.values()):
        return None
    check: Callable[[Any], Any] = fastjsonschema.compile({"$defs": defs, "$ref": f"#/$defs/{name}"})
    return check


def _plain(node: Any) -> bool:
    if isinstance(node, list):
        return all(_plain(item) for item in node)
    if not isinstance(node, dict):
        return True
    if "$ref" in node and set(node) - {"$ref", "title", "description"}:
        return False
    for key, value in node.items():
        if key in ("properties", "$defs"):
            if not all(_plain(sub) for sub in value.values()):
                return False
        elif key not in _SAME_IN_DRAFT_7 or not _plain(value):
            return False
    return True


def _passes(check: Callable[[Any], Any] | None, record: dict[str, Any]) -> bool:
    """Whether the compiled check takes `record`; a refusal is told by the reference validator, in its words.

    Only acceptance is taken from the compiled check: it refuses some values the reference takes
    (a Decimal for "number"), never the other way round for the keywords above (tests/load/test_json_fast.py).
    """
    if check is None:
        return False
    try:
        check(record)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True
