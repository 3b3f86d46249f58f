"""Reference conversions the etl runs are measured against: plain library code, no business logic.

`python bench/refs.py CASE IN.csv OUT` runs one case in its own process (bench/run.py measures it):

- pyarrow-csv: stream the flat export with pyarrow.csv.open_csv (cp1252, `;`, all columns as text)
  and write every column back with pyarrow.csv.CSVWriter (`;`, CRLF), transcoded to cp1252.
- pandas-csv: pandas.read_csv(sep=';', encoding='cp1252', decimal=',', dtype=str) + to_csv in the
  same dialect.
- lxml-xml: stream the export with pyarrow in batches, build one <Auftrag> per order (a <Kopf> of
  41 elements, one <Position> of 13 elements per line plus service positions), validate each order
  against bench/ref_orders.xsd (wrapped in its root) and write it with lxml's etree.xmlfile.
- pandas-xml: pandas.read_csv as above + DataFrame.to_xml (flat: one element per row).
"""

from __future__ import annotations

import argparse
import codecs
import csv
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

ENCODING = "cp1252"
DELIMITER = ";"
BLOCK_SIZE = 4 << 20
XSD = Path(__file__).with_name("ref_orders.xsd")
NS = "urn:hhg-sage-etl:bench:orders:1"

# Kopf element -> column of the flat export (None: a constant or derived value filled in below).
KOPF: tuple[tuple[str, str | None], ...] = (
    ("Belegart", None), ("Shopbestellnummer", "orders_id"), ("Shop", "store_id"), ("Belegdatum", "_date"),
    ("Kundennummer", "customers_cid"), ("Shopkundennummer", "customers_id"), ("Gastbestellung", "_guest"),
    ("Preisgruppe", "customers_status"), ("UStIdNr", "customers_vat_id"), ("EMail", "customers_email_address"),
    ("Telefon", "customers_telephone"),
    ("RE_Firma", "billing_company"), ("RE_Vorname", "billing_firstname"), ("RE_Name", "billing_lastname"),
    ("RE_Strasse", "billing_street_address"), ("RE_Zusatz", "billing_suburb"), ("RE_PLZ", "billing_postcode"),
    ("RE_Ort", "billing_city"), ("RE_Bundesland", "billing_state"), ("RE_Land", "billing_country_iso_code_2"),
    ("LI_Firma", "delivery_company"), ("LI_Vorname", "delivery_firstname"), ("LI_Name", "delivery_lastname"),
    ("LI_Strasse", "delivery_street_address"), ("LI_Zusatz", "delivery_suburb"), ("LI_PLZ", "delivery_postcode"),
    ("LI_Ort", "delivery_city"), ("LI_Bundesland", "delivery_state"), ("LI_Land", "delivery_country_iso_code_2"),
    ("Zahlungsart", "payment_class"), ("Versandart", "shipping_method"), ("Waehrung", "currency"),
    ("Bruttopreise", "_gross"), ("Gesamtbetrag", "ot_total"), ("Steuersatz1", "_rate19"), ("Steuer1", "ot_tax_19"),
    ("Steuersatz2", "_rate7"), ("Steuer2", "ot_tax_7"), ("Status", "orders_status"), ("Sprache", "language"),
    ("Bemerkung", "comments"),
)
# Position elements after Shopbestellnummer, Position and Positionsart -> column.
POSITION: tuple[tuple[str, str], ...] = (
    ("Zeilennummer", "orders_products_id"), ("Artikel_ID", "products_id"), ("Artikelnummer", "products_model"),
    ("Bezeichnung", "products_name"), ("Variante", "products_attributes"), ("Menge", "products_quantity"),
    ("Einzelpreis", "products_price"), ("Gesamtpreis", "final_price"), ("Steuersatz", "products_tax"),
    ("Steuerschluessel", "_tax_key"),
)
# Order totals that become positions of their own: column -> (Positionsart, Artikelnummer).
SERVICES = (("ot_shipping", "Versand", "VERSAND"), ("ot_cod_fee", "Gebühr", "GEBUEHR"),
            ("ot_discount", "Rabatt", "RABATT"), ("ot_coupon", "Gutschein", "GUTSCHEIN"))
