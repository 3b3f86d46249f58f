"""The rate of shipping and fees behind a summed `ot_tax`: generated orders, the way xt:Commerce taxes them
(goods at their rates, shipping at one standard rate of the country, each rate's tax rounded once),
stored in the real tables and exported flat by the real `mariadb --batch` client.

Where `service_tax_rate: highest` does not make the summed tax to the cent, the one standard rate of the
country that does is taken and named in the report; none or several: the order is refused.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

from etl.config import Config
from etl.flows.order_taxes import DEFAULT_RATES
from etl.i18n import translate
from tests.conftest import run_orders
from tests.flows.test_orders_summed_tax import FLAT_SELECT
from tests.mariadb import MariaDB

CENT = Decimal("0.01")
RATES = {country: [Decimal(r) for r in rates] for country, rates in DEFAULT_RATES.items()}
SHIPPING = ["0.00", "0.01", "0.02", "0.03", "0.05", "0.08", "0.10", "0.42", "1.00", "2.95", "3.90", "4.90", "5.95",
            "6.90", "12.00", "14.99", "29.00", "49.90"]


@dataclass
class Order:
    """A generated order: what the shop stored, and the rate its shipping really had."""

    order_id: int
    country: str  # delivery country
    rates_of: str  # the country whose rates the shop charged (AT customers of a shop without OSS: DE)
    gross: bool
    lines: list[tuple[Decimal, Decimal]]  # (line total, rate)
    shipping: Decimal
    shipping_rate: Decimal

    def taxes(self, service_rate: Decimal) -> dict[Decimal, Decimal]:
        """Tax per rate as the shop computes it: each rate's lines summed, taxed once, rounded half up."""
        sums: dict[Decimal, Decimal] = {}
        for amount, rate in [*self.lines, (self.shipping, service_rate)]:
            sums[rate] = sums.get(rate, Decimal(0)) + amount
        share = (lambda r: r / (100 + r)) if self.gross else (lambda r: r / 100)
        return {rate: (amount * share(rate)).quantize(CENT, ROUND_HALF_UP) for rate, amount in sums.items()}

    @property
    def summed(self) -> Decimal:
        return sum(self.taxes(self.shipping_rate).values(), Decimal(0))

    @property
    def total(self) -> Decimal:
        net = sum((a for a, _ in self.lines), Decimal(0)) + self.shipping
        return net if self.gross else net + self.summed

    def expected(self) -> Decimal | None:
        """The rate shipping should be written with, or None when the order must be refused."""
        makes = [r for r in RATES[self.rates_of] if sum(self.taxes(r).values()) == self.summed]
        highest = max(rate for _, rate in self.lines)
        if highest in makes:
            return highest  # the configured rate is tried first
        return makes[0] if len(makes) == 1 else None


def generate(seed: int = 26, count: int = 160) -> list[Order]:
    """Goods-rate mixes and shipping amounts over DE, AT and CH, net and gross."""
    rng = random.Random(seed)
    orders = []
    for n in range(count):
        country, rates_of = rng.choice([("DE", "DE"), ("DE", "DE"), ("AT", "AT"), ("CH", "CH"), ("AT", "DE")])
        rates = RATES[rates_of]
        mix = rng.sample(rates, rng.randint(1, len(rates)))
        lines = [(Decimal(rng.randint(1, 40000)) / 100, rng.choice(mix)) for _ in range(rng.randint(1, 4))]
        lines[0] = (lines[0][0], mix[0])  # every rate of the mix on some line
        # now and then a shop whose shipping tax class has a rate that is no standard rate (16 %: 2020's)
        shipping_rate = rng.choice([*rates, Decimal(16)])
        orders.append(Order(30000 + n, country, rates_of, rng.random() < 0.5, lines, Decimal(rng.choice(SHIPPING)),
                            shipping_rate))
    return orders


def _insert(mariadb: MariaDB, database: str, orders: list[Order]) -> None:
    statements = []
    for o in orders:
        address = f"'Petra', 'Schulz', '', 'Hauptstr. 1', '', 'Stadt', '1010', '', '{o.country}', '{o.country}'"
        statements.append(
            "INSERT INTO orders (orders_id, customers_id, customers_cid, customers_status, customers_status_name, "
            "customers_name, customers_firstname, customers_lastname, customers_street_address, customers_city, "
            "customers_postcode, customers_country, customers_telephone, customers_email_address, "
            "customers_address_format_id, delivery_name, "
            "delivery_firstname, delivery_lastname, delivery_company, delivery_street_address, delivery_suburb, "
            "delivery_city, delivery_postcode, delivery_state, delivery_country, delivery_country_iso_code_2, "
            "delivery_address_format_id, billing_name, billing_firstname, billing_lastname, billing_company, "
            "billing_street_address, billing_suburb, billing_city, billing_postcode, billing_state, billing_country, "
            "billing_country_iso_code_2, billing_address_format_id, payment_method, comments, date_purchased, "
            "orders_status, currency, currency_value, payment_class, shipping_method, shipping_class, customers_ip, "
            "language, refferers_id, ibn_billdate) VALUES "
            f"({o.order_id}, 7, '{o.order_id}', 2, 'Neuer Kunde', 'Petra Schulz', 'Petra', 'Schulz', 'Hauptstr. 1', "
            f"'Stadt', '1010', '{o.country}', '030 123', 'p.schulz@example.de', 5, 'Petra Schulz', {address}, 5, "
            f"'Petra Schulz', "
            f"{address}, 5, 'invoice', '', '2026-11-20 10:00:00', 1, 'EUR', 1.0, 'invoice', 'DHL', 'dhl_dhl', "
            "'127.0.0.1', 'german', '', '2026-11-20')")
        for n, (amount, rate) in enumerate(o.lines):
            statements.append(
                "INSERT INTO orders_products (orders_products_id, orders_id, products_id, products_model, "
                "products_name, products_price, final_price, products_tax, products_quantity, allow_tax) VALUES "
                f"({o.order_id * 10 + n}, {o.order_id}, {100 + n}, 'A-{n}', 'Artikel {n}', {amount}, {amount}, "
                f"{rate}, 1, {int(o.gross)})")
        totals = [("Versand:", o.shipping, "ot_shipping", 30), ("MwSt.:", o.summed, "ot_tax", 50),
                  ("Summe:", o.total, "ot_total", 99)]
        statements += [f"INSERT INTO orders_total (orders_id, title, text, value, class, sort_order) VALUES "
                       f"({o.order_id}, '{title}', '', {value}, '{cls}', {sort})" for title, value, cls, sort in totals]
    mariadb.client(database=database, sql=";\n".join(statements))


