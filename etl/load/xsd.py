"""The XSD of a target layout's XML import file, generated from the layout and its `xml:` names."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from etl.load.field_kinds import FieldKind, field_kinds
from etl.load.xml_form import RecordForm, XmlForm, xml_form
from etl.transform.layout import TargetLayout

_BUILTIN = {"int": "xs:integer", "bool": "xs:boolean", "date": "xs:date", "datetime": "xs:dateTime"}
_ATTRIBUTE = {"created": "xs:dateTime", "run_id": "xs:string", "root": "xs:string"}


def xsd_text(layout: TargetLayout) -> str:
    """The XSD as text: simple types, one element per document, one complex type per record type."""
    form = xml_form(layout)
    kinds = field_kinds(layout)
    simple: dict[str, str] = {}
    types = [_record_type(layout, form.records.get(name), name, kinds[name], simple) for name in layout.records]
    ns = quoteattr(form.namespace)
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- {layout.description or layout.flow} (XML), generated from mappings/{layout.system}/"
        f"{layout.flow}.yaml by `etl layout build`: change the layout, not this file. -->",
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns={ns}',
        f'           targetNamespace={ns} elementFormDefault="qualified">',
    ]
    body = [simple[name] for name in sorted(simple)] + _documents(form) + types
    return "\n".join([*head, *body, "</xs:schema>", ""])


def _documents(form: XmlForm) -> list[str]:
    documents: dict[str, list[RecordForm]] = {}
    for record in form.records.values():
        documents.setdefault(record.document, []).append(record)
    out = []
    for document, records in documents.items():
        group = "xs:sequence" if len(records) == 1 else 'xs:choice minOccurs="0" maxOccurs="unbounded"'
        occurs = ' minOccurs="0" maxOccurs="unbounded"' if len(records) == 1 else ""
        out += [f'  <xs:element name="{document}">', "    <xs:complexType>", f"      <{group}>"]
        out += [f'        <xs:element name="{r.element}" type="{r.name}"{occurs}/>' for r in records]
        out += [f"      </{group.split()[0]}>"]
        out += [f'      <xs:attribute name="{name}" type="{_ATTRIBUTE[key]}" use="required"/>'
                for name, key in form.attributes.items()]
        out += ["    </xs:complexType>", "  </xs:element>"]
    return out


def _record_type(layout: TargetLayout, form: RecordForm | None, name: str, fields: list[FieldKind],
                 simple: dict[str, str]) -> str:
    own = [_element(f, simple) for f in fields]
    if form is not None and form.fields:
        own = [f'<xs:element name="{form.fields}"><xs:complexType><xs:sequence>', *[f"  {e}" for e in own],
               "</xs:sequence></xs:complexType></xs:element>"]
    for child in form.children if form else []:
        many = f'<xs:element name="{child.element}" type="{child.name}" minOccurs="0" maxOccurs="unbounded"/>'
        own += [f'<xs:element name="{child.wrapper}"><xs:complexType><xs:sequence>', f"  {many}",
                "</xs:sequence></xs:complexType></xs:element>"] if child.wrapper else [many]
    lines = [f'  <xs:complexType name="{name}">', "    <xs:sequence>", *[f"      {e}" for e in own],
             "    </xs:sequence>", "  </xs:complexType>"]
    return "\n".join(lines)


def _element(f: FieldKind, simple: dict[str, str]) -> str:
    optional = "" if f.required else ' minOccurs="0"'
    return f'<xs:element name="{f.name}" type="{_simple_type(f, simple)}"{optional}/>'


def _simple_type(f: FieldKind, simple: dict[str, str]) -> str:
    """The name of the field's simple type, declared in `simple` the first time it is used."""
    if f.kind in _BUILTIN:
        return _BUILTIN[f.kind]
    if f.kind == "decimal":
        name, facets = f"Decimal{f.places}", [f'<xs:fractionDigits value="{f.places}"/>']
        base = "xs:decimal"
    else:
        base = "xs:string"
        facets = ['<xs:minLength value="1"/>']
        name = "Text"
        if f.max_length:
            name += str(f.max_length)
            facets.append(f'<xs:maxLength value="{f.max_length}"/>')
        if f.allowed is not None:
            name = f"{f.name}_values" + (str(f.max_length) if f.max_length else "")
            facets += [f"<xs:enumeration value={quoteattr(v)}/>" for v in f.allowed]
    while True:  # two fields of one name with different value maps get two types
        text = (f'  <xs:simpleType name="{name}"><xs:restriction base="{base}">{"".join(facets)}'
                "</xs:restriction></xs:simpleType>")
        if simple.setdefault(name, text) == text:
            return name
        name += "_"
