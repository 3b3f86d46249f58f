"""Plain pyarrow references of the flow benchmarks: the same joins and the same import files, no rules.

`python bench/refs_flows.py FLOW IN_FOLDER OUT_FOLDER` reads the export set bench/generate_flows.py
wrote (pyarrow.csv, cp1252, every column as text, decimals cast with Arrow), joins its tables as the
flow does (hash joins and group-bys of Arrow's acero), and writes the flow's main import files with
pyarrow.csv.CSVWriter (`;`, CRLF) transcoded to the flow's encoding. No value maps, no rejects, no
ledger, no delta, no media copy: what the tool may cost on top of plain Arrow I/O and joins.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from refs import Transcoder

DEC = pa.decimal128(18, 4)


def read(folder: Path, name: str) -> pa.Table:
    """One export file as text columns (empty cells null)."""
    path = folder / name
    with path.open(encoding="cp1252", newline="") as handle:
        columns = handle.readline().rstrip("\r\n").split(";")
    return pacsv.read_csv(path, read_options=pacsv.ReadOptions(encoding="cp1252", block_size=4 << 20),
                          parse_options=pacsv.ParseOptions(delimiter=";", newlines_in_values=True),
                          convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                                               strings_can_be_null=True))


def number(column: Any, comma: bool = True) -> Any:
    """A decimal column from text (decimal comma or point)."""
    text = pc.replace_substring(column, ",", ".") if comma else column
    return pc.cast(text, DEC)


def write(table: pa.Table, path: Path, encoding: str = "cp1252") -> int:
    """`table` as `;`-separated CSV with CRLF in `encoding`; its rows."""
    sink = Transcoder(path, encoding)
    options = pacsv.WriteOptions(delimiter=";", eol="\r\n", quoting_style="needed")
    with pacsv.CSVWriter(sink, table.schema, write_options=options) as writer:
        writer.write_table(table)
    sink.close()
    return table.num_rows


def _sum_by(table: pa.Table, key: str, column: str) -> pa.Table:
    return table.group_by(key, use_threads=False).aggregate([(column, "sum")])


def catalog(src: Path, dst: Path) -> int:
    """Articles with texts, category, stock (warehouses, variants and sets), prices, variants, relations, media."""
    articles = read(src, "artikel.csv")
    skus = articles.column("Artikelnummer")
    variants = read(src, "varianten.csv")
    known = pa.concat_arrays([skus.combine_chunks(), variants.column("Artikelnummer").combine_chunks()])
    stock = read(src, "lagerbestand.csv")
    stock = stock.filter(pc.is_in(stock.column("Artikelnummer"), value_set=known))
    stock = stock.set_column(2, "Bestand", number(stock.column("Bestand")))
    per_sku = _sum_by(stock, "Artikelnummer", "Bestand")
    parents = variants.select(["Artikelnummer", "Hauptartikel"]).join(per_sku, "Artikelnummer")
    parent_sum = _sum_by(parents, "Hauptartikel", "Bestand_sum").rename_columns(["Artikelnummer", "Bestand_sum"])
    bom = read(src, "stueckliste.csv")
    bom = bom.set_column(2, "Menge", number(bom.column("Menge")))
    levels = pa.concat_tables([per_sku, parent_sum])
    parts = bom.join(levels, "Komponente", "Artikelnummer")
    parts = parts.append_column("sets", pc.floor(pc.divide(pc.cast(pc.fill_null(parts.column("Bestand_sum"), 0),
                                                                   pa.float64()),
                                                           pc.cast(parts.column("Menge"), pa.float64()))))
    sets = parts.group_by("Stücklistenartikel", use_threads=False).aggregate([("sets", "min")])
    sets = sets.rename_columns(["Artikelnummer", "Bestand_sum"])
    sets = sets.set_column(1, "Bestand_sum", pc.cast(sets.column(1), levels.schema[1].type))
    levels = pa.concat_tables([levels, sets])
    levels = levels.group_by("Artikelnummer", use_threads=False).aggregate([("Bestand_sum", "max")])
    texts = read(src, "artikel_texte.csv").select(["Artikelnummer", "Bezeichnung", "Kurztext"])
    texts = texts.rename_columns(["Artikelnummer", "name_en", "short_en"])
    products = articles.join(levels, "Artikelnummer").join(texts, "Artikelnummer")
    products = products.set_column(products.schema.get_field_index("VK-Preis netto"), "VK-Preis netto",
                                   number(products.column("VK-Preis netto")))
    rows = write(products, dst / "products.csv")
    prices = read(src, "preise.csv")
    prices = prices.filter(pc.is_in(prices.column("Artikelnummer"), value_set=known))
    prices = prices.set_column(2, "Preis netto", number(prices.column("Preis netto")))
    for group in pc.unique(prices.column("Preisgruppe")).to_pylist():
        write(prices.filter(pc.equal(prices.column("Preisgruppe"), group)), dst / f"offers_{group}.csv")
    specials = read(src, "aktionspreise.csv")
    write(specials.filter(pc.is_in(specials.column("Artikelnummer"), value_set=known)), dst / "specials.csv")
    customer_prices = read(src, "kundenpreise.csv")
    write(customer_prices.filter(pc.is_in(customer_prices.column("Artikelnummer"), value_set=known)),
          dst / "customers_prices.csv")
    write(variants.join(per_sku, "Artikelnummer"), dst / "products_attributes.csv")
    relations = read(src, "zubehoer.csv")
    write(relations.filter(pc.is_in(relations.column("Bezugsartikel"), value_set=skus.combine_chunks())),
          dst / "products_xsell.csv")
    write(bom, dst / "products_bom.csv")
    write(levels, dst / "products_stock.csv")
    media = read(src, "artikeldateien.csv")
    write(media.filter(pc.is_in(media.column("Artikelnummer"), value_set=skus.combine_chunks())),
          dst / "products_images.csv")
    write(read(src, "warengruppen.csv"), dst / "categories.csv")
    return rows


def stock(src: Path, dst: Path) -> int:
    """Stock summed per article over warehouses, variant parents as the sum of their variants, sets derived."""
    rows = read(src, "lagerbestand.csv")
    rows = rows.set_column(2, "Bestand", number(rows.column("Bestand")))
    per_sku = _sum_by(rows, "Artikelnummer", "Bestand")
    variants = read(src, "varianten.csv").select(["Artikelnummer", "Hauptartikel"])
    parents = _sum_by(variants.join(per_sku, "Artikelnummer"), "Hauptartikel", "Bestand_sum")
    levels = pa.concat_tables([per_sku, parents.rename_columns(["Artikelnummer", "Bestand_sum"])])
    bom = read(src, "stueckliste.csv")
    parts = bom.join(levels, "Komponente", "Artikelnummer")
    parts = parts.append_column("sets", pc.floor(pc.divide(pc.cast(pc.fill_null(parts.column("Bestand_sum"), 0),
                                                                   pa.float64()),
                                                           pc.cast(number(parts.column("Menge")), pa.float64()))))
    sets = parts.group_by("Stücklistenartikel", use_threads=False).aggregate([("sets", "min")])
    levels = pa.concat_tables([levels, pa.table({"Artikelnummer": sets.column(0),
                                                 "Bestand_sum": pc.cast(sets.column(1), levels.schema[1].type)})])
    write(rows, dst / "stock.csv")
    return write(levels, dst / "products_stock.csv")


def articles(src: Path, dst: Path) -> int:
    """Products with their German and English texts, first category, manufacturer, tax rate and group prices."""
    products = read(src, "products.csv")
    texts = read(src, "products_description.csv").select(["products_id", "language_id", "products_name",
                                                          "products_short_description", "products_description"])
    german = texts.filter(pc.equal(texts.column("language_id"), "2")).drop_columns(["language_id"])
    links = read(src, "products_to_categories.csv")
    first = links.group_by("products_id", use_threads=False).aggregate([("categories_id", "min")])
    makers = read(src, "manufacturers.csv").select(["manufacturers_id", "manufacturers_name"])
    rates = read(src, "tax_rates.csv").select(["tax_class_id", "tax_rate"])
    joined = (products.join(german, "products_id").join(first, "products_id").join(makers, "manufacturers_id")
              .join(rates, "products_tax_class_id", "tax_class_id"))
    joined = joined.set_column(joined.schema.get_field_index("products_price"), "products_price",
                               number(joined.column("products_price"), comma=False))
    rows = write(joined, dst / "artikel.csv")
    write(texts.filter(pc.equal(texts.column("language_id"), "1")), dst / "artikel_texte.csv")
    offers = read(src, "personal_offers_by_customers_status_3.csv").join(products.select(["products_id",
                                                                                          "products_model"]),
                                                                         "products_id")
    specials = read(src, "specials.csv").join(products.select(["products_id", "products_model"]), "products_id")
    write(offers, dst / "preise.csv")
    write(specials, dst / "aktionspreise.csv")
    write(read(src, "categories.csv").join(read(src, "categories_description.csv"), "categories_id"),
          dst / "warengruppen.csv")
    return rows


def customers(src: Path, dst: Path) -> int:
    """Customers with their default address and its country code; the other addresses as delivery addresses."""
    people = read(src, "customers.csv")
    book = read(src, "address_book.csv")
    countries = read(src, "countries.csv").select(["countries_id", "countries_iso_code_2"])
    book = book.join(countries, "entry_country_id", "countries_id")
    joined = people.join(book.drop_columns(["customers_id"]), "customers_default_address_id", "address_book_id")
    email = pc.utf8_lower(pc.utf8_trim_whitespace(joined.column("customers_email_address")))
    joined = joined.append_column("valid", pc.match_substring_regex(email, r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"))
    rows = write(joined, dst / "kunden.csv")
    others = book.filter(pc.invert(pc.is_in(book.column("address_book_id"),
                                            value_set=people.column("customers_default_address_id")
                                            .combine_chunks())))
    write(others, dst / "lieferanschriften.csv")
    return rows


def shipments(src: Path, dst: Path) -> int:
    """Parcel rows grouped into delivery notes: parcel numbers joined, weights summed; the parcels."""
    rows = read(src, "lieferscheine.csv")
    rows = rows.set_column(rows.schema.get_field_index("Gewicht"), "Gewicht", number(rows.column("Gewicht")))
    firsts = [(c, "first") for c in rows.column_names if c not in ("Lieferscheinnummer", "Paketnummer", "Gewicht")]
    notes = rows.group_by("Lieferscheinnummer", use_threads=False).aggregate(
        [("Paketnummer", "list"), ("Gewicht", "sum"), ("Paketnummer", "count"), *firsts])
    numbers = pc.binary_join(notes.column("Paketnummer_list"), ", ")
    joined = notes.drop_columns(["Paketnummer_list"]).append_column("Paketnummern", numbers)
    write(joined, dst / "orders_status.csv")
    return write(rows.select(["Lieferscheinnummer", "Shopbestellnummer", "Versanddienstleister", "Paketnummer"]),
                 dst / "parcels.csv")


REFS: dict[str, Callable[[Path, Path], int]] = {
    "catalog": catalog, "stock": stock, "articles": articles, "customers": customers, "shipments": shipments}


def main(argv: list[str] | None = None) -> int:
    """Command line: FLOW IN_FOLDER OUT_FOLDER."""
    flow, src, dst = (argv if argv is not None else sys.argv[1:])
    Path(dst).mkdir(parents=True, exist_ok=True)
    rows = REFS[flow](Path(src), Path(dst))
    print(f"{flow}: {rows:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
