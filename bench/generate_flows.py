"""Realistic export sets of every flow but orders, at any size: the inputs of the flow benchmarks.

`python bench/generate_flows.py FLOW N FOLDER [--seed S]` writes the export set of FLOW (catalog,
stock, articles, customers, shipments) with N data rows over all its files into FOLDER, in the
dialect of the bundled samples (tests/data/<flow>/): GS-Office exports as cp1252, `;`, decimal
comma, dd.mm.yyyy, CRLF; shop (xt:Commerce) exports as cp1252, `;`, decimal point, ISO dates. The
catalog set also writes the media pool its Artikeldateien name into FOLDER/media/. Every set is
consistent (every price, text, variant, stock row, BOM line and relation belongs to an article of
the set; keys unique), so a run writes every record and rejects none. Files are streamed row by
row: memory stays flat at any N.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO

FIRST = ("Jürgen", "Sabine", "Björn", "Käthe", "Günther", "Ursula", "Jörg", "Renée", "Lukas", "Maximilian",
         "Sophie", "Hannah", "Ömer", "Zoë", "Matthias", "Anja", "Fritz", "Heike", "Lena", "Paul")
LAST = ("Müller", "Weiß", "Groß-Köhler", "Schröder", "Krämer", "Bäcker", "Fuß", "Schäfer", "Huber", "Öztürk",
        "Wagner", "Becker", "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Zimmermann")
STREETS = ("Königsallee", "Schloßstraße", "Hauptstraße", "Bahnhofstraße", "Lindenweg", "Am Mühlbach",
           "Goethestraße", "Marktplatz", "Gartenstraße", "Über der Ruhr")
CITIES = (("DE", 81, "70173", "Stuttgart"), ("DE", 81, "01067", "Dresden"), ("DE", 81, "40212", "Düsseldorf"),
          ("DE", 81, "80331", "München"), ("DE", 81, "20095", "Hamburg"), ("AT", 14, "1010", "Wien"),
          ("CH", 204, "8001", "Zürich"), ("DE", 81, "04109", "Leipzig"))
GOODS = ("Edelstahl-Bräter", "Glasdeckel", "Bio-T-Shirt „Classic“", "Teekanne", "Gewürzmühle", "Schneidebrett",
         "Küchenwaage", "Espressokocher", "Wollsocken", "Kräutertee", "Müslischale", "Brotkasten")
GOODS_EN = ("Stainless roaster", "Glass lid", "Organic T-shirt \"Classic\"", "Tea pot", "Spice mill",
            "Chopping board", "Kitchen scale", "Espresso maker", "Wool socks", "Herbal tea", "Cereal bowl",
            "Bread bin")
COLOURS = ("Weiß", "Schwarz", "Grün", "Blau", "Rot", "Grau")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
WAREHOUSES = ("Hauptlager", "Außenlager", "Filiale Köln")
MEDIA_POOL = 40  # distinct files the Artikeldateien name (a real shop reuses pictures less, the copy is the same)


def money(cents: int, comma: bool = True) -> str:
    """Cents as a decimal text with two places."""
    text = f"{cents // 100}.{cents % 100:02d}"
    return text.replace(".", ",") if comma else text


class Writer:
    """CSV files of one export set: cp1252, `;`, CRLF, quoting only where a value needs it."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self.folder, self.stack = folder, stack
        self.handles: dict[str, IO[str]] = {}
        self.rows = 0

    def open(self, name: str, header: list[str]) -> None:
        """Start file `name` with its header row."""
        handle = self.stack.enter_context((self.folder / name).open("w", encoding="cp1252", newline=""))
        self.handles[name] = handle
        handle.write(";".join(header) + "\r\n")

    def row(self, name: str, *values: object) -> None:
        """One data row of file `name`."""
        self.rows += 1
        self.handles[name].write(";".join(_cell(v) for v in values) + "\r\n")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if any(c in text for c in ';"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _date(rng: random.Random, year: int, iso: bool = False) -> str:
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    return f"{year}-{month:02d}-{day:02d}" if iso else f"{day:02d}.{month:02d}.{year}"


def catalog(out: Writer, rows: int, rng: random.Random, only: set[str] | None = None) -> None:
    """A GS-Office catalog set (the files of tests/data/catalog/); `only` limits it to those files."""
    files = {
        "warengruppen.csv": ["Warengruppe", "Übergeordnete Warengruppe", "Sortierung", "Aktiv", "Bild", "Bezeichnung",
                             "Langbezeichnung", "Beschreibung", "Meta-Titel", "Meta-Beschreibung", "Meta-Stichworte"],
        "warengruppen_texte.csv": ["Warengruppe", "Sprache", "Bezeichnung", "Langbezeichnung", "Beschreibung",
                                   "Meta-Titel", "Meta-Beschreibung", "Meta-Stichworte"],
        "artikel.csv": ["Artikelnummer", "Bezeichnung", "Kurztext", "Langtext", "Artikeltyp", "Status", "Warengruppe",
                        "Einheit", "EAN", "Gewicht", "Hersteller", "Lieferant", "Steuersatz", "VK-Preis netto",
                        "Meta-Titel", "Meta-Beschreibung", "Meta-Stichworte"],
        "artikel_texte.csv": ["Artikelnummer", "Sprache", "Bezeichnung", "Kurztext", "Langtext", "Meta-Titel",
                              "Meta-Beschreibung", "Meta-Stichworte"],
        "preise.csv": ["Artikelnummer", "Preisgruppe", "Ab Menge", "Preis netto"],
        "aktionspreise.csv": ["Artikelnummer", "Aktionspreis netto", "Gültig von", "Gültig bis"],
        "kundenpreise.csv": ["Kundennummer", "Artikelnummer", "Ab Menge", "Preis netto"],
        "varianten.csv": ["Artikelnummer", "Hauptartikel", "Merkmal 1", "Ausprägung 1", "Merkmal 2", "Ausprägung 2",
                          "EAN", "Bestand", "Aufpreis netto"],
        "lagerbestand.csv": ["Artikelnummer", "Lager", "Bestand"],
        "artikeldateien.csv": ["Artikelnummer", "Dateiart", "Position", "Dateiname", "Titel"],
        "stueckliste.csv": ["Stücklistenartikel", "Komponente", "Menge"],
        "zubehoer.csv": ["Artikelnummer", "Bezugsartikel", "Beziehungsart", "Sortierung"],
    }
    wanted = {name: header for name, header in files.items() if only is None or name in only}
    for name, header in wanted.items():
        out.open(name, header)

    def put(name: str, *values: object) -> None:
        if name in wanted:
            out.row(name, *values)

    leaves = _categories(put, max(3, rows // 400))
    plain: list[str] = []  # plain articles so far: BOM components and related articles
    number = 0
    while out.rows < rows:
        number += 1
        _article(put, rng, number, leaves, plain)
    if "artikeldateien.csv" in wanted:
        media = out.folder / "media"
        media.mkdir(exist_ok=True)
        for n in range(MEDIA_POOL):
            (media / f"bild_{n:02d}.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(2000) + b"\xff\xd9")


def _article(put: Callable[..., None], rng: random.Random, number: int, leaves: list[str], plain: list[str]) -> None:
    """One article with its texts, prices, variants or set lines, stock, picture and accessory."""
    sku = f"A{number:07d}"
    kind = rng.random()
    article_type = ("Variantenartikel" if kind < 0.15 else "Handelsstückliste" if kind < 0.20 and plain
                    else "Standard")
    good = rng.randrange(len(GOODS))
    cents = rng.randint(199, 49999)
    put("artikel.csv", sku, f"{GOODS[good]} {number}", "Aus nachhaltiger Herstellung; 2 Jahre Garantie",
        f"Langtext zu {GOODS[good]}.\nPflegeleicht, spülmaschinenfest." if number % 7 == 0 else None,
        article_type, 1, rng.choice(leaves), "Stk.", f"40{number:011d}",
        f"{rng.randint(50, 5000) / 1000:.3f}".replace(".", ","),
        "Kochgut GmbH", "Textilhandel Nord", "19,00" if good % 3 else "7,00", money(cents),
        GOODS[good], f"{GOODS[good]} günstig kaufen", "küche,bio")
    put("artikel_texte.csv", sku, "en", f"{GOODS_EN[good]} {number}", "Sustainably made", None, None, None, None)
    for group in (1, 2):
        put("preise.csv", sku, group, 1, money(cents * (100 - 10 * (group - 1)) // 100))
        if number % 3 == 0:
            put("preise.csv", sku, group, 10, money(cents * (90 - 10 * (group - 1)) // 100))
    if number % 5 == 0:
        put("aktionspreise.csv", sku, money(cents * 85 // 100), _date(rng, 2024), "31.12.2099")
    if number % 8 == 0:
        put("kundenpreise.csv", f"{10000 + number % 997}", sku, 1, money(cents * 80 // 100))
    if article_type == "Variantenartikel":
        for colour in rng.sample(COLOURS, 2):
            for size in rng.sample(SIZES, 2):
                variant = f"{sku}-{colour[:3].upper()}-{size}"
                put("varianten.csv", variant, sku, "Farbe", colour, "Größe", size, None, 0,
                    "0,00" if size != "XXL" else "1,50")
                put("lagerbestand.csv", variant, WAREHOUSES[0], rng.randint(0, 40))
    elif article_type == "Handelsstückliste":
        for component in rng.sample(plain[-50:], min(2, len(plain[-50:]))):
            put("stueckliste.csv", sku, component, rng.randint(1, 3))
    else:
        for warehouse in WAREHOUSES[: 1 + number % 2]:
            put("lagerbestand.csv", sku, warehouse, rng.randint(0, 250))
        plain.append(sku)
        if len(plain) > 200:
            del plain[:100]
    if number % 2 == 0:
        put("artikeldateien.csv", sku, "Bild", 1, f"bild_{number % MEDIA_POOL:02d}.jpg", None)
    if number % 4 == 0 and plain and plain[-1] != sku:
        put("zubehoer.csv", sku, plain[-1], "Zubehör", 1)


def _categories(put: Callable[..., None], count: int) -> list[str]:
    """A three-level category tree with German and English texts; the leaf numbers."""
    leaves: list[str] = []
    tops = max(1, count // 20)
    number = 0
    for top in range(1, tops + 1):
        top_id = f"{top}"
        put("warengruppen.csv", top_id, None, top, 1, None, f"Bereich {top}", f"Bereich {top} für Küche & Haus",
            None, None, None, None)
        put("warengruppen_texte.csv", top_id, "en", f"Area {top}", None, None, None, None, None)
        for middle in range(1, 5):
            middle_id = f"{top}{middle:02d}"
            put("warengruppen.csv", middle_id, top_id, middle, 1, None, f"Gruppe {middle_id}", None,
                "Weich, langlebig; bei 60 °C waschbar.", None, None, None)
            put("warengruppen_texte.csv", middle_id, "en", f"Group {middle_id}", None, None, None, None, None)
            for leaf in range(1, 5):
                number += 1
                leaf_id = f"{middle_id}{leaf:02d}"
                put("warengruppen.csv", leaf_id, middle_id, leaf, 1, None, f"Untergruppe {leaf_id}", None, None,
                    None, None, None)
                put("warengruppen_texte.csv", leaf_id, "en", f"Subgroup {leaf_id}", None, None, None, None, None)
                leaves.append(leaf_id)
    return leaves


def stock(out: Writer, rows: int, rng: random.Random) -> None:
    """A GS-Office stock export (Lagerbestand) with the Varianten and Stückliste files beside it."""
    catalog(out, rows, rng, only={"lagerbestand.csv", "varianten.csv", "stueckliste.csv"})


def customers(out: Writer, rows: int, rng: random.Random) -> None:
    """A shop customer export (xt:Commerce customers, address_book, countries, customers_status)."""
    out.open("countries.csv", ["countries_id", "countries_name", "countries_iso_code_2", "countries_iso_code_3"])
    for row in ((81, "Deutschland", "DE", "DEU"), (14, "Österreich", "AT", "AUT"), (204, "Schweiz", "CH", "CHE")):
        out.row("countries.csv", *row)
    out.open("customers_status.csv", ["customers_status_id", "language_id", "customers_status_name"])
    for row in ((0, 2, "Admin"), (1, 2, "Gast"), (2, 2, "Neuer Kunde"), (3, 2, "Händler")):
        out.row("customers_status.csv", *row)
    out.open("customers.csv", ["customers_id", "customers_cid", "customers_vat_id", "customers_status",
                               "customers_gender", "customers_firstname", "customers_lastname",
                               "customers_email_address", "customers_default_address_id", "customers_telephone",
                               "customers_fax", "account_type", "customers_date_added", "store_id"])
    out.open("address_book.csv", ["address_book_id", "customers_id", "entry_gender", "entry_company",
                                  "entry_firstname", "entry_lastname", "entry_street_address", "entry_suburb",
                                  "entry_postcode", "entry_city", "entry_state", "entry_country_id"])
    number, address = 0, 1000
    while out.rows < rows:
        number += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        b2b = number % 16 == 0
        addresses = 1 + (number % 4 == 0)
        address += 1
        country, country_id, postcode, city = rng.choice(CITIES)
        mail = f"{first.lower()}.{last.lower()}.{number}@example.de".encode("ascii", "ignore").decode()
        out.row("customers.csv", 500 + number, f"K-{number:07d}", "DE123456789" if b2b and country == "DE" else None,
                3 if b2b else 2, rng.choice("mf"), first, last, mail, address, "0711 2345678", "NULL",
                int(number % 9 == 0), f"{_date(rng, 2023, iso=True)} 08:14:37", 1)
        for extra in range(addresses):
            out.row("address_book.csv", address + extra, 500 + number, rng.choice("mf"),
                    f"{last} GmbH" if b2b else None, first, last, f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                    None, postcode, city, None, country_id)
        address += addresses


def articles(out: Writer, rows: int, rng: random.Random) -> None:
    """A shop article export (xt:Commerce products with texts in two languages, categories, prices)."""
    out.open("tax_class.csv", ["tax_class_id", "tax_class_title", "tax_class_description", "last_modified",
                               "date_added"])
    out.row("tax_class.csv", 1, "Standardsatz", None, "NULL", "2023-03-01 09:00:00")
    out.row("tax_class.csv", 2, "ermäßigter Steuersatz", None, "NULL", "2023-03-01 09:00:00")
    out.open("tax_rates.csv", ["tax_rates_id", "tax_zone_id", "tax_class_id", "tax_priority", "tax_rate",
                               "tax_description", "last_modified", "date_added"])
    out.row("tax_rates.csv", 1, 5, 1, 1, "19.0000", "19% MwSt.", "NULL", "2023-03-01 09:00:00")
    out.row("tax_rates.csv", 2, 5, 2, 1, "7.0000", "7% MwSt.", "NULL", "2023-03-01 09:00:00")
    out.open("manufacturers.csv", ["manufacturers_id", "manufacturers_name", "manufacturers_image", "date_added",
                                   "last_modified"])
    for number, name in enumerate(("Kochgut GmbH", "Teehaus Lüneburg", "Grünfaden GmbH"), start=1):
        out.row("manufacturers.csv", number, name, "NULL", "2023-03-01 09:00:00", "NULL")
    out.open("categories.csv", ["categories_id", "categories_image", "parent_id", "categories_status",
                                "categories_template", "group_permission_0", "sort_order", "products_sorting",
                                "date_added", "last_modified"])
    out.open("categories_description.csv", ["categories_id", "language_id", "categories_name",
                                            "categories_heading_title", "categories_description",
                                            "categories_meta_title", "categories_meta_description",
                                            "categories_meta_keywords"])
    count = max(3, rows // 400)
    for category in range(1, count + 1):
        parent = 0 if category <= 5 else rng.randint(1, min(category - 1, 50))
        out.row("categories.csv", category, "NULL", parent, 1, "default", 0, category, "p.products_sort",
                "2023-03-01 09:00:00", "NULL")
        out.row("categories_description.csv", category, 2, f"Küche & Haushalt {category}", None, None, None, None,
                None)
        out.row("categories_description.csv", category, 1, f"Kitchen & household {category}", None, None, None,
                None, None)
    out.open("products.csv", ["products_id", "products_ean", "products_quantity", "products_shippingtime",
                              "products_model", "products_sort", "products_image", "products_price",
                              "products_discount_allowed", "products_date_added", "products_last_modified",
                              "products_date_available", "products_weight", "products_status",
                              "products_tax_class_id", "manufacturers_id", "products_ordered"])
    out.open("products_description.csv", ["products_id", "language_id", "products_name", "products_description",
                                          "products_short_description", "products_keywords",
                                          "products_meta_title", "products_meta_description",
                                          "products_meta_keywords", "products_url", "products_viewed"])
    out.open("products_to_categories.csv", ["products_id", "categories_id"])
    out.open("personal_offers_by_customers_status_3.csv", ["price_id", "products_id", "quantity", "personal_offer"])
    out.open("specials.csv", ["specials_id", "products_id", "specials_quantity", "specials_new_products_price",
                              "specials_date_added", "specials_last_modified", "expires_date",
                              "date_status_change", "status"])
    number = offer = 0
    while out.rows < rows:
        number += 1
        good = rng.randrange(len(GOODS))
        cents = rng.randint(199, 49999)
        out.row("products.csv", number, f"40{number:011d}", rng.randint(0, 100), 1, f"A{number:07d}", number,
                "NULL", money(cents, comma=False) + "00", "0.00", "2023-03-01 10:12:00", "NULL", "NULL",
                f"{rng.randint(50, 5000) / 1000:.3f}", 1, 1 + (good % 3 == 0), 1 + number % 3, rng.randint(0, 99))
        out.row("products_description.csv", number, 2, f"{GOODS[good]} {number}",
                f"<p>Robuster {GOODS[good]} aus <strong>Edelstahl</strong> für Backofen &amp; Herd.</p>",
                "Aus nachhaltiger Herstellung", "kueche", GOODS[good], None, None, None, rng.randint(0, 999))
        out.row("products_description.csv", number, 1, f"{GOODS_EN[good]} {number}", "<p>Sturdy and simple.</p>",
                None, None, None, None, None, None, 0)
        out.row("products_to_categories.csv", number, rng.randint(1, count))
        for quantity in (1, 5) if number % 3 == 0 else (1,):
            offer += 1
            out.row("personal_offers_by_customers_status_3.csv", offer, number, quantity,
                    money(cents * (95 if quantity == 1 else 90) // 100, comma=False) + "00")
        if number % 5 == 0:
            out.row("specials.csv", number // 5, number, 0, money(cents * 85 // 100, comma=False) + "00",
                    "2024-11-01 00:00:00", "NULL", "2099-12-31 00:00:00", "NULL", 1)


def shipments(out: Writer, rows: int, rng: random.Random) -> None:
    """A GS-Office delivery-note export: one row per parcel, some notes with two parcels, some to label."""
    out.open("lieferscheine.csv", ["Lieferscheinnummer", "Lieferdatum", "Auftragsnummer", "Shopbestellnummer",
                                   "Kundennummer", "Versandart", "Versanddienstleister", "Paketnummer", "Gewicht",
                                   "LI_Firma", "LI_Vorname", "LI_Name", "LI_Strasse", "LI_Hausnummer", "LI_Zusatz",
                                   "LI_PLZ", "LI_Ort", "LI_Land", "EMail", "Telefon", "Sprache",
                                   "Nachnahmebetrag", "Waehrung", "Rechnungsnummer", "Warenbeschreibung",
                                   "Zolltarifnummer", "Zollwert", "Ursprungsland", "Menge"])
    number = 0
    while out.rows < rows:
        number += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        country, _, postcode, city = rng.choice([c for c in CITIES if c[0] != "CH"])
        dpd = number % 4 == 0
        parcels = 2 if number % 7 == 0 else 1
        mail = f"{first.lower()}.{number}@example.de".encode("ascii", "ignore").decode()
        for parcel in range(parcels):
            tracking = f"{number:010d}{parcel:04d}" if dpd else f"00340434{number:010d}{parcel:02d}"
            out.row("lieferscheine.csv", f"LS-{number:08d}", _date(rng, 2026), f"AB-{number:08d}",
                    f"{100000 + number}", f"{10000 + number % 5000:05d}", "DPD Classic" if dpd else "DHL Paket",
                    "DPD" if dpd else "DHL", tracking, money(rng.randint(50, 3000)), None, first, last,
                    rng.choice(STREETS), str(rng.randint(1, 120)), None, postcode, city, country, mail,
                    "0711 2345678", "Deutsch", None, "EUR", None, None, None, None, None, None)


FLOWS: dict[str, Callable[[Writer, int, random.Random], None]] = {
    "catalog": catalog, "stock": stock, "articles": articles, "customers": customers, "shipments": shipments}


def generate(flow: str, rows: int, folder: Path, seed: int = 1) -> int:
    """Write the export set of `flow` with about `rows` data rows into `folder`; the rows written."""
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        out = Writer(folder, stack)
        FLOWS[flow](out, rows, random.Random(seed))
        return out.rows


def files(folder: Path) -> Iterator[Path]:
    """The export files of a generated set (not its media pool)."""
    return (path for path in sorted(folder.iterdir()) if path.is_file())


def main(argv: list[str] | None = None) -> int:
    """Command line: FLOW N FOLDER [--seed S]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("flow", choices=sorted(FLOWS))
    parser.add_argument("rows", type=int, help="data rows over all files of the set")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    written = generate(args.flow, args.rows, args.folder, args.seed)
    print(f"{args.flow}: {written:,} rows in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
