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
    """A child record type as XML: its element (`.`: its fields straight into the wrapper) and an optional
    wrapper around all of them, placed before the element path `before` of its parent's."""

    name: str
    element: str
    wrapper: str | None
    before: str | None = None


@dataclass(frozen=True)
class RecordForm:
    """A root record type as XML."""

    name: str
    document: str  # the document element, or a path from it to the records' place (BMECAT/T_NEW_CATALOG)
    element: str
    fields: str | None
    children: list[ChildForm] = field(default_factory=list)
    wrapper: str | None = None  # around all its records in a shared document (xml paths only)
    head: list[XmlItem] = field(default_factory=list)  # the wrapper's fixed items, before the records


@dataclass(frozen=True)
class XmlForm:
    """Every name the generic template and the XSD need."""

    namespace: str
    attributes: dict[str, str]
    records: dict[str, RecordForm]
    namespaces: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    per_record: bool = False
    paths: bool = False  # fields name their place (`xml:`): rendered as a tree (xml_tree.py)
    head: list[XmlItem] = field(default_factory=list)  # a shared document's fixed items (xml paths only)
    order: list[str] = field(default_factory=list)  # root record types in their shared documents


def xml_form(layout: TargetLayout) -> XmlForm:
    """The layout's XML names with their defaults filled in."""
    spec = layout.xml
    namespace = spec.namespace or f"urn:hhg-sage-etl:{layout.system}:{layout.flow}:1"
    records = {}
    for root in layout.roots:
        own = spec.records.get(root) or XmlRecord()
        children = []
        for child in layout.children(root):
            names = spec.records.get(child) or XmlRecord()
            children.append(ChildForm(child, names.element or child, names.wrapper, names.before))
        records[root] = RecordForm(root, own.document or spec.root, own.element or root, own.fields, children,
                                   own.wrapper, list(own.head))
    paths = any(f.xml for rec in layout.records.values() for f in rec.fields)
    order = list(spec.order) + [root for root in layout.roots if root not in spec.order]
    return XmlForm(namespace, dict(spec.attributes), records, dict(spec.namespaces), dict(spec.fixed),
                   spec.per_record, paths, list(spec.head), order)
