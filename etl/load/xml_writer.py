"""XML import files rendered from a Jinja template and validated with lxml before publishing.

The template defines three macros: `start(meta)`, `record(entry)` and `end(meta)`. Records are
rendered chunk by chunk; each chunk is parsed and validated against the layout's XSD as a small
document of its own, so memory stays flat however long the file; a record the schema refuses is
rejected with the schema's message, the others are written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from etl.load.base import Resources, Writer, register
from etl.load.nested import Entry, nest
from etl.transform.apply import Mapped
from etl.transform.rejects import Reject


def template_env(resources: Resources) -> SandboxedEnvironment:
    """The sandboxed Jinja environment for import-file templates (autoescaped XML)."""
    return SandboxedEnvironment(loader=FileSystemLoader([str(p) for p in resources.templates]),
                                autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


def load_schema(path: Path) -> etree.XMLSchema:
    """A compiled XSD."""
    return etree.XMLSchema(etree.parse(str(path)))


@register
class XmlWriter(Writer):
    """One XML document per run, from the layout's template, valid against the layout's XSD."""

    format = "xml"
    extension = "xml"
    description = "XML from a Jinja template, validated against an XSD"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template_name = self.layout.xml.get("template", f"{self.layout.system}/{self.layout.flow}.xml.j2")
        schema_name = self.layout.xml.get("schema", f"{self.layout.system}/{self.layout.flow}.xsd")
        self.schema = load_schema(self.resources.find("schemas", schema_name))
        self.module = template_env(self.resources).get_template(template_name).module
        self.meta = {"flow": self.layout.flow, "system": self.layout.system, "run_id": self.stem,
                     "created": datetime.now().replace(microsecond=0).isoformat()}
        self.head = str(self.module.start(self.meta))
        self.tail = str(self.module.end(self.meta))
        self.file = self.path().open("wb")
        self.file.write(self.head.encode("utf-8"))

    def write(self, mapped: Mapped) -> list[Reject]:
        entries = nest(self.layout, mapped, native=False)
        rendered = [str(self.module.record(entry)) for entry in entries]
        if self._valid("".join(rendered)) is None:
            self.file.write("".join(rendered).encode("utf-8"))
            return []
        rejects, good = [], []
        for entry, text in zip(entries, rendered, strict=True):
            problem = self._valid(text)
            if problem is None:
                good.append(text)
            else:
                rejects.append(_reject(entry, problem))
        self.file.write("".join(good).encode("utf-8"))
        return rejects

    def _valid(self, body: str) -> str | None:
        """None when head + body + tail is valid, else the first problem in words."""
        try:
            doc = etree.fromstring((self.head + body + self.tail).encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            return f"the rendered XML is not well-formed: {exc.msg}"
        if self.schema.validate(doc):
            return None
        error = self.schema.error_log.last_error
        return f"the XML schema refuses it: {error.message}" if error else "the XML schema refuses it"

    def close(self) -> list[Path]:
        self.file.write(self.tail.encode("utf-8"))
        self.file.close()
        return [self.path()]


def _reject(entry: Entry, problem: str) -> Reject:
    return Reject(entry.file, entry.line, entry.key, None, None, problem)
