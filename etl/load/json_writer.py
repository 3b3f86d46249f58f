"""JSON import files: one document per run, every record validated against the layout's JSON Schema."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from etl.load.base import Writer
from etl.load.generated import generated_json_schema
from etl.load.nested import nest
from etl.records import Mapped
from etl.rejects import Reject


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
                error = next(iter(self.validators[root].iter_errors(record)), None)
                if error is not None:
                    where = "/".join(str(p) for p in error.absolute_path) or "record"
                    rejects.append(Reject(entry.file, entry.line, entry.key, where, None,
                                          f"the JSON schema refuses it: {error.message}", root))
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
