"""Parts of a target layout that say how its files are built: text dialect, XML names, file shape, stores.

Kept apart from `layout.py` so that the one place a consultant edits (the layout YAML) can name the
XML structure and the csv/txt file shape; the XSD, the JSON Schema and the XML all follow from it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from etl.config.customer_numbers import NumberRange
from etl.config.storefronts import store_ids_as_text
from etl.shared.model import ENTITIES, TYPES, field_type
from etl.shared.strict import Strict

_XML_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


class Dialect(Strict):
    """How a text file is spelled: encoding, separators, number and date forms."""

    encoding: str = "cp1252"
    delimiter: str = ";"
    quoting: Literal["needed", "all", "none"] = "needed"
    line_ending: str = "\r\n"
    decimal: str = ","
    date_format: str = "%d.%m.%Y"
    datetime_format: str = "%d.%m.%Y %H:%M:%S"
    true: str = "1"
    false: str = "0"
    header: bool = True
    fixed_width: bool = False
    unencodable: Literal["transliterate", "reject"] = "transliterate"
    line_breaks: str | None = " "  # what a line break inside a value becomes; null keeps it (quoted)


class XmlItem(Strict):
    """A fixed part of a document: an element (or `@attribute`) at its XML path, with a value or a run's meta value."""

    xml: str
    value: str | None = None
    meta: Literal["created", "run_id", "root"] | None = None


class XmlRecord(Strict):
    """The XML names of one record type.

    `element` is the record's element; for a root record type, `document` is the document element
    (default: `xml.root`) and `fields` wraps its own fields in an element of that name (e.g. Kopf);
    for a child record type, `wrapper` wraps all its records in an element of that name (Positionen).
    With xml paths (xml_tree.py): a child's `before` is the path of the element of its parent its records
    go before (`PRODUCT_DETAILS/INTERNATIONAL_PID`: inside the wrapper PRODUCT_DETAILS); a child `element`
    of `.` puts its fields straight into its wrapper (or its parent's element), each record's own; a
    root's `wrapper` wraps all its records in a shared document, led by its `head` items.
    """

    element: str | None = None
    document: str | None = None
    fields: str | None = None
    wrapper: str | None = None  # may be a path (`A/B`) when the fields give theirs (`xml:` of a field)
    before: str | None = None  # a child's records go before this element of its parent's (default: after all)
    head: list[XmlItem] = []  # fixed items a root's `wrapper` starts with (a shared document)


class XmlSpec(Strict):
    """How the layout's records are spelled as XML; everything has a default.

    Without names the document is `<table name="…">` with one element per record named after its
    record type, in the namespace `urn:hhg-sage-etl:<system>:<flow>:1`.
    """

    template: str | None = None  # a Jinja template of one's own instead of the generic layout.xml.j2
    schema_file: str | None = Field(default=None, alias="schema")  # a hand-kept XSD instead of the generated
    namespace: str | None = None
    root: str = "table"
    # attribute name -> what it holds: created (time), run_id, root (the record type of the document)
    attributes: dict[str, Literal["created", "run_id", "root"]] = {"name": "root", "created": "created",
                                                                  "run": "run_id"}
    records: dict[str, XmlRecord] = {}
    description: str = ""
    namespaces: dict[str, str] = {}  # prefix -> namespace URI, declared on the document element
    fixed: dict[str, str] = {}  # attributes of the document element with a fixed value (version="2.1")
    # One document (and file) per root record, its element the document element: a standard's
    # document per order or invoice (openTRANS), instead of one document of all records per run.
    per_record: bool = False
    # A document of all records (not per_record) with xml paths: the fixed items before the records (paths
    # under the document element: HEADER/CATALOG/CATALOG_ID, T_UPDATE_PRICES/@prev_version), and the order of
    # the root record types that share it (same `document`, or `root`; a path: BMECAT/T_NEW_CATALOG).
    head: list[XmlItem] = []
    order: list[str] = []


ShapeKind = Literal["linked", "records", "flat"]


class Shape(Strict):
    """The shape of csv and txt files (xml and json always nest children in their root record).

    - `linked`: a file per record type, linked by the key column (the default);
    - `records`: one file, a line per record led by a type column (`type_column`, value per record
      type in `types`), each root record followed by its children;
    - `flat`: one file, a line per child record with its root record's fields repeated before it
      (a field of the child named like one of the root is written once).
    Fixed width is the dialect's `fixed_width` (txt) and combines with every shape.
    """

    kind: ShapeKind = "linked"
    type_column: str = "Satzart"
    types: dict[str, str] = {}

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"kind": value} if isinstance(value, str) else value