MONEY = ("products_price", "final_price", "products_tax", "ot_shipping", "ot_cod_fee", "ot_discount", "ot_coupon",
         "ot_tax_19", "ot_tax_7", "ot_total")


def read_header(src: Path) -> list[str]:
    """The column names of the export's header row."""
    with src.open(encoding=ENCODING, newline="") as handle:
        return next(csv.reader(handle, delimiter=DELIMITER))


def open_stream(src: Path) -> Any:
    """A pyarrow streaming CSV reader over the export, every column as (nullable) text."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    columns = read_header(src)
    return pacsv.open_csv(
        src,
        read_options=pacsv.ReadOptions(encoding=ENCODING, block_size=BLOCK_SIZE, column_names=columns, skip_rows=1),
        parse_options=pacsv.ParseOptions(delimiter=DELIMITER, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                             strings_can_be_null=True, quoted_strings_can_be_null=False),
    )


class Transcoder:
    """A write-only binary sink that re-encodes the UTF-8 it receives into another encoding."""

    def __init__(self, path: Path, encoding: str) -> None:
        self.file = path.open("wb")
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.closed = False

    def write(self, data: bytes) -> int:
        """Transcode and write a chunk; returns the number of bytes consumed."""
        self.file.write(self.decoder.decode(bytes(data)).encode(self.encoding))
        return len(data)

    def flush(self) -> None:
        """Flush the underlying file."""
        self.file.flush()

    def close(self) -> None:
        """Finish the file."""
        if not self.closed:
            self.file.write(self.decoder.decode(b"", final=True).encode(self.encoding))
            self.file.close()
            self.closed = True


def pyarrow_csv(src: Path, dst: Path) -> int:
    """Case pyarrow-csv: stream in, write all columns back out in the same dialect; returns rows."""
    import pyarrow.csv as pacsv

    reader = open_stream(src)
    sink = Transcoder(dst, ENCODING)
    options = pacsv.WriteOptions(delimiter=DELIMITER, eol="\r\n", quoting_style="needed", quoting_header="none")
    rows = 0
    with pacsv.CSVWriter(sink, reader.schema, write_options=options) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    sink.close()
    return rows


def _read_pandas(src: Path) -> Any:
    import pandas as pd

    return pd.read_csv(src, sep=DELIMITER, encoding=ENCODING, decimal=",", dtype=str)


def pandas_csv(src: Path, dst: Path) -> int:
    """Case pandas-csv: read the whole export with pandas and write it back; returns rows."""
    frame = _read_pandas(src)
    frame.to_csv(dst, sep=DELIMITER, encoding=ENCODING, lineterminator="\r\n", index=False)
    return len(frame)


def pandas_xml(src: Path, dst: Path) -> int:
    """Case pandas-xml: read the whole export with pandas and write it with DataFrame.to_xml."""
    frame = _read_pandas(src)
    frame.to_xml(dst, index=False, root_name="Zeilen", row_name="Zeile", encoding="utf-8")
    return len(frame)


def _prepared(batch: Any) -> dict[str, list[Any]]:
    """The batch as Python lists, with amounts, dates and flags already in XML spelling."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = {name: batch.column(name) for name in batch.schema.names}
    for name in MONEY:
        columns[name] = pc.replace_substring(columns[name], ",", ".")
    stamp = pc.strptime(columns["date_purchased"], format="%d.%m.%Y %H:%M:%S", unit="s", error_is_null=True)
    columns["_date"] = pc.strftime(stamp, format="%Y-%m-%d")
    columns["_guest"] = pc.if_else(pc.equal(columns["account_type"], "1"), "true", "false")
    columns["_gross"] = pc.if_else(pc.equal(columns["allow_tax"], "0"), "false", "true")
    text = pa.string()
    columns["_rate19"] = pc.if_else(pc.is_valid(columns["ot_tax_19"]), "19.00", pa.scalar(None, text))
    columns["_rate7"] = pc.if_else(pc.is_valid(columns["ot_tax_7"]), "7.00", pa.scalar(None, text))
    keys = pa.array(["19.00", "7.00", "0.00"])
    columns["_tax_key"] = pc.take(pa.array(["1", "2", "0"]), pc.index_in(columns["products_tax"], value_set=keys))
    return {name: column.to_pylist() for name, column in columns.items()}


