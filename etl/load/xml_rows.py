"""The generic XML template (`templates/layout.xml.j2`) rendered column-wise with Arrow, byte for byte.

Rendering the template once per record costs a sandboxed Jinja call per value; a layout that uses
the generic template gets the same text built a column at a time instead: each field becomes
`\\n<pad><name>value</name>` (nothing when the value is null, as the template skips it), a record's
fields are joined element-wise, and only the joining of children under their order is Python,
once per child record. A layout with a template of its own is still rendered by Jinja.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import constant
from etl.load.nested import CANONICAL, xml_escape
from etl.load.text import format_column
from etl.load.xml_form import XmlForm
from etl.shared.records import KEY, Mapped
from etl.transform.layout import TargetLayout


@dataclass
class Rendered:
    """The records of one root type of a chunk as XML text, with what a refusal names."""

    texts: list[str]
    keys: list[str]
    files: list[str]
    lines: list[int | None]


def _values(layout: TargetLayout, name: str, table: pa.Table, pad: str) -> pa.Array:
    """Each row's fields as `\\n<pad><name>value</name>` elements, the template's `values` macro."""
    is_root = layout.records[name].parent is None
    parts: list[pa.Array] = []
    for field in layout.records[name].fields:
        values = table.column(field.name).combine_chunks()
        text = format_column(values, field, CANONICAL)
        if pa.types.is_string(values.type):
            text = xml_escape(text)
        if is_root and field.name.startswith("_"):
            text = pc.fill_null(text, "None")  # the template printed a kept None as Python spells it
        element = pc.binary_join_element_wise(f"\n{pad}<{field.name}>", text, f"</{field.name}>", "")
        parts.append(pc.fill_null(element, ""))
    if not parts:
        return constant("", table.num_rows, pa.string())
    return pc.binary_join_element_wise(*parts, "") if len(parts) > 1 else parts[0]


def render(layout: TargetLayout, form: XmlForm, mapped: Mapped, root: str) -> Rendered:
    """The `record(entry)` macro of the generic template for every root record of `mapped`."""
    r = form.records[root]
    table = mapped.records[root]
    if r.fields:
        body = pc.binary_join_element_wise(f"\n  <{r.element}>\n    <{r.fields}>",
                                           _values(layout, root, table, "      "), f"\n    </{r.fields}>", "")
    else:
        body = pc.binary_join_element_wise(f"\n  <{r.element}>", _values(layout, root, table, "    "), "")
    keys = table.column(KEY).to_pylist()
    texts: list[str] = body.to_pylist()
    for kind in r.children:
        child = mapped.records[kind.name]
        indent = "      " if kind.wrapper else "    "
        element = pc.binary_join_element_wise(f"\n{indent}<{kind.element}>",
                                              _values(layout, kind.name, child, indent + "  "),
                                              f"\n{indent}</{kind.element}>", "")
        under: dict[str, list[str]] = {}
        for key, text in zip(child.column(KEY).to_pylist(), element.to_pylist(), strict=True):
            under.setdefault(key, []).append(text)
        if kind.wrapper:
            head, tail = f"\n    <{kind.wrapper}>", f"\n    </{kind.wrapper}>"
            texts = [t + head + "".join(under.get(k, ())) + tail for t, k in zip(texts, keys, strict=True)]
        else:
            texts = [t + "".join(under.get(k, ())) for t, k in zip(texts, keys, strict=True)]
    end = f"\n  </{r.element}>\n"
    return Rendered([t + end for t in texts], keys, table.column("_file").to_pylist(),
                    table.column("_line").to_pylist())