class StoreOverride(Strict):
    """What differs for the orders of one store: field defaults, value maps, numbers, folder, layout."""

    name: str | None = None
    outbox: str | None = None  # a subfolder of the flow's outbox folder
    layout: str | None = None  # another target layout file (a variant), found like any mapping
    fields: dict[str, Any] = {}  # target field name -> its value for this store (replaces from/compute)
    defaults: dict[str, Any] = {}  # target field name -> default where the value is empty
    value_maps: dict[str, dict[str, Any]] = {}  # entries merged over the layout's maps
    customer_numbers: NumberRange | None = None  # the store's ERP customer number range (keys over the main one)

    @property
    def routes_files(self) -> bool:
        """True when the store's files differ from the others' (folder, layout or values)."""
        return bool(self.outbox or self.layout or self.fields or self.defaults or self.value_maps)


LayoutStores = Annotated[dict[str, StoreOverride], BeforeValidator(store_ids_as_text)]


def form_problems(records: dict[str, Any], xml: XmlSpec, shape: Shape, stores: dict[str, StoreOverride]
                  ) -> list[str]:
    """Names in `xml`, `shape` and `stores` that do not fit the layout's record types and fields."""
    problems = [f"xml.records.{name}: no record type '{name}'" for name in xml.records if name not in records]
    problems += [f"shape.types.{name}: no record type '{name}'" for name in shape.types if name not in records]
    problems += [f"xml.order: no record type '{name}'" for name in xml.order if name not in records]
    problems += [f"xml.head[{i}].xml: {p}" for i, item in enumerate(xml.head) for p in path_problems(item.xml)]
    problems += [f"xml.records.{name}.head[{i}].xml: {p}" for name, names in xml.records.items()
                 for i, item in enumerate(names.head) for p in path_problems(item.xml)]
    roots = [name for name, rec in records.items() if rec.parent is None]
    if shape.kind == "flat" and any(len([c for c, r in records.items() if r.parent == root]) > 1
                                    for root in roots):
        problems.append("shape: flat takes one child record type per root (write the others linked)")
    fields = {f.name for rec in records.values() for f in rec.fields}
    if not xml.schema_file and (xml.per_record or any(f.xml for rec in records.values() for f in rec.fields)):
        problems.append("xml: fields with xml paths and a document per record need the document's schema "
                        "(xml.schema): the generated one follows the records, not the paths")
    for store, override in stores.items():
        problems += [f"stores.{store}.{part}.{name}: no field '{name}' in the records"
                     for part in ("fields", "defaults") for name in getattr(override, part) if name not in fields]
    return problems


_PATH_STEP = re.compile(r"^(?:[A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*(?:\[[1-9]\d*\])?$")


def path_problems(path: str) -> list[str]:
    """What is wrong with a field's XML path: steps are (prefixed) element names, `[n]` tells repeated
    siblings apart, and only the last step may be an attribute (`@type`)."""
    steps = path.split("/")
    problems = [f"'{step}' is not an XML element name" for step in steps[:-1] if not _PATH_STEP.match(step)]
    last = steps[-1]
    if not (_PATH_STEP.match(last) or (last.startswith("@") and _XML_NAME.match(last[1:]))):
        problems.append(f"'{last}' is neither an element nor an attribute (@name)")
    return problems


def record_problems(rname: str, rec: Any, value_maps: dict[str, Any]) -> list[str]:
    """What is wrong with the record type `rname`: its entity, key, and its fields' names and origins."""
    from etl.transform.compute import COMPUTED

    if rec.entity not in ENTITIES:
        return [f"records.{rname}.entity: unknown entity '{rec.entity}'"]
    problems = []
    if field_type(rec.entity, rec.key) is None:
        problems.append(f"records.{rname}.key: '{rec.key}' is not a field of {rec.entity}")
    seen = set()
    for i, spec in enumerate(rec.fields):
        where = f"records.{rname}.fields[{i}] ({spec.name})"
        if spec.name in seen:
            problems.append(f"{where}: the name is used twice")
        seen.add(spec.name)
        if spec.xml is not None:
            problems += [f"{where}.xml: {p}" for p in path_problems(spec.xml)]
        elif not _XML_NAME.match(spec.name):
            problems.append(f"{where}: not usable as an XML element name")
        if spec.source and field_type(rec.entity, spec.source) is None:
            problems.append(f"{where}.from: '{spec.source}' is not a field of {rec.entity}")
        if spec.compute and spec.compute not in COMPUTED:
            known = ", ".join(sorted(COMPUTED))
            problems.append(f"{where}.compute: unknown function '{spec.compute}' (known: {known})")
        if spec.map and spec.map not in value_maps:
            problems.append(f"{where}.map: no value map '{spec.map}'")
        if spec.type and spec.type not in TYPES:
            problems.append(f"{where}.type: unknown type '{spec.type}'")
    return problems
