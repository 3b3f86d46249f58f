"""XML import files rendered from a Jinja template and validated with lxml before publishing.

The template is the generic `layout.xml.j2`, driven by the layout's `xml:` names, and the XSD is
generated from the layout (`xsd.py`), unless the layout names a template or schema file of its own.
The template defines three macros: `start(meta)`, `record(entry)` and `end(meta)`. Records are
rendered chunk by chunk; about a megabyte of records at a time is parsed and validated against the
layout's XSD as a small document of its own, so memory stays flat however long the file; a record
the schema refuses is rejected with the schema's message, the others are written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from etl.bundled import bundled
from etl.load.base import Resources, Writer
from etl.load.generated import generated_xsd
from etl.load.nested import Entry, nest
from etl.load.xml_form import xml_form
from etl.load.xml_rows import Rendered, render
from etl.load.xml_tree import frame, render_tree, wrapper
from etl.shared.records import Mapped
from etl.shared.rejects import Reject


def template_env(resources: Resources) -> SandboxedEnvironment:
    """The sandboxed Jinja environment for import-file templates.

    Record values arrive XML-escaped (escaped column-wise in `nest`, much faster than Jinja's
    per-value autoescaping); a template that prints anything else must escape it with `|e`.
    """
    return SandboxedEnvironment(loader=FileSystemLoader([str(p) for p in resources.templates]),
                                autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)


def load_schema(path: Path) -> etree.XMLSchema:
    """A compiled XSD."""
    return etree.XMLSchema(etree.parse(str(path)))


class XmlWriter(Writer):
    """One XML document per run and root record type, from the layout's template, valid against its XSD."""

    format = "xml"
    extension = "xml"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = self.layout.xml
        if spec.schema_file:
            self.schema = load_schema(self.resources.find("schemas", spec.schema_file))
        else:
            self.schema = etree.XMLSchema(etree.fromstring(generated_xsd(self.layout).encode("utf-8")))
        self.form = xml_form(self.layout)
        self.meta = {"flow": self.layout.flow, "system": self.layout.system, "run_id": self.stem,
                     "created": datetime.now().replace(microsecond=0).isoformat()}
        self.documents: dict[str, _Document] = {}
        if self.form.nested:  # element paths (xml_tree.py): each root's records kept apart, joined at close
            # closed in close(): they live as long as the writer
            self.parts: dict[str, IO[bytes]] = {root: SpooledTemporaryFile(8 << 20)  # noqa: SIM115
                                                for root in self.layout.roots}
            return
        template = template_env(self.resources).get_template(spec.template or GENERIC,
                                                             globals={"form": self.form})
        # The generic template, unchanged, is rendered column-wise (xml_rows.py): same text, far faster.
        self.columnwise = template.filename is not None and _same_text(Path(template.filename),
                                                                       bundled("templates") / GENERIC)
        # The template's macros (start, record, end) are attributes Jinja creates at render time.
        self.module: Any = template.module

    def _document(self, root: str) -> _Document:
        """The open document of root record type `root` (one per root when a layout has several)."""
        if root not in self.documents:
            meta = {**self.meta, "root": root}
            several = len(self.layout.roots) > 1
            self.documents[root] = _Document(self.path(root if several else None),
                                             str(self.module.start(meta)), str(self.module.end(meta)))
        return self.documents[root]

    def write(self, mapped: Mapped) -> list[Reject]:
        rejects: list[Reject] = []
        if self.form.nested:
            for root in self.layout.roots:
                head, tail = self._frame(root)
                rendered = render_tree(self.layout, self.form, mapped, root)
                rejects += self._written(head, tail, self.parts[root], rendered, root)
            return rejects
        for root in self.layout.roots:
            if self.columnwise:
                rendered = render(self.layout, self.form, mapped, root)
            else:
                rendered = _jinja(self.module, nest(self.layout, mapped, native=False, root=root, escape=True), root)
            if rendered.texts or root not in self.documents:
                rejects += self._write(self._document(root), rendered, root)
        return rejects

    def _frame(self, root: str) -> tuple[bytes, bytes]:
        """The text around a root's records in its document (with its wrapper), for validating them."""
        meta = {**self.meta, "root": root}
        head, tail = frame(self.form, root, meta)
        open_, close = wrapper(self.form, root, meta)
        return (head + open_).encode("utf-8"), (close + tail).encode("utf-8")

    def _write(self, doc: _Document, rendered: Rendered, root: str) -> list[Reject]:
        return self._written(doc.head, doc.tail, doc.file, rendered, root)

    def _written(self, head: bytes, tail: bytes, out: IO[bytes], rendered: Rendered, root: str) -> list[Reject]:
        """The records that are valid between `head` and `tail` written to `out`; the others refused."""
        rejects: list[Reject] = []
        for group in _groups(rendered.texts, VALIDATED_TOGETHER):
            body = "".join(rendered.texts[group.start:group.stop]).encode("utf-8")
            if self._valid(head, tail, body) is None:
                out.write(body)
                continue
            good = []
            for i in group:
                text = rendered.texts[i].encode("utf-8")
                problem = self._valid(head, tail, text)
                if problem is None:
                    good.append(text)
                else:
                    rejects.append(Reject(rendered.files[i], rendered.lines[i], rendered.keys[i], None, None,
                                          problem, root))
            out.write(b"".join(good))
        return rejects

    def _valid(self, head: bytes, tail: bytes, body: bytes) -> str | None:
        """None when head + body + tail is valid, else the first problem in words."""
        try:
            doc = etree.fromstring(head + body + tail)
        except etree.XMLSyntaxError as exc:
            return f"the rendered XML is not well-formed: {exc.msg}"
        if self.schema.validate(doc):
            return None
        error = self.schema.error_log.last_error
        return f"the XML schema refuses it: {error.message}" if error else "the XML schema refuses it"

    def close(self) -> list[Path]:
        if self.form.nested:
            return self._close_nested()
        for root in self.layout.roots:  # an empty run still gets its (empty) documents
            self._document(root)
        for doc in self.documents.values():
            doc.file.write(doc.tail)
            doc.file.close()
        return [doc.path for doc in self.documents.values()]


    def _close_nested(self) -> list[Path]:
        """Each document: its head, each root's records in their wrapper (none without records), its tail.

        A document without records is not written: a standard's update must hold one (T_UPDATE_PRODUCTS).
        """
        documents: dict[str, list[str]] = {}
        rank = {name: i for i, name in enumerate(self.form.order)}
        for root in sorted(self.layout.roots, key=lambda r: rank.get(r, len(rank))):
            documents.setdefault(self.form.records[root].document, []).append(root)
        paths = []
        for roots in documents.values():
            if not any(self.parts[root].tell() for root in roots):
                for root in roots:
                    self.parts[root].close()
                continue
            meta = {**self.meta, "root": roots[0]}
            head, tail = frame(self.form, roots[0], meta)
            path = self.path(roots[0] if len(documents) > 1 else None)
            with path.open("wb") as file:
                file.write(head.encode("utf-8"))
                for root in roots:
                    part = self.parts[root]
                    if part.tell():
                        open_, close = wrapper(self.form, root, {**self.meta, "root": root})
                        part.seek(0)
                        file.write(open_.encode("utf-8") + part.read() + close.encode("utf-8"))
                    part.close()
                file.write(tail.encode("utf-8"))
            paths.append(path)
        return paths


