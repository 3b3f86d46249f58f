"""What the csv and txt writers share: text columns in the dialect, files in the layout's shape (shapes.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.background import Behind
from etl.fast.buffers import LINE_BREAK, may_hold
from etl.fast.transcode import from_utf8
from etl.load.base import Writer
from etl.load.shapes import flat_table, record_lines, type_value
from etl.load.text import fit_encoding, format_column
from etl.shared.records import KEY, Mapped
from etl.shared.rejects import Reject
from etl.transform.layout import TargetField
from etl.transform.layout_forms import Dialect

Fields = dict[str, TargetField]


class TabularWriter(Writer):
    """Base for line-oriented formats: subclasses turn a text table into bytes."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.dialect: Dialect = self.layout.dialect(self.format)
        self.handles: dict[str, BinaryIO] = {}
        self.paths: list[Path] = []
        self.behind = Behind(name="etl-write")  # encoding and writing on the second core
        shape = self.layout.shape
        width = max([len(type_value(self.layout, r)) for r in self.layout.records] or [1])
        typed = TargetField(name=shape.type_column, value="", width=width)
        # The fields (for widths) of what each file holds: a record type, a flat family, a typed line.
        self.fields: dict[str, Fields] = {}
        for name, spec in self.layout.records.items():
            own = {f.name: f for f in spec.fields}
            family = self.fields.get(spec.parent, {}) if spec.parent else {}
            self.fields[name] = {shape.type_column: typed, **own} if shape.kind == "records" else own
            if spec.parent and shape.kind == "flat":
                self.fields[spec.parent] = {**own, **family}

    def write(self, mapped: Mapped) -> list[Reject]:
        texts: dict[str, pa.Table] = {}
        rejects: list[Reject] = []
        for name, spec in self.layout.records.items():
            table = mapped.records[name]
            columns: dict[str, pa.Array] = {}
            texts_in = []  # only text can hold line breaks or characters the encoding lacks
            for f in spec.fields:
                values = table.column(f.name).combine_chunks()
                is_text = pa.types.is_string(values.type)
                formatted = format_column(values, f, self.dialect)
                columns[f.name] = self._text(formatted) if is_text else formatted
                if is_text:
                    texts_in.append(f.name)
            text = pa.table({**columns, KEY: table.column(KEY), "_file": table.column("_file"),
                             "_line": table.column("_line")})
            text, problems = fit_encoding(text, texts_in, self.dialect)
            rejects += [replace(r, kind=name) for r in problems]
            texts[name] = text
        for name, text in texts.items():
            rejects += [replace(r, kind=r.kind or name) for r in self.check(name, text)]
        refused: dict[str, set[str]] = {}  # a refused record takes its family along, nothing else
        for r in rejects:
            if r.record:
                refused.setdefault(self.layout.family(r.kind) if r.kind else "", set()).add(r.record)
        for name, text in texts.items():
            keys = refused.get(self.layout.family(name), set()) | refused.get("", set())
            if keys:
                text = text.filter(pc.invert(pc.is_in(text.column(KEY), value_set=pa.array(sorted(keys)))))
            texts[name] = text.drop_columns(["_file", "_line"])
        self.behind.submit(self._shaped, texts)
        return rejects

    def _shaped(self, texts: dict[str, pa.Table]) -> None:
        """Append the chunk's text tables to the files of the layout's shape."""
        kind = self.layout.shape.kind
        if kind == "linked":
            for name, text in texts.items():
                self._append(name, text.drop_columns([KEY]), self.fields[name])
        elif kind == "flat":
            for root in self.layout.roots:
                several = len(self.layout.roots) > 1
                self._append(root if several else None, flat_table(self.layout, root, texts), self.fields[root])
        else:
            column = self.layout.shape.type_column
            lines = {}
            for name, text in texts.items():
                typed = text.drop_columns([KEY]).add_column(0, column, pa.array(
                    [type_value(self.layout, name)] * text.num_rows, pa.string()))
                lines[name] = self._lines(typed, self.fields[name])
            self._append_lines(record_lines(self.layout, texts, lines))

    def _lines(self, text: pa.Table, fields: Fields) -> pa.Array:
        """Each row of `text` as one line of the format, without its line ending."""
        eol = self.dialect.line_ending
        whole = self.encode(fields, text, header=False).decode("utf-8")
        lines = whole.split(eol)[:-1] if whole else []
        if len(lines) != text.num_rows:  # a value with a line break in it: one row at a time
            lines = [self.encode(fields, text.slice(i, 1), header=False).decode("utf-8").removesuffix(eol)
                     for i in range(text.num_rows)]
        return pa.array(lines, pa.string())

    def _heads(self) -> str:
        """The header lines of a records-shaped file: one per record type, led by its type value."""
        if not self.dialect.header:
            return ""
        column = self.layout.shape.type_column
        out = ""
        for name, spec in self.layout.records.items():
            empty = pa.table({column: pa.array([], pa.string()), **{f.name: pa.array([], pa.string())
                                                                   for f in spec.fields}})
            head = self.encode(self.fields[name], empty, header=True).decode("utf-8")
            value = type_value(self.layout, name)
            width = self.fields[name][column].width or 0
            rest = head[width:] if self.dialect.fixed_width else head[head.index(self.dialect.delimiter):]
            out += (value.ljust(width) if self.dialect.fixed_width else value) + rest
        return out

    def _append_lines(self, lines: pa.Array) -> None:
        if not len(lines):
            return
        handle = self._handle(None, self._heads())
        data = self.dialect.line_ending.join(lines.to_pylist()) + self.dialect.line_ending
        handle.write(data.encode(self.dialect.encoding))

    def _text(self, values: pa.Array) -> pa.Array:
        # Most columns hold no line break: one cheap scan spares them the regex rewrite.
        if self.dialect.line_breaks is None or not may_hold(values, LINE_BREAK):
            return values
        return pc.replace_substring_regex(values, r"\r\n|\r|\n", self.dialect.line_breaks)

    def check(self, record: str, text: pa.Table) -> list[Reject]:
        """Refusals particular to the format (none by default)."""
        return []

    def _handle(self, record: str | None, head: str = "") -> BinaryIO:
        """The open file of `record` (None: the single file of a shape), opened with `head` written."""
        key = record or ""
        if key not in self.handles:
            path = self.path(record)
            self.handles[key] = path.open("wb")
            self.paths.append(path)
            self.handles[key].write(head.encode(self.dialect.encoding))
        return self.handles[key]

    def _append(self, record: str | None, text: pa.Table, fields: Fields) -> None:
        if text.num_rows == 0:
            return
        first = (record or "") not in self.handles
        handle = self._handle(record)
        titles = {name: f.header for name, f in fields.items() if f.header}
        if titles:  # column titles that are no XML names (the DHL template's "Empfänger Name 1")
            text = text.rename_columns([titles.get(n, n) for n in text.column_names])
        data = self.encode(fields, text, header=first and self.dialect.header)
        handle.write(from_utf8(data, self.dialect.encoding) if data else b"")

    def encode(self, fields: Fields, text: pa.Table, header: bool) -> bytes:
        """UTF-8 bytes of the text table in the format (transcoded by the caller)."""
        raise NotImplementedError

    def close(self) -> list[Path]:
        # A record type without records gets no file: a header alone imports nothing (delta runs).
        try:
            self.behind.close()
        finally:
            for handle in self.handles.values():
                handle.close()
        return self.paths
