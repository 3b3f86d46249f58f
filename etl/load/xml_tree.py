"""XML of a layout whose names are element paths: a standard's document (BMEcat, openTRANS) as a layout.

A field named `PRODUCT_DETAILS/MANUFACTURER_NAME` is an element inside an element; `SUPPLIER_PID/@type`
(or `@mode`, the record's own element) an attribute. The items of a record are placed in layout order:
a path's leading elements are shared with the element written just before when it has that name (so
consecutive fields fill one `PRODUCT_DETAILS`), its last element is new. A child record type's records
go after the root field its `after` names, each in an element of its own (`element`, inside `wrapper`,
shared); with `element: .` its fields go straight into the wrapper. An element without a value in it is
left out with its attributes: a field that is empty writes nothing. Values arrive XML-escaped (`nest`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from etl.load.nested import Entry, nest
from etl.load.xml_form import ChildForm, RecordForm, XmlForm
from etl.load.xml_rows import Rendered
from etl.shared.records import Mapped
from etl.transform.layout import TargetLayout
from etl.transform.layout_forms import XmlItem

_PLAIN = {'"': "&#34;", "'": "&#39;"}


@dataclass
class Node:
    """One element being built: its attributes (XML-escaped), its text (XML-escaped) or its elements."""

    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    children: list[Node] = field(default_factory=list)

    def last(self, name: str) -> Node | None:
        """The element written last inside this one, if it has that name."""
        return self.children[-1] if self.children and self.children[-1].name == name else None

    def add(self, name: str) -> Node:
        """A new element inside this one."""
        self.children.append(Node(name))
        return self.children[-1]

    def filled(self) -> bool:
        """Whether the element holds a value (its own text, or an element that holds one)."""
        return self.text is not None or any(child.filled() for child in self.children)

    def xml(self, pad: str) -> str:
        """The element as text on lines of its own under `pad` ('' when it holds no value)."""
        if not self.filled():
            return ""
        start = pad + "<" + self.name + "".join(f' {k}="{v}"' for k, v in self.attributes.items())
        if self.text is not None:
            return f"\n{start}>{self.text}</{self.name}>"
        return f"\n{start}>" + "".join(c.xml(pad + "  ") for c in self.children) + f"\n{pad}</{self.name}>"


class Placer:
    """Places the items of one record under `top`; an element made for this record may take more of it."""

    def __init__(self, top: Node) -> None:
        self.top = top
        self.own: set[int] = set()  # ids of the elements made for this record

    def _inside(self, steps: list[str]) -> Node:
        node = self.top
        for step in steps:
            node = node.last(step) or self._new(node, step)
        return node

    def _new(self, node: Node, name: str) -> Node:
        made = node.add(name)
        self.own.add(id(made))
        return made

    def put(self, path: str, value: str | None) -> None:
        """The value at `path` (an element's text or an attribute); nothing when it is None."""
        if value is None:
            return
        # A parser turns a line end in text into \n and any white space in an attribute into a blank: kept
        # as character references, the value reads back as it was written.
        value = value.replace("\r", "&#13;")
        *steps, leaf = path.split("/")
        if leaf.startswith("@"):
            value = value.replace("\n", "&#10;").replace("\t", "&#9;")
            node = self.top
            if steps:
                parent = self._inside(steps[:-1])
                owner = parent.last(steps[-1])
                node = owner if owner is not None and id(owner) in self.own else self._new(parent, steps[-1])
            node.attributes[leaf[1:]] = value
            return
        parent = self._inside(steps)
        reuse = parent.last(leaf)  # an element this record made for its attributes, still without a value
        if reuse is None or id(reuse) not in self.own or reuse.filled():
            reuse = self._new(parent, leaf)
        reuse.text = value

    def open(self, path: str) -> Node:
        """A new element at `path` (its leading elements shared), or the wrapper itself for `.`."""
        *steps, leaf = path.split("/")
        parent = self._inside(steps)
        return parent if leaf == "." else self._new(parent, leaf)


def _item_value(item: XmlItem, meta: dict[str, str]) -> str | None:
    value = meta.get(item.meta) if item.meta else item.value
    return None if value is None else escape(str(value), _PLAIN)


def place_items(top: Node, items: list[XmlItem], meta: dict[str, str]) -> None:
    """A layout's fixed items (head) under `top`."""
    placer = Placer(top)
    for item in items:
        placer.put(item.name, _item_value(item, meta))


def _children(layout: TargetLayout, kind: ChildForm, rows: list[dict[str, str]], under: Node) -> None:
    path = f"{kind.wrapper}/{kind.element}" if kind.wrapper else kind.element
    fields = [f.name for f in layout.records[kind.name].fields]
    for row in rows:
        placer = Placer(under)
        target = placer.open(path)
        placer = Placer(target)
        for name in fields:
            placer.put(name, row.get(name))


def record_xml(layout: TargetLayout, form: RecordForm, entry: Entry, pad: str) -> str:
    """One root record with its children as text."""
    top = Node("")
    element = Placer(top).open(form.element)
    placer = Placer(element)
    after: dict[str | None, list[ChildForm]] = {}
    for kind in form.children:
        after.setdefault(kind.after, []).append(kind)
    for f in layout.records[entry.type].fields:
        placer.put(f.name, entry.fields.get(f.name))
        for kind in after.get(f.name, []):
            _children(layout, kind, entry.children[kind.name], element)
    for kind in after.get(None, []):
        _children(layout, kind, entry.children[kind.name], element)
    return "".join(child.xml(pad) for child in top.children) or f"\n{pad}<{form.element.split('/')[0]}/>"


def render_tree(layout: TargetLayout, form: XmlForm, mapped: Mapped, root: str) -> Rendered:
    """The root records of `root` in `mapped` as text, with what a refusal names."""
    entries = nest(layout, mapped, native=False, root=root, escape=True)
    pad = "  " * (len(document_steps(form, root)) + (1 if form.records[root].wrapper else 0))
    return Rendered([record_xml(layout, form.records[root], e, pad) for e in entries], [e.key for e in entries],
                    [e.file for e in entries], [e.line for e in entries])


def document_steps(form: XmlForm, root: str) -> list[str]:
    """The elements around a root's records: the document element and the ones inside it."""
    return form.records[root].document.split("/")


def frame(form: XmlForm, root: str, meta: dict[str, str]) -> tuple[str, str]:
    """The document's text before and after the records: declaration, document element, head items."""
    first, *inner = document_steps(form, root)
    top = Node(first, {"xmlns": escape(form.namespace, _PLAIN)})
    top.attributes |= {name: escape(meta[key], _PLAIN) for name, key in form.attributes.items()}
    # Items on the elements inside the document element (T_UPDATE_PRICES/@prev_version) are their attributes,
    # in the documents that have them; the others are the head.
    inner_names = {step for r in form.records.values() for step in r.document.split("/")[1:]}
    place_items(top, [item for item in form.head if item.name.split("/")[0] not in inner_names], meta)
    start = f"<{first}" + "".join(f' {k}="{v}"' for k, v in top.attributes.items()) + ">"
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + start + "".join(c.xml("  ") for c in top.children)
    tail = f"\n</{first}>\n"
    for depth, step in enumerate(inner, start=1):
        prefix = "/".join(inner[:depth]) + "/@"
        attributes = "".join(f' {item.name.removeprefix(prefix)}="{_item_value(item, meta)}"' for item in form.head
                             if item.name.startswith(prefix) and "/" not in item.name.removeprefix(prefix))
        head += f"\n{'  ' * depth}<{step}{attributes}>"
        tail = f"\n{'  ' * depth}</{step}>" + tail
    return head, tail


def wrapper(form: XmlForm, root: str, meta: dict[str, str]) -> tuple[str, str]:
    """The text around all records of `root` in its document ('' without a wrapper)."""
    r = form.records[root]
    if not r.wrapper:
        return "", ""
    pad = "  " * len(document_steps(form, root))
    top = Node(r.wrapper)
    place_items(top, r.head, meta)
    return f"\n{pad}<{r.wrapper}>" + "".join(c.xml(pad + "  ") for c in top.children), f"\n{pad}</{r.wrapper}>"
