"""The XML structure of a target layout, resolved: document, record and wrapper element names.

The generic template (`templates/layout.xml.j2`) and the XSD generator (`xsd.py`) both read this,
so a document's shape is named once, in the layout's `xml:` section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from etl.transform.layout import TargetLayout
from etl.transform.layout_forms import XmlItem, XmlRecord


@dataclass(frozen=True)
class ChildForm:
    """A child record type as XML: its element and an optional wrapper around all of them."""

    name: str
    element: str
    wrapper: str | None
    after: str | None = None  # the root's field its records follow (element paths only)


@dataclass(frozen=True)
class RecordForm:
    """A root record type as XML."""

    name: str
    document: str
    element: str
    fields: str | None
    children: list[ChildForm] = field(default_factory=list)
    wrapper: str | None = None  # around all its records in the document (element paths only)
    head: list[XmlItem] = field(default_factory=list)


@dataclass(frozen=True)
class XmlForm:
    """Every name the generic template and the XSD need."""

    namespace: str
    attributes: dict[str, str]
    records: dict[str, RecordForm]
    head: list[XmlItem] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # root record types in their shared documents
    nested: bool = False  # element paths: rendered by xml_tree.py, not by the generic template


def xml_form(layout: TargetLayout) -> XmlForm:
    """The layout's XML names with their defaults filled in."""
    spec = layout.xml
    namespace = spec.namespace or f"urn:hhg-sage-etl:{layout.system}:{layout.flow}:1"
    records = {}
    for root in layout.roots:
        own = spec.records.get(root) or XmlRecord()
        children = [_child(child, spec.records.get(child) or XmlRecord()) for child in layout.children(root)]
        records[root] = RecordForm(root, own.document or spec.root, own.element or root, own.fields, children,
                                   own.wrapper, list(own.head))
    nested = bool(spec.head or spec.order or "/" in spec.root or any(
        "/" in f.name or "@" in f.name for rec in layout.records.values() for f in rec.fields))
    return XmlForm(namespace, dict(spec.attributes), records, list(spec.head), list(spec.order), nested)


def _child(name: str, names: XmlRecord) -> ChildForm:
    return ChildForm(name, names.element or name, names.wrapper, names.after)
