"""The XML structure of a target layout, resolved: document, record and wrapper element names.

The generic template (`templates/layout.xml.j2`) and the XSD generator (`xsd.py`) both read this,
so a document's shape is named once, in the layout's `xml:` section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from etl.transform.layout import TargetLayout


@dataclass(frozen=True)
class ChildForm:
    """A child record type as XML: its element and an optional wrapper around all of them."""

    name: str
    element: str
    wrapper: str | None
    before: str | None = None


@dataclass(frozen=True)
class RecordForm:
    """A root record type as XML."""

    name: str
    document: str
    element: str
    fields: str | None
    children: list[ChildForm] = field(default_factory=list)


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


def xml_form(layout: TargetLayout) -> XmlForm:
    """The layout's XML names with their defaults filled in."""
    spec = layout.xml
    namespace = spec.namespace or f"urn:hhg-sage-etl:{layout.system}:{layout.flow}:1"
    records = {}
    for root in layout.roots:
        own = spec.records.get(root)
        children = []
        for child in layout.children(root):
            names = spec.records.get(child)
            children.append(ChildForm(child, (names and names.element) or child, names.wrapper if names else None,
                                      names.before if names else None))
        records[root] = RecordForm(root, (own and own.document) or spec.root, (own and own.element) or root,
                                   own.fields if own else None, children)
    paths = any(f.xml for rec in layout.records.values() for f in rec.fields)
    return XmlForm(namespace, dict(spec.attributes), records, dict(spec.namespaces), dict(spec.fixed),
                   spec.per_record, paths)
