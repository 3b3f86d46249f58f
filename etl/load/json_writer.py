"""JSON import files: one document per run, every record validated against a JSON Schema."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from etl.load.base import Writer, register
from etl.load.nested import nest
from etl.transform.apply import Mapped
from etl.transform.rejects import Reject


@register
class JsonWriter(Writer):
    """`{"flow", "system", "run", "created", "records": [...]}`, streamed record by record."""

    format = "json"
    extension = "json"
    description = "JSON, each record validated against a JSON Schema"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = self.layout.json_schema or f"{self.layout.system}/{self.layout.flow}.schema.json"
        schema = json.loads(self.resources.find("schemas", name).read_text(encoding="utf-8"))
        resource = Resource.from_contents(schema)
        registry = Registry().with_resource(schema.get("$id", "urn:etl:schema"), resource)
        record = {"$ref": f"{schema.get('$id', 'urn:etl:schema')}#/$defs/record"}
        self.validator = Draft202012Validator(record, registry=registry)
        self.document_validator = Draft202012Validator(schema, registry=registry)
        self.file = self.path().open("w", encoding="utf-8", newline="\n")
        head = {"flow": self.layout.flow, "system": self.layout.system, "run": self.stem,
                "created": datetime.now().replace(microsecond=0).isoformat()}
        self.file.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "records": [')
        self.count = 0

    def write(self, mapped: Mapped) -> list[Reject]:
        rejects = []
        for entry in nest(self.layout, mapped, native=True):
            record = {**entry.fields, **entry.children}
            error = next(iter(self.validator.iter_errors(record)), None)
            if error is not None:
                where = "/".join(str(p) for p in error.absolute_path) or "record"
                rejects.append(Reject(entry.file, entry.line, entry.key, where, None,
                                      f"the JSON schema refuses it: {error.message}"))
                continue
            self.file.write(("\n  " if self.count == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
            self.count += 1
        return rejects

    def close(self) -> list[Path]:
        self.file.write("\n]}\n")
        self.file.close()
        return [self.path()]
