"""Generate a realistic flat hhg-multistore order export for the benchmark.

`python bench/generate.py N OUT.csv [--seed S]` writes N order lines (one CSV row per line, order
fields repeated) in the dialect of tests/data/orders/flat_cp1252.csv: cp1252, `;`, decimal comma,
dates `dd.mm.yyyy hh:mm:ss`, CRLF, a header row, order totals as columns on every line of an order.

Every order reconciles to the cent (see tests/data/orders/EXPECTED.md): for gross orders
sum(final_price) + shipping + COD fee + discount + coupon == ot_total, for net orders the taxes are
added on top. Money is computed with decimal.Decimal. The file is written order by order, so memory
stays constant whatever N is.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

COLUMNS = (
    "orders_id", "store_id", "customers_id", "customers_cid", "customers_vat_id", "customers_status",
    "customers_status_name", "customers_firstname", "customers_lastname", "customers_company",
    "customers_street_address", "customers_suburb", "customers_city", "customers_postcode", "customers_state",
    "customers_country", "customers_telephone", "customers_email_address",
    "delivery_firstname", "delivery_lastname", "delivery_company", "delivery_street_address", "delivery_suburb",
    "delivery_city", "delivery_postcode", "delivery_state", "delivery_country", "delivery_country_iso_code_2",
    "billing_firstname", "billing_lastname", "billing_company", "billing_street_address", "billing_suburb",
    "billing_city", "billing_postcode", "billing_state", "billing_country", "billing_country_iso_code_2",
    "payment_method", "payment_class", "shipping_method", "shipping_class", "comments", "date_purchased",
    "orders_status", "currency", "currency_value", "account_type", "language",
    "orders_products_id", "products_id", "products_model", "products_name", "products_price", "final_price",
    "products_tax", "products_quantity", "allow_tax", "products_attributes",
    "ot_shipping", "ot_cod_fee", "ot_discount", "ot_coupon", "ot_tax_19", "ot_tax_7", "ot_total",
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ENCODING = "cp1252"
EOL = "\r\n"

FIRST_NAMES = (
    "Jürgen", "Jörg", "Björn", "Günter", "Käthe", "Anna-Lena", "Sören", "Müge", "Jürgen", "Thomas", "Sabine",
    "Katrin", "Heinz", "Mehmet", "Ségolène", "François", "Dörte", "Ursula", "Hans-Jürgen", "Zoë", "Ömer",
    "Lena", "Maximilian", "Lukas", "Sophie", "Marie", "Jonas", "Leonie", "Felix", "Hannah", "Paul", "Mia",
    "Frauke", "Gökhan", "Renée", "André", "Bärbel", "Grete", "Jens", "Ingrid", "Rüdiger", "Hélène",
)
LAST_NAMES = (
    "Müller", "Schäfer", "Weiß", "Groß", "Köhler", "Krämer", "Jäger", "Böhm", "Schröder", "Gößling", "Fuß",
    "Strauß", "Meißner", "Voß", "Nußbaum", "Özdemir", "Müller-Lüdenscheidt", "Weißgerber", "Schulze", "Wagner",
    "Becker", "Hoffmann", "Schmitz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Schütz", "Lößl", "Dräger",
    "d'Aubigné", "Großkopf", "Bäumer", "Süßmuth", "Ebeling", "Jürgensen", "Rößler", "Kühn", "Pöschl", "Maaß",
)
STREETS_DE = (
    "Königstraße", "Hauptstraße", "Schloßallee", "Am Rübenacker", "Große Bleichen", "Lindenweg", "Mühlenweg",
    "Bahnhofstraße", "Friedrich-Ebert-Straße", "Jägerstraße", "Grüner Weg", "Großbeerenstraße", "Goethestraße",
    "Sendlinger Straße", "Wilhelmstraße", "Straße des 17. Juni", "Am Gänsemarkt", "Brückenstraße",
    "Fürstenwall", "Über dem Wasser", "Kölner Straße", "Münsterplatz", "Schwanthalerstraße", "Hohe Düne",
)
STREETS_CH = ("Bahnhofstrasse", "Seestrasse", "Kirchgasse", "Marktgasse", "Dorfstrasse", "Zürcherstrasse")
# (city, postcode, state, country name, ISO code, phone prefix)
CITIES = (
    ("München", "80331", "Bayern", "Deutschland", "DE", "089"),
    ("Köln", "50667", "Nordrhein-Westfalen", "Deutschland", "DE", "0221"),
    ("Düsseldorf", "40213", "Nordrhein-Westfalen", "Deutschland", "DE", "0211"),
    ("Nürnberg", "90402", "Bayern", "Deutschland", "DE", "0911"),
    ("Lübeck", "23552", "Schleswig-Holstein", "Deutschland", "DE", "0451"),
    ("Göttingen", "37073", "Niedersachsen", "Deutschland", "DE", "0551"),
    ("Würzburg", "97070", "Bayern", "Deutschland", "DE", "0931"),
    ("Osnabrück", "49074", "Niedersachsen", "Deutschland", "DE", "0541"),
    ("Saarbrücken", "66111", "Saarland", "Deutschland", "DE", "0681"),
    ("Tübingen", "72070", "Baden-Württemberg", "Deutschland", "DE", "07071"),
    ("Lörrach", "79539", "Baden-Württemberg", "Deutschland", "DE", "07621"),
    ("Mönchengladbach", "41061", "Nordrhein-Westfalen", "Deutschland", "DE", "02161"),
    ("Gießen", "35390", "Hessen", "Deutschland", "DE", "0641"),
    ("Fürth", "90762", "Bayern", "Deutschland", "DE", "0911"),
    ("Böblingen", "71032", "Baden-Württemberg", "Deutschland", "DE", "07031"),
    ("Bad Tölz", "83646", "Bayern", "Deutschland", "DE", "08041"),
    ("Königs Wusterhausen", "15711", "Brandenburg", "Deutschland", "DE", "03375"),
    ("Dresden", "01067", "Sachsen", "Deutschland", "DE", "0351"),
    ("Leipzig", "04109", "Sachsen", "Deutschland", "DE", "0341"),
    ("Halle (Saale)", "06108", "Sachsen-Anhalt", "Deutschland", "DE", "0345"),
    ("Berlin", "10963", "Berlin", "Deutschland", "DE", "030"),
    ("Hamburg", "20095", "Hamburg", "Deutschland", "DE", "040"),
    ("Bremen", "28195", "Bremen", "Deutschland", "DE", "0421"),
    ("Stuttgart", "70173", "Baden-Württemberg", "Deutschland", "DE", "0711"),
    ("Frankfurt am Main", "60313", "Hessen", "Deutschland", "DE", "069"),
    ("Weißenburg i. Bay.", "91781", "Bayern", "Deutschland", "DE", "09141"),
    ("Wien", "1060", "Wien", "Österreich", "AT", "+43 1"),
    ("Graz", "8010", "Steiermark", "Österreich", "AT", "+43 316"),
    ("Linz", "4020", "Oberösterreich", "Österreich", "AT", "+43 732"),
    ("Klagenfurt am Wörthersee", "9020", "Kärnten", "Österreich", "AT", "+43 463"),
    ("Mödling", "2340", "Niederösterreich", "Österreich", "AT", "+43 2236"),
    ("Zürich", "8001", "Zürich", "Schweiz", "CH", "+41 44"),
    ("Basel", "4051", "Basel-Stadt", "Schweiz", "CH", "+41 61"),
    ("St. Gallen", "9000", "St. Gallen", "Schweiz", "CH", "+41 71"),
)
# Germany most of the time, Austria sometimes, Switzerland rarely.
CITY_WEIGHTS = tuple(30 if c[4] == "DE" else (8 if c[4] == "AT" else 4) for c in CITIES)
SUBURBS = ("", "", "", "", "", "", "", "Hinterhaus", "2. OG links", "Altstadt", "Favoriten", "c/o Büro Süd")
COMPANIES = (
    "Bäckerei Özdemir GmbH", "Feinkost Rossi & Söhne GmbH", "Müller & Söhne KG", "Café Glück OHG",
    "Weißwaren Großhandel GmbH", "Atelier Lumière GmbH", "Hofladen Gößweinstein e.K.", "Kräuterhaus Fürth GmbH",
    "Konditorei Süß & Co. KG", "Brauhaus Jägerhof GmbH",
)
COMMENTS = (
    "Bitte beim Nachbarn \"Schmidt\" abgeben; falls niemand da ist,\nbitte in die Garage stellen.",
    "Bitte Zollinhaltserklärung außen anbringen.",
    "Lieferung bitte nur vormittags; Tor ist sonst zu.",
    "Geschenk – bitte ohne Rechnung im Paket, danke!",
    "Klingel \"Müller/Weiß\" im 3. OG",
    "Bitte an die Packstation 123 liefern; Postnummer 4711",
    "Rechnung an \"Buchhaltung\"; Lieferung ans Lager",
    "Ab 15 Uhr im Büro; vorher bitte beim Pförtner abgeben.",
    "Grüße aus Köln! Größe bitte wie beim letzten Mal.",
    "Bitte nicht knicken.",
    "",
)
# (model, name, gross price, tax rate, attributes, weight in the catalogue)
PRODUCTS = (
    ("KM-2000", "Kaffeemühle Edelstahl", "49.90", 19, "", 5),
    ("WF-200", "Wärmflasche", "12.95", 19, "", 6),
    ("GS-L-01", "Gewürzset Größe L", "24.90", 7, "", 5),
    ("KF-4-100", "Kaffeefilter Gr. 4, 100 Stück", "3.49", 19, "", 8),
    ("MA-300", "Milchaufschäumer Edelstahl", "29.90", 19, "", 3),
    ("9783161484100", "Das Glück der kleinen Dinge", "18.00", 7, "", 3),
    ("9783458361183", "Märchen der Brüder Grimm (Großdruck)", "22.00", 7, "", 2),
    ("TEE-PF-20", "Bio-Kräutertee Pfefferminze, 20 Beutel", "3.99", 7, "", 9),
    ("LEB-500", "Nürnberger Elisenlebkuchen 500 g", "9.95", 7, "", 6),
    ("SH-100", "Süßholzwurzel geschnitten 100 g", "4.50", 7, "", 4),
    ("HON-AK-500", "Akazienhonig flüssig 500 g", "7.49", 7, "", 5),
    ("KAF-ESP-1K", "Espressobohnen \"Römische Mischung\" 1 kg", "19.90", 7, "", 7),
    ("TG-OF-02", "Teeglas \"Ostfriesland\" 0,2 l", "5.95", 19, "", 4),
    ("SCHN-BR-30", "Schneidebrett Buche 30×20 cm", "14.90", 19, "", 3),
    ("MES-KO-20", "Kochmesser Damast 20 cm", "89.00", 19, "", 1),
    ("TOPF-GU-24", "Gusseisen-Bräter 24 cm; oval", "129.00", 19, "", 1),
    ("SCH-WO-S", "Schürze Baumwolle grün", "16.50", 19, "", 2),
    ("TS-100-BL-M", "Herren T-Shirt Basic", "21.90", 19, "Farbe: Blau | Größe: M", 3),
    ("TS-100-RT-L", "Herren T-Shirt Basic", "21.90", 19, "Farbe: Rot | Größe: L", 2),
    ("TS-200-WS-S", "Damen T-Shirt Öko", "24.90", 19, "Farbe: Weiß | Größe: S", 2),
    ("TAS-JU-01", "Jutetasche \"Grüße aus dem Allgäu\"", "6.90", 19, "", 3),
    ("KER-BI-6", "Bienenwachskerzen, 6 Stück", "11.95", 19, "", 3),
    ("OEL-OL-500", "Olivenöl nativ extra 0,5 l", "12.49", 7, "", 5),
    ("NUD-DI-500", "Dinkelnudeln Spätzle 500 g", "2.79", 7, "", 6),
    ("SEN-SU-200", "Bayerischer Süßer Senf 200 ml", "2.29", 7, "", 5),
    ("SCHO-ZB-100", "Zartbitterschokolade 70 % 100 g", "2.99", 7, "", 8),
    ("MUE-KR-750", "Knuspermüsli Früchte 750 g", "5.49", 7, "", 5),
    ("GUT-25", "Geschenkgutschein 25 € (Karte)", "25.00", 19, "", 1),
    ("PF-GR-1", "Pfeffermühle Grün, Holz", "19.95", 19, "", 2),
    ("DOS-WE-3", "Vorratsdosen Weißblech, 3er Set", "17.90", 19, "", 2),
)
PRODUCT_WEIGHTS = tuple(p[5] for p in PRODUCTS)
# (payment class, weight for B2C, weight for B2B)
PAYMENTS = (
    ("paypal", 34, 0), ("moneyorder", 10, 2), ("banktransfer", 10, 3), ("invoice", 8, 20),
    ("klarna_invoice", 14, 0), ("cod", 5, 0), ("pn_sofortueberweisung", 8, 0), ("amazon_pay", 6, 0),
    ("cc", 5, 0),
)
# (method name, class, price per destination country)
SHIPPING = (
    ("Pauschale Versandkosten", "flat_flat", {"DE": "4.90", "AT": "9.90", "CH": "14.90"}),
    ("DHL Paket", "dhl_dhl", {"DE": "5.90", "AT": "12.00", "CH": "16.90"}),
    ("Deutsche Post", "dp_dp", {"DE": "3.95", "AT": "7.95", "CH": "9.95"}),
    ("DPD Classic", "dpd_dpd", {"DE": "6.50", "AT": "11.50", "CH": "18.50"}),
)
COD_FEE = Decimal("6.50")


def quote(value: str) -> str:
    """One CSV field: quoted (inner quotes doubled) when it holds `;`, a quote or a line break."""
    if ";" in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def money(value: Decimal) -> str:
    """An amount with two places and a decimal comma, as the shop export writes it."""
    return f"{value:.2f}".replace(".", ",")


def _ascii(text: str) -> str:
    table = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "ç": "c", "ë": "e", "'": "",
             " ": "", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
    return "".join(table.get(c, c) for c in text.lower())


@dataclass(frozen=True)
class Address:
    """A person at an address, as the (already quoted) CSV fields of one address block."""

    first: str
    last: str
    company: str
    street: str
    suburb: str
    city: str
    postcode: str
    state: str
    country: str
    iso: str

    def fields(self, with_iso: bool = True) -> list[str]:
        """The quoted fields in export order (firstname ... country[, iso])."""
        values = [self.first, self.last, self.company, self.street, self.suburb, self.city, self.postcode,
                  self.state, self.country]
        if with_iso:
            values.append(self.iso)
        return [quote(v) for v in values]


@dataclass(frozen=True)
class Customer:
    """A shop customer with fixed ids, contact data and billing address."""

    id: int
    cid: str
    status: str
    status_name: str
    vat_id: str
    phone: str
    email: str
    address: Address
    b2b: bool


@dataclass(frozen=True)
class Product:
    """A catalogue article with its pre-quoted CSV fragments for gross and net orders."""

    rate: int
    gross: Decimal
    net: Decimal
    head_gross: str
    head_net: str
    tax: str
    attributes: str


def _address(rng: random.Random, company: str = "") -> Address:
    city, postcode, state, country, iso, _ = rng.choices(CITIES, CITY_WEIGHTS)[0]
    streets = STREETS_CH if iso == "CH" else STREETS_DE
    number = f"{rng.randint(1, 140)}{rng.choice(('', '', '', '', 'a', 'b'))}"
    return Address(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), company, f"{rng.choice(streets)} {number}",
                   rng.choice(SUBURBS), city, postcode, state, country, iso)


def _customer(rng: random.Random, number: int, guest: bool = False) -> Customer:
    b2b = not guest and rng.random() < 0.06
    company = rng.choice(COMPANIES) if b2b else ""
    address = _address(rng, company)
    prefix = next(c[5] for c in CITIES if c[0] == address.city)
    phone = f"{prefix} {rng.randint(100000, 9999999)}"
    domain = "example.at" if address.iso == "AT" else ("example.ch" if address.iso == "CH" else "example.de")
    email = f"{_ascii(address.first)}.{_ascii(address.last)}{number % 97}@{domain}"
    if b2b:
        vat = {"DE": f"DE{rng.randint(100000000, 999999999)}", "AT": f"ATU{rng.randint(10000000, 99999999)}",
               "CH": f"CHE-{rng.randint(100, 999)}.{rng.randint(100, 999)}.{rng.randint(100, 999)} MWST"}
        return Customer(number, f"H-{number}", "3", "Händler", vat[address.iso], phone, email, address, True)
    return Customer(number, f"{number:05d}", "2", "Neuer Kunde", "", phone, email, address, False)


def _products() -> list[Product]:
    products = []
    for index, (model, name, price, rate, attributes, _) in enumerate(PRODUCTS, start=101):
        gross = Decimal(price)
        net = (gross * HUNDRED / (HUNDRED + rate)).quantize(CENT, ROUND_HALF_UP)
        head = f"{index};{quote(model)};{quote(name)};"
        products.append(Product(rate, gross, net, head + money(gross), head + money(net), f"{rate},00",
                                quote(attributes)))
    return products


def _tax(base: Decimal, rate: int, gross: bool) -> Decimal:
    """VAT of `base` at `rate` %: included in a gross amount, or on top of a net amount."""
    divisor = HUNDRED + rate if gross else HUNDRED
    return (base * rate / divisor).quantize(CENT, ROUND_HALF_UP)


class Generator:
    """Writes orders with consecutive ids; state is a fixed customer pool and a few counters."""

    def __init__(self, seed: int, unreadable: bool = False) -> None:
        self.rng = random.Random(seed)
        self.mark = "*" if unreadable else ""  # a footnote mark after every line's price: no line is readable
        self.customers = [_customer(self.rng, 1000 + i) for i in range(5000)]
        self.products = _products()
        self.order_id = 100000
        self.line_id = 500000
        self.when = datetime(2026, 1, 2, 7, 30, 0)
        self.payments_b2c = ([p[0] for p in PAYMENTS], [p[1] for p in PAYMENTS])
        self.payments_b2b = ([p[0] for p in PAYMENTS], [p[2] for p in PAYMENTS])

    def order(self, lines: int) -> str:
        """The CSV rows (CRLF-terminated) of the next order with `lines` order lines."""
        rng = self.rng
        self.order_id += 1
        self.when += timedelta(seconds=rng.randint(5, 240))
        guest = rng.random() < 0.15
        if guest:
            customer = _customer(rng, 900000 + self.order_id % 100000, guest=True)
            cid, status, status_name, account_type = "", "1", "Gast", "1"
        else:
            customer = rng.choice(self.customers)
            cid, status, status_name, account_type = customer.cid, customer.status, customer.status_name, "0"
        net_prices = customer.b2b and rng.random() < 0.9
        store = "2" if customer.b2b else rng.choices(("1", "2", "3"), (70, 10, 20))[0]
        billing = customer.address
        delivery = billing if rng.random() < 0.85 else _address(rng, rng.choice(("", "", "", *COMPANIES)))
        names, weights = self.payments_b2b if customer.b2b else self.payments_b2c
        payment = rng.choices(names, weights)[0]
        if payment == "cod" and delivery.iso != "DE":
            payment = "moneyorder"
        method, shipping_class, prices = rng.choice(SHIPPING)
        comment = rng.choice(COMMENTS) if rng.random() < 0.12 else ""

        # Order lines: gross prices for B2C, net prices (allow_tax 0) for most B2B orders.
        allow_tax = "0" if net_prices else "1"
        by_rate: dict[int, Decimal] = {}
        rows: list[tuple[Product, int, Decimal]] = []
        for product in rng.choices(self.products, PRODUCT_WEIGHTS, k=lines):
            quantity = rng.randint(1, 20) if customer.b2b else rng.choices((1, 2, 3, 4, 6), (70, 16, 7, 4, 3))[0]
            final = (product.net if net_prices else product.gross) * quantity
            rows.append((product, quantity, final))
            by_rate[product.rate] = by_rate.get(product.rate, Decimal(0)) + final
        subtotal = sum(by_rate.values(), Decimal(0))

        shipping = Decimal(prices[delivery.iso])
        if not net_prices and delivery.iso == "DE" and subtotal >= 150 and rng.random() < 0.5:
            shipping = Decimal(0)  # free shipping over 150 EUR
        if net_prices:
            shipping = (shipping * HUNDRED / 119).quantize(CENT, ROUND_HALF_UP)
        cod = COD_FEE if payment == "cod" else Decimal(0)
        discount = coupon = Decimal(0)
        single_rate = len(by_rate) == 1
        if single_rate and not net_prices:  # deductions only where all goods have one rate
            if rng.random() < 0.08:
                discount = -(subtotal * 3 / HUNDRED).quantize(CENT, ROUND_HALF_UP)
            if rng.random() < 0.05 and subtotal > 40:
                coupon = -Decimal(rng.choice((5, 10, 20)))
        highest = max(by_rate)
        base = dict(by_rate)
        base[highest] += shipping + cod  # shipping and fees carry the highest rate of the goods
        if single_rate:
            base[highest] += discount + coupon
        taxes = {rate: _tax(amount, rate, not net_prices) for rate, amount in base.items()}
        total = subtotal + shipping + cod + discount + coupon
        if net_prices:
            total += sum(taxes.values(), Decimal(0))

        head = [
            str(self.order_id), store, str(customer.id), cid, customer.vat_id, status, status_name,
            *customer.address.fields(with_iso=False), customer.phone, customer.email,
            *delivery.fields(), *billing.fields(),
            payment, payment, method, shipping_class, quote(comment), f"{self.when:%d.%m.%Y %H:%M:%S}",
            rng.choices(("1", "2", "3"), (80, 15, 5))[0], "EUR", "1,000000", account_type, "german",
        ]
        prefix = ";".join(head) + ";"
        tail = ";".join((
            money(shipping), money(cod) if cod else "", money(discount) if discount else "",
            money(coupon) if coupon else "", money(taxes[19]) if 19 in taxes else "",
            money(taxes[7]) if 7 in taxes else "", money(total),
        ))
        out = []
        for product, quantity, final in rows:
            self.line_id += 1
            head_text = product.head_net if net_prices else product.head_gross
            out.append(f"{prefix}{self.line_id};{head_text};{money(final)}{self.mark};{product.tax};{quantity};{allow_tax};"
                       f"{product.attributes};{tail}{EOL}")
        return "".join(out)


def generate(lines: int, path: Path, seed: int = 1, unreadable: bool = False) -> int:
    """Write `lines` order lines to `path` (via a temporary name); return the number of orders.

    `unreadable`: every line's final price is not a number, so every line is refused.
    """
    generator = Generator(seed, unreadable)
    rng = generator.rng
    orders = 0
    temp = path.with_name(f".{path.name}.part")
    with temp.open("w", encoding=ENCODING, newline="", buffering=1 << 20) as handle:
        handle.write(";".join(COLUMNS) + EOL)
        left = lines
        while left > 0:
            count = min(left, rng.randint(1, 20))  # about 10 lines per order, 1 to 20
            handle.write(generator.order(count))
            left -= count
            orders += 1
    temp.replace(path)
    return orders


def main(argv: list[str] | None = None) -> int:
    """Command line: `generate.py N OUT.csv [--seed S] [--unreadable-prices]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=int, help="number of order lines (CSV rows without the header)")
    parser.add_argument("out", type=Path, help="the CSV file to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--unreadable-prices", action="store_true",
                        help="every line's final price is not a number (every line is refused)")
    args = parser.parse_args(argv)
    if args.lines < 0:
        parser.error("N must not be negative")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    orders = generate(args.lines, args.out, args.seed, args.unreadable_prices)
    print(f"wrote {args.lines} lines, {orders} orders to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
