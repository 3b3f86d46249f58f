"""TXT import files: fixed width (each field's `width`) or separated by the dialect's delimiter."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import constant
from etl.load.tabular import Fields, TabularWriter
from etl.shared.records import KEY
from etl.shared.rejects import Reject, rejects_where


class TxtWriter(TabularWriter):
    """One text file per record type; fixed width refuses values wider than their field."""

    format = "txt"
    extension = "txt"

    def check(self, record: str, text: pa.Table) -> list[Reject]:
        if not self.dialect.fixed_width:
            return []
        rejects = []
        for spec in self.layout.records[record].fields:
            width = spec.width or 0
            column = text.column(spec.name)
            too_wide = pc.greater(pc.utf8_length(pc.fill_null(column, "")), width)
            rejects += rejects_where(text, too_wide, spec.name, column, "too-wide", KEY, {"width": width})
        return rejects

    def encode(self, fields: Fields, text: pa.Table, header: bool) -> bytes:
        names = text.column_names
        if self.dialect.fixed_width:
            columns = [self._pad(text.column(n), fields[n].width or 0, fields[n].align) for n in names]
            heads = [n[: fields[n].width or 0].ljust(fields[n].width or 0) for n in names]
            sep = ""
        else:
            columns = [pc.fill_null(pc.replace_substring_regex(text.column(n), r"[\t\r\n]+", " "), "")
                       for n in names]
            heads, sep = names, self.dialect.delimiter
        eol = self.dialect.line_ending
        out = (sep.join(heads) + eol) if header else ""
        if text.num_rows:
            lines = pc.binary_join_element_wise(*columns, sep) if columns else constant("", text.num_rows, pa.string())
            out += eol.join(lines.to_pylist()) + eol
        return out.encode("utf-8")

    @staticmethod
    def _pad(column: pa.ChunkedArray, width: int, align: str) -> pa.Array:
        column = pc.fill_null(pc.replace_substring_regex(column, r"[\r\n]+", " "), "")
        pad = pc.utf8_lpad if align == "right" else pc.utf8_rpad
        return pc.utf8_slice_codeunits(pad(column, width=width), 0, width)