def _orders(reader: Any) -> Iterator[tuple[list[Any], list[list[Any]], list[tuple[str, str, str]]]]:
    """Per order: Kopf values, position values, service positions (the export lists orders together)."""
    head: list[Any] = []
    lines: list[list[Any]] = []
    services: list[tuple[str, str, str]] = []
    current: object = object()
    for batch in reader:
        data = _prepared(batch)
        ids = data["orders_id"]
        kopf = [data[c] if c else None for _, c in KOPF]
        position = [data[c] for _, c in POSITION]
        totals = [(data[c], kind, article) for c, kind, article in SERVICES]
        for i, order_id in enumerate(ids):
            if order_id != current:
                if lines:
                    yield head, lines, services
                current = order_id
                head = ["AB" if column is None else column[i] for column in kopf]
                services = [(values[i], kind, article) for values, kind, article in totals if values[i]]
                lines = []
            lines.append([column[i] for column in position])
    if lines:
        yield head, lines, services


def _build_order(root: Any, tag: dict[str, str], head: list[Any], lines: list[list[Any]],
                 services: list[tuple[str, str, str]]) -> Any:
    """One <Auftrag> appended to `root`: Kopf, then product and service positions numbered from 1."""
    from lxml.etree import SubElement as element

    order = element(root, tag["Auftrag"])
    kopf = element(order, tag["Kopf"])
    for (name, _), value in zip(KOPF, head, strict=True):
        if value:
            element(kopf, tag[name]).text = value
    positions = element(order, tag["Positionen"])
    order_id = head[1]
    number = 0
    for line in lines:
        number += 1
        position = element(positions, tag["Position"])
        element(position, tag["Shopbestellnummer"]).text = order_id
        element(position, tag["Position"]).text = str(number)
        element(position, tag["Positionsart"]).text = "Artikel"
        for (name, _), value in zip(POSITION, line, strict=True):
            if value:
                element(position, tag[name]).text = value
    for value, kind, article in services:
        number += 1
        position = element(positions, tag["Position"])
        for name, text in (("Shopbestellnummer", order_id), ("Position", str(number)), ("Positionsart", kind),
                           ("Artikelnummer", article), ("Menge", "1"), ("Einzelpreis", value),
                           ("Gesamtpreis", value)):
            element(position, tag[name]).text = text
    return order


def lxml_xml(src: Path, dst: Path) -> int:
    """Case lxml-xml: orders as nested elements, each validated, streamed with etree.xmlfile."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(XSD)))
    names = (*(k for k, _ in KOPF), *(p for p, _ in POSITION), "Auftraege", "Auftrag", "Kopf", "Positionen",
             "Position", "Shopbestellnummer", "Positionsart")
    tag = {name: f"{{{NS}}}{name}" for name in names}
    created = datetime.now().replace(microsecond=0).isoformat()
    root = etree.Element(tag["Auftraege"], nsmap={None: NS}, erstellt=created)  # the wrapper for validation
    written = refused = 0
    with etree.xmlfile(str(dst), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(tag["Auftraege"], nsmap={None: NS}, erstellt=created):
            xf.write("\n")
            for head, lines, services in _orders(open_stream(src)):
                order = _build_order(root, tag, head, lines, services)
                if schema.validate(root):
                    xf.write(order, pretty_print=True)
                    written += 1
                else:
                    refused += 1
                root.remove(order)
    if refused:
        print(f"lxml-xml: {refused} orders refused by the schema", file=sys.stderr)
    return written


CASES: dict[str, Callable[[Path, Path], int]] = {
    "pyarrow-csv": pyarrow_csv,
    "pandas-csv": pandas_csv,
    "lxml-xml": lxml_xml,
    "pandas-xml": pandas_xml,
}


def main(argv: list[str] | None = None) -> int:
    """Command line: `refs.py CASE IN.csv OUT`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    args = parser.parse_args(argv)
    count = CASES[args.case](args.src, args.dst)
    print(f"{args.case}: {count} records written to {args.dst}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
