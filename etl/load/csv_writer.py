"""CSV import files in the mapping's dialect (GS-Office: cp1252, `;`, CRLF, decimal comma)."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv

from etl.load.tabular import Fields, TabularWriter

_QUOTING = {"needed": "needed", "all": "all_valid", "none": "none"}


class CsvWriter(TabularWriter):
    """One delimited file per record type, quoted with doubled inner quotes where needed."""

    format = "csv"
    extension = "csv"

    def encode(self, fields: Fields, text: pa.Table, header: bool) -> bytes:
        buffer = io.BytesIO()
        options = pacsv.WriteOptions(
            include_header=header, delimiter=self.dialect.delimiter, eol=self.dialect.line_ending,
            quoting_style=_QUOTING[self.dialect.quoting],
            quoting_header="none" if self.dialect.quoting != "all" else "needed",
        )
        pacsv.write_csv(text, buffer, options)
        return buffer.getvalue()
