"""The output formats, declared in one place: name -> the writer class (by import path), a line of help,
and the flows it serves.

Nothing here imports a writer module, so that `etl --help` and `etl flows` list the formats without
loading pyarrow, lxml or Jinja; `writer_for` imports the one writer a run asks for. A new format is a
`Writer` subclass in `etl/load/<format>_writer.py` and one `WriterSpec` line below.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.i18n import N_


@dataclass(frozen=True)
class WriterSpec:
    """Where a format's writer class lives (`module:Class`), what the format is, and whom it serves.

    `systems`: the target systems it writes for (a flow's target layout's system, e.g. `shop`); empty:
    every system. `flows`: the only flows it serves; empty: every flow of those systems. `layouts`: the
    folder under mappings/ of the format's own target layouts, one per flow named like the flow's
    (a standard's documents: `opentrans/orders.yaml`); empty: the flow's target layout.
    """

    path: str
    description: str
    systems: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    layouts: str = ""

    def serves(self, flow: str, system: str) -> bool:
        """Whether the format can carry the records of `flow`, whose target layout is of `system`."""
        return (not self.systems or system in self.systems) and (not self.flows or flow in self.flows)

    @property
    def scope(self) -> str:
        """Whom the format serves, in a few words for help texts ('' for every flow)."""
        if self.flows:  # English, translated when shown (`etl.i18n.translate`)
            names = ", ".join(self.flows)
            only = N_("{names} flows only") if len(self.flows) > 1 else N_("{names} flow only")
            return only.format(names=names)
        if self.systems:
            return N_("flows whose target is the {systems}").format(systems=" or the ".join(self.systems))
        return ""


# In the order help and `etl flows` show them.
WRITERS: dict[str, WriterSpec] = {
    "xml": WriterSpec("etl.load.xml_writer:XmlWriter", N_("XML from a Jinja template, validated against an XSD")),
    "csv": WriterSpec("etl.load.csv_writer:CsvWriter", N_("CSV in the mapping's dialect, a file per record type")),
    "txt": WriterSpec("etl.load.txt_writer:TxtWriter",
                      N_("plain text, fixed width or separated, a file per record type")),
    "json": WriterSpec("etl.load.json_writer:JsonWriter", N_("JSON, each record validated against a JSON Schema")),
    # One line per article, built from the catalog's tables: no other flow's records fit it.
    "xtsol": WriterSpec("etl.load.xtsol_writer:XtsolWriter",
                        N_("the shop's own product import (xt:Commerce 3 admin Import/Export, XTSOL)"),
                        systems=("shop",), flows=("catalog",)),
    # Statements for the shop's tables (schemas/shop/tables.yaml); the direct database target runs them.
    "sql": WriterSpec("etl.load.sql_writer:SqlWriter", N_("MariaDB/MySQL script for the shop's database"),
                      systems=("shop",)),
    # A standard's documents, one per record, valid against the official schema (schemas/opentrans/).
    "opentrans": WriterSpec("etl.load.opentrans_writer:OpentransWriter",
                            N_("openTRANS 2.1 documents (ORDER, DISPATCHNOTIFICATION, INVOICE), one file each"),
                            flows=("orders", "shipments", "documents"), layouts="opentrans"),
    # BMEcat 2005 (the official XSD): the catalog for B2B customers' procurement systems (docs/standards.md).
    "bmecat": WriterSpec("etl.load.bmecat_writer:BmecatWriter", N_("BMEcat 2005 catalog for procurement systems"),
                         flows=("catalog",), layouts="bmecat"),
}


def formats() -> dict[str, str]:
    """Every output format with its one-line description."""
    return {name: spec.description for name, spec in WRITERS.items()}


def formats_for(flow: str, system: str) -> list[str]:
    """The formats that serve `flow` (whose target layout is of `system`), in registry order."""
    return [name for name, spec in WRITERS.items() if spec.serves(flow, system)]