def test_shipping_takes_the_one_standard_rate_that_makes_the_summed_tax(
        workspace: Config, mariadb: MariaDB, shop_db: str, tmp_path: Path) -> None:
    orders = generate()
    keys = workspace.base / "mappings" / "sage" / "orders.yaml"  # GS-Office tax keys for AT and CH rates
    added = "".join(f'    "{r}": "{r}"\n' for r in ("20", "13", "10", "8.1", "3.8", "2.6"))
    keys.write_text(keys.read_text(encoding="utf-8").replace("  tax_keys:\n", "  tax_keys:\n" + added),
                    encoding="utf-8")
    _insert(mariadb, shop_db, orders)
    export = tmp_path / "orders_flat.tsv"
    export.write_bytes(mariadb.client("--batch", "--default-character-set=utf8mb4", database=shop_db,
                                      sql=FLAT_SELECT))
    report = run_orders(workspace, export, fmt="json")
    (output,) = report.outputs
    written = {r["Shopbestellnummer"]: r for r in json.loads(Path(output).read_text(encoding="utf-8"))["records"]}
    refused = {r.record: r for r in report.rejects}
    fallbacks: dict[tuple[str, Decimal], int] = {}
    for o in orders:
        rate, key = o.expected(), str(o.order_id)
        if rate is None:
            assert key not in written, o
            assert refused[key].field == "ot_tax", o
            continue
        record = written[key]
        (shipping,) = [p for p in record["positions"] if p["Positionsart"] == "Versand"]
        assert Decimal(shipping["Steuersatz"]) == rate, o
        # the taxes written per rate are the shop's, to the cent, and make its summed tax
        # the taxes written per rate are the shop's, to the cent, and make its summed tax (the ERP layout
        # has two rate columns: an order of three rates shows its highest two)
        shop = sorted(o.taxes(rate).items(), reverse=True)
        assert [(Decimal(record[f"Steuersatz{n}"]), Decimal(record[f"Steuer{n}"])) for n in (1, 2)
                if record.get(f"Steuersatz{n}")] == shop[:2], o
        assert Decimal(record["Steuerbetrag"]) == sum((t for _, t in shop), Decimal(0)) == o.summed, o
        if rate != max(r for _, r in o.lines):
            fallbacks[(o.rates_of, rate)] = fallbacks.get((o.rates_of, rate), 0) + 1
    outcomes = {"fallback": sum(fallbacks.values()), "refused": len(refused),
                "highest": len(written) - sum(fallbacks.values())}
    assert all(outcomes.values()), outcomes  # the generated orders reach every outcome
    assert {country for country, _ in fallbacks} == {"DE", "AT", "CH"}
    assert {r.reason.split("; ")[-1].split(" ")[-1] for r in refused.values()} >= {"either", "known"}
    notes = sorted(n.split(": ")[1].split(" (service_tax_rate")[0] for n in report.notes
                   if n.startswith("summed tax (ot_tax)"))
    assert notes == sorted(f"shipping and fees of {count} order(s) taxed at {rate.normalize():f} %, the standard "
                           f"rate of {country} that makes the summed tax to the cent"
                           for (country, rate), count in fallbacks.items())
    assert all("Steuer" in translate(n, "de") for n in report.notes if n.startswith("summed tax"))
    assert all("Steuer" in translate(r.reason, "de") for r in refused.values())
    assert (report.records_in, report.written, report.rejected) == (len(orders), len(written), len(refused))


def test_a_merchant_may_name_other_rates(workspace: Config, mariadb: MariaDB, shop_db: str, tmp_path: Path) -> None:
    """The rates are the layout's: with DE 16/7 instead of 19/7, 7 % goods with 19 % shipping are refused."""
    order = Order(40001, "DE", "DE", False, [(Decimal("100.00"), Decimal(7))], Decimal("10.00"), Decimal(19))
    layout = workspace.base / "mappings" / "shop" / "orders.yaml"
    text = layout.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["options"]["standard_tax_rates"]["DE"] == [19, 7]
    layout.write_text(text.replace("    DE: [19, 7]\n", "    DE: [16, 7]\n"), encoding="utf-8")
    _insert(mariadb, shop_db, [order])
    export = tmp_path / "orders_flat.tsv"
    export.write_bytes(mariadb.client("--batch", database=shop_db, sql=FLAT_SELECT))
    report = run_orders(workspace, export, fmt="json")
    (reject,) = report.rejects
    assert reject.reason.endswith("; no standard rate of DE (16 %, 7 %) for shipping and fees makes it either")
