"""What the csv and txt writers share: one file per record type, text columns in the dialect."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from etl.load.base import Writer
from etl.load.text import fit_encoding, format_column
from etl.records import KEY, Mapped
from etl.rejects import Reject
from etl.transform.layout import Dialect


class TabularWriter(Writer):
    """Base for line-oriented formats: subclasses turn a text table into bytes."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.dialect: Dialect = self.layout.dialect(self.format)
        self.handles: dict[str, BinaryIO] = {}
        self.paths: list[Path] = []

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
            self._append(name, text.drop_columns([KEY, "_file", "_line"]))
        return rejects

    def _text(self, values: pa.Array) -> pa.Array:
        if self.dialect.line_breaks is None:
            return values
        return pc.replace_substring_regex(values, r"\r\n|\r|\n", self.dialect.line_breaks)

    def check(self, record: str, text: pa.Table) -> list[Reject]:
        """Refusals particular to the format (none by default)."""
        return []

    def _append(self, record: str, text: pa.Table) -> None:
        if text.num_rows == 0:
            return
        handle = self.handles.get(record)
        first = handle is None
        if handle is None:
            path = self.path(record)
            handle = path.open("wb")
            self.handles[record] = handle
            self.paths.append(path)
        titles = {f.name: f.header for f in self.layout.records[record].fields if f.header}
        if titles:  # column titles that are no XML names (the DHL template's "Empfänger Name 1")
            text = text.rename_columns([titles.get(n, n) for n in text.column_names])
        data = self.encode(record, text, header=first and self.dialect.header)
        handle.write(data.decode("utf-8").encode(self.dialect.encoding) if data else b"")

    def encode(self, record: str, text: pa.Table, header: bool) -> bytes:
        """UTF-8 bytes of the text table in the format (transcoded by the caller)."""
        raise NotImplementedError

    def close(self) -> list[Path]:
        # A record type without records gets no file: a header alone imports nothing (delta runs).
        for handle in self.handles.values():
            handle.close()
        return self.paths
