"""XML import files rendered from a Jinja template and validated with lxml before publishing.

The template is the generic `layout.xml.j2`, driven by the layout's `xml:` names, and the XSD is
generated from the layout (`xsd.py`), unless the layout names a template or schema file of its own.
The template defines three macros: `start(meta)`, `record(entry)` and `end(meta)`. Records are
rendered chunk by chunk; about a megabyte of records at a time is parsed and validated against the
layout's XSD as a small document of its own, so memory stays flat however long the file; a record
the schema refuses is rejected with the schema's message, the others are written.

A layout whose fields name their place (`xml:`) or that writes a document per record is rendered as
trees (`xml_tree.py`): a document of its own per record, or one document per run whose frame (head
items, the roots' places in `order`) comes from the layout too; each root's records then wait in a
spooled file of their own until `close` joins them.
"""

from __future__ import annotations

import re
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
from etl.load.xml_tree import frame, render_tree
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
        template = template_env(self.resources).get_template(spec.template or GENERIC,
                                                             globals={"form": self.form})
        # The generic template, unchanged, is rendered column-wise (xml_rows.py): same text, far faster.
        self.columnwise = template.filename is not None and _same_text(Path(template.filename),
                                                                       bundled("templates") / GENERIC)
        # Fields that name their place, or a document per record: rendered as trees (xml_tree.py).
        self.tree = spec.template is None and (self.form.paths or self.form.per_record)
        self.files: list[Path] = []  # the documents of a layout with one per record
        # The template's macros (start, record, end) are attributes Jinja creates at render time.
        self.module: Any = template.module
        self.meta = {"flow": self.layout.flow, "system": self.layout.system, "run_id": self.stem,
                     "created": datetime.now().replace(microsecond=0).isoformat()}
        self.documents: dict[str, _Document] = {}
        # A shared document of tree records: each root's records kept apart, joined in `order` at close.
        self.parts: dict[str, IO[bytes]] = {}
        if self.tree and not self.form.per_record:
            self.parts = {root: SpooledTemporaryFile(8 << 20) for root in self.layout.roots}  # noqa: SIM115

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
        for root in self.layout.roots:
            if self.tree:
                rendered = render_tree(self.layout, self.form, nest(self.layout, mapped, native=False, root=root,
                                                                     escape=True), root, self._attributes(root))
                if self.form.per_record:
                    rejects += self._write_each(rendered, root)
                else:
                    head, tail = (piece.encode("utf-8") for piece in self._frame([root]))
                    rejects += self._written(head, tail, self.parts[root], rendered, root)
                continue
            elif self.columnwise:
                rendered = render(self.layout, self.form, mapped, root)
            else:
                rendered = _jinja(self.module, nest(self.layout, mapped, native=False, root=root, escape=True), root)
            if rendered.texts or root not in self.documents:
                doc = self._document(root)
                rejects += self._written(doc.head, doc.tail, doc.file, rendered, root)
        return rejects

    def _frame(self, roots: list[str]) -> list[str]:
        """The shared document of `roots` around their records (xml_tree.frame), with this run's values."""
        return frame(self.form, roots, {**self.meta, "root": roots[0]}, self._attributes(roots[0]))

    def _attributes(self, root: str) -> dict[str, str]:
        """The document element's attributes the layout's `xml.attributes` name (run, time, record type)."""
        meta = {**self.meta, "root": root}
        return {name: str(meta[key]) for name, key in self.form.attributes.items()}

    def _write_each(self, rendered: Rendered, root: str) -> list[Reject]:
        """Each record a document and file of its own, named by its key, written when the schema takes it."""
        rejects = []
        for text, key, file, line in zip(rendered.texts, rendered.keys, rendered.files, rendered.lines, strict=True):
            body = (_DECLARATION + text).encode("utf-8")
            problem = self._problem(body)
            if problem is not None:
                rejects.append(Reject(file, line, key, None, None, problem[0], root, {"detail": problem[1]}))
                continue
            path = self._free(root, key)
            path.write_bytes(body)
            self.files.append(path)
        return rejects

    def _free(self, root: str, key: str) -> Path:
        """A temp path for the document of record `key` that no other document of the run has."""
        name = _UNSAFE.sub("_", key)[:80] or "_"
        if len(self.layout.roots) > 1:
            name = f"{root}_{name}"
        path, n = self.path(name), 1
        while path in self.files or path.exists():
            n += 1
            path = self.path(f"{name}_{n}")
        return path

    def _written(self, head: bytes, tail: bytes, out: IO[bytes], rendered: Rendered, root: str) -> list[Reject]:
        """The records that are valid between `head` and `tail` written to `out`; the others refused."""
        rejects: list[Reject] = []
        for group in _groups(rendered.texts, VALIDATED_TOGETHER):
            body = "".join(rendered.texts[group.start:group.stop]).encode("utf-8")
            if self._problem(head + body + tail) is None:
                out.write(body)
                continue
            good = []
            for i in group:
                text = rendered.texts[i].encode("utf-8")
                problem = self._problem(head + text + tail)
                if problem is None:
                    good.append(text)
                else:
                    rejects.append(Reject(rendered.files[i], rendered.lines[i], rendered.keys[i], None, None,
                                          problem[0], root, {"detail": problem[1]}))
            out.write(b"".join(good))
        return rejects

    def _problem(self, whole: bytes) -> tuple[str, str] | None:
        """None when the document `whole` is valid, else the first problem: its code and the validator's words."""
        try:
            doc = etree.fromstring(whole)
        except etree.XMLSyntaxError as exc:
            return "xml-not-well-formed", str(exc.msg)
        if self.schema.validate(doc):
            return None
        error = self.schema.error_log.last_error
        return "xml-schema", str(error.message) if error else ""

    def close(self) -> list[Path]:
        if self.form.per_record and self.tree:
            return list(self.files)
        if self.tree:
            return self._close_shared()
        for root in self.layout.roots:  # an empty run still gets its (empty) documents
            self._document(root)
        for doc in self.documents.values():
            doc.file.write(doc.tail)
            doc.file.close()
        return [doc.path for doc in self.documents.values()]


    def _close_shared(self) -> list[Path]:
        """Each shared document (roots of one `document` path, in `order`): its frame around the records.

        A document without records is not written: a standard's update must hold one (T_UPDATE_PRODUCTS).
        """
        documents: dict[str, list[str]] = {}
        for root in self.form.order:
            documents.setdefault(self.form.records[root].document, []).append(root)
        paths = []
        for roots in documents.values():
            filled = [root for root in roots if self.parts[root].tell()]
            if filled:
                path = self.path(roots[0] if len(documents) > 1 else None)
                pieces = self._frame(filled)
                with path.open("wb") as file:
                    file.write(pieces[0].encode("utf-8"))
                    for root, piece in zip(filled, pieces[1:], strict=True):
                        self.parts[root].seek(0)
                        file.write(self.parts[root].read() + piece.encode("utf-8"))
                paths.append(path)
            for root in roots:
                self.parts[root].close()
        return paths


class _Document:
    """One XML file being written: its path, and its head and tail as UTF-8."""

    def __init__(self, path: Path, head: str, tail: str) -> None:
        self.path, self.head, self.tail = path, head.encode("utf-8"), tail.encode("utf-8")
        self.file = path.open("wb")
        self.file.write(self.head)


_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")


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
