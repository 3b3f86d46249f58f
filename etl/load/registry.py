"""The output formats, declared in one place: name -> the writer class (by import path) and a line of help.

Nothing here imports a writer module, so that `etl --help` and `etl flows` list the formats without
loading pyarrow, lxml or Jinja; `writer_for` imports the one writer a run asks for. A new format is a
`Writer` subclass in `etl/load/<format>_writer.py` and one `WriterSpec` line below.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WriterSpec:
    """Where a format's writer class lives (`module:Class`) and what the format is, in one line."""

    path: str
    description: str


# In the order help and `etl flows` show them.
WRITERS: dict[str, WriterSpec] = {
    "xml": WriterSpec("etl.load.xml_writer:XmlWriter", "XML from a Jinja template, validated against an XSD"),
    "csv": WriterSpec("etl.load.csv_writer:CsvWriter", "CSV in the mapping's dialect, a file per record type"),
    "txt": WriterSpec("etl.load.txt_writer:TxtWriter", "plain text, fixed width or separated, a file per record type"),
    "json": WriterSpec("etl.load.json_writer:JsonWriter", "JSON, each record validated against a JSON Schema"),
    "xtsol": WriterSpec("etl.load.xtsol_writer:XtsolWriter",
                        "the shop's own product import (xt:Commerce 3 admin Import/Export, XTSOL)"),
    "sql": WriterSpec("etl.load.sql_writer:SqlWriter", "MariaDB/MySQL script for the shop's database"),
}


def formats() -> dict[str, str]:
    """Every output format with its one-line description."""
    return {name: spec.description for name, spec in WRITERS.items()}

