"""Carriers: how their parcel numbers look, where they are tracked, and the sender of labels.

The settings live in `etl.yaml` (`carriers:` and `sender:`); the defaults below are DHL Paket and DPD
as documented publicly, plus GLS, UPS and Hermes URLs after modified eCommerce's `carriers` table.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from pydantic import field_validator

from etl.i18n import N_
from etl.shared.strict import Strict

# EU member states (ISO 3166 alpha-2): parcels between them need no customs declaration.
EU = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
      "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")


class Carrier(Strict):
    """One carrier: display name, parcel-number patterns, tracking URL, label settings."""

    name: str
    patterns: list[str] = []  # a parcel number must match one (whole number); none = anything goes
    number_form: str = ""  # the patterns in words, for the reject reason
    tracking_url: str = ""  # {number} and {lang} are replaced (modified's $1 and $2 are accepted too)
    billing_number: str = ""  # DHL Abrechnungsnummer: EKP (10) + Verfahren (2) + Teilnahme (2)
    # Billing number per label product (V01PAK: procedure 01, V53WPAK: 53, ...); see billing_for.
    billing_numbers: dict[str, str] = {}
    product: str = ""  # label product code for national parcels, e.g. V01PAK
    product_international: str = ""
    home_country: str = "DE"  # where `product` applies; elsewhere `product_international`
    default_weight: float = 1.0  # kg, when the source has no weight (shop orders)
    cod_iban: str = ""  # account for cash on delivery amounts
    cod_bic: str = ""
    cod_account_holder: str = ""  # Zahlungsempfänger
    cod_bank_name: str = ""
    customs_free: list[str] = list(EU)  # destinations without customs data (ISO-2); others need it
    shop_codes: list[str] = []  # shop shipping modules (shipping_class prefix) this carrier ships

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            re.compile(pattern)
        return value

    def accepts(self, number: str) -> bool:
        """Whether `number` has one of this carrier's parcel-number forms."""
        return not self.patterns or any(re.fullmatch(p, number) for p in self.patterns)

    def product_for(self, country: str | None) -> str | None:
        """The label product for a destination: national at home, else international."""
        product = self.product if (country or self.home_country) == self.home_country else self.product_international
        return product or None

    def billing_for(self, product: str | None) -> str | None:
        """The billing number of `product`: from `billing_numbers`, or `billing_number` if its procedure fits.

        DHL's billing number carries the procedure in digits 11-12 (V01PAK: 01, V53WPAK: 53): a label
        booked with another product's procedure is refused by the portal, so none is guessed.
        """
        if not product:
            return None
        if product in self.billing_numbers:
            return self.billing_numbers[product]
        procedure = re.match(r"V(\d\d)", product)
        if self.billing_number and procedure and self.billing_number[10:12] == procedure.group(1):
            return self.billing_number
        return None

    def needs_customs(self, country: str | None) -> bool:
        """Whether a parcel to `country` needs customs data (outside `customs_free`)."""
        return bool(country) and country not in self.customs_free

    def url(self, number: str, language: str = "de") -> str | None:
        """The tracking link of `number`, or None when the carrier has no URL template."""
        if not self.tracking_url:
            return None
        template = self.tracking_url.replace("$1", "{number}").replace("$2", "{lang}")
        return template.replace("{number}", quote(number)).replace("{lang}", quote(language))


def default_carriers() -> dict[str, Carrier]:
    """DHL (20 digits from 00340434, or the legacy 12 digits), DPD (14 digits), GLS, UPS, Hermes."""
    return {
        "dhl": Carrier(name="DHL", patterns=[r"00340434\d{12}", r"\d{12}"], product="V01PAK",
                       number_form=N_("20 digits starting 00340434, or 12 digits"),
                       product_international="V53WPAK", shop_codes=["dhl"],
                       tracking_url="https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html"
                                    "?piececode={number}"),
        "dpd": Carrier(name="DPD", patterns=[r"\d{14}"], shop_codes=["dpd"], number_form=N_("14 digits"),
                       tracking_url="https://my.dpd.de/redirect.aspx?action=2&parcelno={number}&locale={lang}"),
        "gls": Carrier(name="GLS", shop_codes=["gls"],
                       tracking_url="https://gls-group.eu/DE/de/paketverfolgung?match={number}"),
        "ups": Carrier(name="UPS", patterns=[r"1Z[0-9A-Z]{16}"], shop_codes=["ups", "upse"],
                       number_form=N_("1Z and 16 letters or digits"),
                       tracking_url="https://www.ups.com/track?loc=de_DE&tracknum={number}"),
        "hermes": Carrier(name="Hermes", shop_codes=["hermes"],
                          tracking_url="https://www.myhermes.de/empfangen/sendungsverfolgung/"
                                       "sendungsinformation/#{number}"),
    }


class Sender(Strict):
    """The merchant's address, printed as sender on labels."""

    name: str = ""
    name2: str = ""
    street: str = ""
    house_number: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "DE"
    email: str = ""
    phone: str = ""
