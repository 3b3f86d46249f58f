"""Records as XML trees: each field at the path its layout names (`xml:` of a field, e.g. openTRANS's
`ORDER_HEADER/ORDER_INFO/PARTIES/PARTY[2]/ADDRESS/bmecat:NAME`), for documents a flat record cannot spell.

Paths that share steps share elements, in the order the layout first names them; `[n]` tells repeated
siblings apart (three PARTY elements of one order); `@name` as the last step is an attribute of its
element. An element without a value below it is left out (an attribute alone keeps nothing), so an
empty field leaves no empty element behind. Child records go at their `wrapper` path, before the
element their `before` names. Values arrive XML-escaped (`nest(..., escape=True)`).
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from etl.load.nested import Entry
from etl.load.xml_form import XmlForm
from etl.load.xml_rows import Rendered
from etl.transform.layout import TargetField, TargetLayout


class _Node:
    """One element: its attributes, its text or its child elements (by path step, in order)."""

    __slots__ = ("attrs", "kids", "tag", "text")

    def __init__(self, tag: str) -> None:
        self.tag = tag
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
    head: dict[str, str] = {}
    if form.per_record:
        head = {"xmlns": quoteattr(form.namespace)}
        head |= {f"xmlns:{prefix}": quoteattr(uri) for prefix, uri in form.namespaces.items()}
        head |= {name: quoteattr(value) for name, value in {**form.fixed, **(attributes or {})}.items()}
    pad = "" if form.per_record else "  "
    texts = []
    for entry in entries:
        element = _Node(r.element)
        element.attrs.update(head)
        _fill(element, fields, entry.fields)
        for kind in r.children:
            child_fields = layout.records[kind.name].fields
            for i, child in enumerate(entry.children[kind.name]):
                at = element
                for n, step in enumerate(kind.wrapper.split("/") if kind.wrapper else []):
                    at = at.step(step, kind.before if n == 0 else None)
                node = at.step(f"{kind.element}[#{i}]", None if kind.wrapper else kind.before)
                _fill(node, child_fields, child)
        texts.append(element.text_at(pad).removeprefix("\n") + "\n")
    return Rendered(texts, [e.key for e in entries], [e.file for e in entries], [e.line for e in entries])


def _fill(element: _Node, fields: list[TargetField], values: dict[str, object]) -> None:
    """Each value of `values` at its field's path below `element`."""
    for spec in fields:
        value = values.get(spec.name)
        if value is None:
            continue
        *steps, last = (spec.xml or spec.name).split("/")
        node = element
        for step in steps:
            node = node.step(step)
        if last.startswith("@"):
            node.attrs[last[1:]] = f'"{value}"'
        else:
            node.step(last).text = str(value)
