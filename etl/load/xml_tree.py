"""Records as XML trees: each field at the path its layout names (`xml:` of a field, e.g. openTRANS's
`ORDER_HEADER/ORDER_INFO/PARTIES/PARTY[2]/ADDRESS/bmecat:NAME`), for documents a flat record cannot spell.

Paths that share steps share elements, in the order the layout first names them (a field without a
value too: its element keeps its place); `[n]` tells repeated siblings apart (three PARTY elements of
one order); `@name` as the last step is an attribute of its element. An element without a value below
it is left out (an attribute alone keeps nothing), so an empty field leaves no empty element behind.
Child records go at their `wrapper` path, before the element path their `before` names, each in an
`element` of its own, or with `element: .` straight into the wrapper (each record's elements its own:
BMEcat's texts per language). Values arrive XML-escaped (`nest(..., escape=True)`).

A document of all records (`frame`) is a tree too: the document element with the layout's fixed `head`
items, then each root record type's place (its `document` path below the document element, and its
`wrapper` led by its `head` items) in `order`; the records are written into those places.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from etl.load.nested import Entry
from etl.load.xml_form import ChildForm, XmlForm
from etl.load.xml_rows import Rendered
from etl.transform.layout import TargetField, TargetLayout
from etl.transform.layout_forms import XmlItem

# A parser turns a line end in text into \n and any white space in an attribute into a blank: written as
# character references, a value reads back as it was written.
_TEXT_REFS = str.maketrans({"\r": "&#13;"})
_ATTR_REFS = str.maketrans({"\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})
_MARK = "\x00"  # around a root record type's place in a document's frame


class _Node:
    """One element: its attributes, its text or its child elements (by path step, in order)."""

    __slots__ = ("attrs", "kids", "tag", "text")

    def __init__(self, tag: str | None) -> None:
        self.tag = tag  # None: a place for records (its text is the mark)
        self.attrs: dict[str, str] = {}
        self.kids: list[tuple[str, _Node]] = []
        self.text: str | None = None

    def step(self, step: str, before: str | None = None) -> _Node:
        """The child element of path step `step`, made (before the child `before`, else last) if new."""
        for key, node in self.kids:
            if key == step:
                return node
        node = _Node(step.partition("[")[0])
        at = next((i for i, (key, _) in enumerate(self.kids) if key == before), len(self.kids))
        self.kids.insert(at, (step, node))
        return node

    def text_at(self, pad: str) -> str:
        """The element as indented text, or '' when nothing below it has a value."""
        if self.tag is None:
            return self.text or ""
        inner = "".join(node.text_at(pad + "  ") for _, node in self.kids)
        if not inner and self.text is None:
            return ""
        attrs = "".join(f" {name}={value}" for name, value in self.attrs.items())
        body = (self.text or "") + (inner + f"\n{pad}" if inner else "")
        return f"\n{pad}<{self.tag}{attrs}>{body}</{self.tag}>"


def render_tree(layout: TargetLayout, form: XmlForm, entries: list[Entry], root: str,
                attributes: dict[str, str] | None = None) -> Rendered:
    """Each entry of `root` as its element's text; a document element when `form.per_record`.

    `attributes` (name -> plain text) go on a document element, with the layout's namespaces.
    """
    r = form.records[root]
    fields = layout.records[root].fields
    head = _document_attributes(form, attributes) if form.per_record else {}
    depth = 0 if form.per_record else len(r.document.split("/")) + len(r.wrapper.split("/") if r.wrapper else [])
    texts = []
    for entry in entries:
        element = _Node(r.element)
        element.attrs.update(head)
        _fill(element, "", None, fields, entry.fields)
        for kind in r.children:
            child_fields = layout.records[kind.name].fields
            for i, child in enumerate(entry.children[kind.name]):
                _fill(*_child_place(element, kind, i), child_fields, child)
        text = element.text_at("  " * depth)
        texts.append(text.removeprefix("\n") + "\n" if form.per_record else text)
    return Rendered(texts, [e.key for e in entries], [e.file for e in entries], [e.line for e in entries])


def frame(form: XmlForm, roots: list[str], meta: dict[str, str], attributes: dict[str, str]) -> list[str]:
    """The text of the document of `roots` around their records: one piece more than `roots`, in `order`.

    `meta` gives the head items' run values (created, run_id, root); `attributes` the document element's.
    """
    first = form.records[roots[0]].document.split("/")[0]
    top = _Node(first)
    top.attrs = _document_attributes(form, attributes)
    _items(top, form.head, meta)
    ranked = sorted(roots, key=form.order.index)
    for root in ranked:
        r = form.records[root]
        at = top
        for step in r.document.split("/")[1:]:
            at = at.step(step)
        if r.wrapper:
            for step in r.wrapper.split("/"):
                at = at.step(step)
            _items(at, r.head, meta)
        place = at.step(f"[#{root}]")
        place.tag, place.text = None, _MARK
    text = top.text_at("").removeprefix("\n")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").split(_MARK)


def _document_attributes(form: XmlForm, attributes: dict[str, str] | None) -> dict[str, str]:
    """The document element's attributes, quoted: namespaces, fixed ones, `attributes` (plain text)."""
    head = {"xmlns": quoteattr(form.namespace)}
    head |= {f"xmlns:{prefix}": quoteattr(uri) for prefix, uri in form.namespaces.items()}
    return head | {name: quoteattr(value) for name, value in {**form.fixed, **(attributes or {})}.items()}


def _child_place(element: _Node, kind: ChildForm, i: int) -> tuple[_Node, str, str | None]:
    """The element record `i` of child type `kind` fills; with `element: .` the mark that makes its first
    steps its own, and the sibling they go before.

    Each step goes before the sibling `before` names at its depth, while the steps so far are its path.
    """
    before = kind.before.split("/") if kind.before else []
    at, path = element, list[str]()
    for step in kind.wrapper.split("/") if kind.wrapper else []:
        at = at.step(step, _before(before, path))
        path.append(step)
    if kind.element == ".":
        return at, f"[#{kind.name}#{i}]", _before(before, path)
    return at.step(f"{kind.element}[#{kind.name}#{i}]", _before(before, path)), "", None


def _before(before: list[str], path: list[str]) -> str | None:
    return before[len(path)] if len(before) > len(path) and before[:len(path)] == path else None


def _fill(element: _Node, own: str, before: str | None, fields: list[TargetField], values: dict[str, object]) -> None:
    """Each value of `values` at its field's path below `element` (`own`, `before`: see `_put`)."""
    for spec in fields:
        _put(element, spec.xml or spec.name, values.get(spec.name), own, before)


def _put(element: _Node, path: str, value: object, own: str = "", before: str | None = None) -> None:
    """`value` (XML-escaped; None: the elements only) at `path` below `element`; the first step marked
    `own` (a record's own element) and, if new, made before the sibling `before`."""
    *steps, last = path.split("/")
    if not last.startswith("@"):
        steps.append(last)
    node = element
    for n, step in enumerate(steps):
        node = node.step(step + own, before) if n == 0 else node.step(step)
    if value is None:
        return
    if last.startswith("@"):
        node.attrs[last[1:]] = f'"{str(value).translate(_ATTR_REFS)}"'
    else:
        node.text = str(value).translate(_TEXT_REFS)


def _items(node: _Node, items: list[XmlItem], meta: dict[str, str]) -> None:
    """A layout's fixed items below `node`, their values (plain text) escaped."""
    for item in items:
        value = meta.get(item.meta) if item.meta else item.value
        _put(node, item.xml, None if value is None else escape(value, {'"': "&#34;", "'": "&#39;"}))