class _Document:
    """One XML file being written: its path, and its head and tail as UTF-8."""

    def __init__(self, path: Path, head: str, tail: str) -> None:
        self.path, self.head, self.tail = path, head.encode("utf-8"), tail.encode("utf-8")
        self.file = path.open("wb")
        self.file.write(self.head)


def _groups(texts: list[str], size: int) -> Iterator[range]:
    """Consecutive runs of `texts` of about `size` characters each (at least one text per run)."""
    start = length = 0
    for i, text in enumerate(texts):
        length += len(text)
        if length >= size:
            yield range(start, i + 1)
            start, length = i + 1, 0
    if start < len(texts):
        yield range(start, len(texts))


GENERIC = "layout.xml.j2"
# Characters of records parsed and validated as one document: a parsed tree takes several times its
# text, so a chunk's whole text (several MB) at once made the memory swing by tens of MB.
VALIDATED_TOGETHER = 1 << 20


def _same_text(path: Path, bundled_path: Path) -> bool:
    """Whether a template found in the resources is the bundled one, unchanged (a copy from `etl init`)."""
    try:
        return path.resolve() == bundled_path.resolve() or path.read_bytes() == bundled_path.read_bytes()
    except OSError:
        return False


def _jinja(module: Any, entries: list[Entry], root: str) -> Rendered:
    """The template's `record` macro for each entry (a layout's own template)."""
    return Rendered([str(module.record(entry)) for entry in entries], [e.key for e in entries],
                    [e.file for e in entries], [e.line for e in entries])
