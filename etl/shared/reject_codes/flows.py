"""Codes of a flow's business rules: records that can be read but do not fit together or into the other system."""

from __future__ import annotations

from decimal import Decimal

from etl.i18n import N_
from etl.shared.reject_codes.base import Code, Words

_SHOP_ORDER = N_("check the order in the shop admin (a manual edit, a plugin fee), fix it there, export again")
_CUSTOMER = N_("correct the customer's data in the shop, export again")
_WHOLE = N_("export the tables together (same date range) and drop them into the inbox together")
_ARTICLE = N_("export the articles together with what belongs to them, or correct the article number, export again")
_CATEGORY = N_("export the categories together with the articles, or correct the category, export again")
_LINK = N_("import the customer from the shop first (customers or orders flow), or correct the customer "
           "number in GS-Office, export again")
_CARRIER = N_("correct the delivery address in the shop; the order itself was written")
_TAXES = N_("check the order's taxes in the shop admin, fix them there, export again (or name the rate of "
            "shipping and fees: options.service_tax_rate in the shop orders layout)")



def _rate(rate: int) -> Words:
    return Words(N_("{rate} %"), {"rate": Decimal(rate)})


CODES = {
    "unknown-total-class": Code(
        N_("is an order total class the shop mapping does not know (options.totals_classes); add it there"),
        N_("add the class to options.totals_classes of the shop orders layout (mappings/), then drop the export "
           "into the inbox again"), "layout"),
    "several-grand-totals": Code(
        N_("the order has more than one grand total (orders_total class ot_total): which one holds is not known"),
        _SHOP_ORDER, "shop"),
    "no-grand-total": Code(N_("the order has no grand total (orders_total class ot_total)"), _WHOLE, "export"),
    "no-product-lines": Code(N_("the order has no product lines"), _WHOLE, "export"),
    "order-does-not-add-up": Code(
        N_("the order does not add up: {parts} make {sum}, the order total is {total} (difference {difference})"),
        _SHOP_ORDER, "shop",
        {"parts": Words(N_("items, shipping, fees, discounts and coupons plus taxes")), "sum": Decimal("33.39"),
         "total": Decimal("38.29"), "difference": Decimal("4.90")}),
    "ambiguous-totals": Code(
        N_("the lines of the order give different amounts in this totals column: which one holds is not known"),
        _SHOP_ORDER, "shop"),
    "line-without-order": Code(
        N_("this {what} belongs to order {value}, which is not in the export"), _WHOLE, "export",
        {"what": Words(N_("order line")), "value": "20026"}),
    "position-without-order": Code(N_("a position without its order header in this export"), _WHOLE, "export"),
    "tax-does-not-add-up": Code(
        N_("the taxes computed from the order lines per rate ({per}) make {made}, the summed tax (ot_tax) is "
           "{summed} (difference {difference})"), _TAXES, "shop",
        {"per": [Words(N_("{rate} %: {tax}"), {"rate": Decimal(19), "tax": Decimal("4.79")})],
         "made": Decimal("4.79"), "summed": Decimal("5.57"), "difference": Decimal("0.78")}),
    "tax-no-standard-rate": Code(
        N_("the taxes computed from the order lines per rate ({per}) make {made}, the summed tax (ot_tax) is "
           "{summed} (difference {difference}); no standard rate of {country} ({rates}) for shipping and fees "
           "makes it either"), _TAXES, "shop",
        {"per": [Words(N_("no taxed lines"))], "made": Decimal(0), "summed": Decimal("1.00"),
         "difference": Decimal("1.00"), "country": "DE", "rates": [_rate(19), _rate(7)]}),
    "tax-rate-ambiguous": Code(
        N_("the taxes computed from the order lines per rate ({per}) make {made}, the summed tax (ot_tax) is "
           "{summed} (difference {difference}); shipping and fees at {rates} would each make it: which rate the "
           "shop used is not known"), _TAXES, "shop",
        {"per": [Words(N_("{rate} %: {tax}"), {"rate": Decimal(7), "tax": Decimal("0.70")})],
         "made": Decimal("0.70"), "summed": Decimal("1.20"), "difference": Decimal("0.50"),
         "rates": [_rate(19), _rate(7)]}),
    "unknown-country-id": Code(N_("is a country id that is not in the countries table"), _WHOLE, "export"),
    "address-without-customer": Code(
        N_("this address belongs to customer {value}, who is not in the export"), _WHOLE, "export",
        {"value": "1042"}),
    "no-name": Code(N_("is empty, and there is no company either"), _CUSTOMER, "shop"),
    "invalid-email": Code(N_("is not a valid e-mail address"), _CUSTOMER, "shop"),
    "no-email": Code(N_("no e-mail address: the customer cannot be asked to pay"), _CUSTOMER, "shop"),
    "unknown-country": Code(N_("is not a known country (ISO 3166 code)"), _CUSTOMER, "shop"),
    "country-missing": Code(N_("is missing: the address has no country"), _CUSTOMER, "shop"),
    "postcode-form": Code(N_("does not fit a postcode of {country}"), _CUSTOMER, "shop", {"country": "DE"}),
    "vat-id-form": Code(N_("is not a valid VAT id of {country}"), _CUSTOMER, "shop", {"country": "AT"}),
    "not-a-vat-id": Code(N_("is not a VAT id (two-letter country prefix and number)"), _CUSTOMER, "shop"),
    "no-house-number": Code(N_("has no house number: the carrier cannot deliver it"), _CARRIER, "shop"),
    "carrier-refused": Code(N_("is not a postcode of {country}: the carrier would not accept the label"),
                            _CARRIER, "shop", {"country": "DE"}),
    "category-not-in-export": Code(
        N_("is in category {category}, which is not in the {export} export (or was refused)"), _CATEGORY, "export",
        {"category": "17", "export": "Warengruppen"}),
    "texts-without-category": Code(
        N_("these texts belong to category {category}, which is not in the {export} export (or was refused)"),
        _CATEGORY, "export", {"category": "17", "export": "categories"}),
    "category-cycle": Code(
        N_("category {category} is in a cycle of parent categories ({cycle})"),
        N_("correct the parent category in the ERP or the shop so that the categories form a tree, export again"),
        "source", {"category": "4", "cycle": "4 -> 9 -> 4"}),
    "category-parent-missing": Code(
        N_("category {category} has the parent category {parent}, which is not in the export"), _CATEGORY,
        "export", {"category": "4", "parent": "2"}),
    "category-below-unplaced": Code(
        N_("category {category} is below category {parent}, which cannot be placed"), _CATEGORY, "export",
        {"category": "5", "parent": "4"}),
    "category-twice": Code(
        N_("category {category} is given twice"),
        N_("keep one record with this key in the shop or GS-Office (delete or renumber the others), export again"),
        "source", {"category": "4"}),
    "unknown-article": Code(
        N_("article {sku} is not in the article export (or was refused)"), _ARTICLE, "export", {"sku": "GH-9998"}),
    "unknown-related-article": Code(
        N_("{sku} is the article itself or not in the article export"), _ARTICLE, "gs-office", {"sku": "GH-9998"}),
    "negative-price": Code(
        N_("a price must not be negative, a quantity break must be more than 0"),
        N_("correct the price or quantity break in the shop or GS-Office, export again"), "source"),
    "bom-refused": Code(
        N_("the bill of material {sku} is refused as a whole: it is not in the article export, or a component is "
           "not, or a quantity is not positive"),
        N_("correct the bill of material in GS-Office (its article, components and quantities), export again"),
        "gs-office", {"sku": "SET-1"}),
    "bom-quantity": Code(
        N_("the bill of material {sku} is refused as a whole: a quantity is not positive"),
        N_("correct the bill of material in GS-Office (its article, components and quantities), export again"),
        "gs-office", {"sku": "SET-1"}),
    "no-products-model": Code(
        N_("product {product} has no products_model: GS-Office needs an Artikelnummer; enter the Artikelnummer "
           "(Artikel-Nr.) in the shop and export again"),
        N_("enter the article number (Artikel-Nr.) in the shop, export again"), "shop", {"product": "311"}),
    "shared-products-model": Code(
        N_("products {products} share this products_model; GS-Office needs a different Artikelnummer for each: "
           "change it in the shop"),
        N_("give each product its own article number in the shop, export again"), "shop",
        {"products": ["311", "312"]}),
    "unknown-manufacturer": Code(
        N_("manufacturer {manufacturer} is not in the manufacturers export"), _WHOLE, "export",
        {"manufacturer": "8"}),
    "tax-class-without-rate": Code(
        N_("tax class {tax_class} has no rate in {source}"),
        N_("export the shop's tax_rates with the articles, or add the class to the value map tax_class_rates of "
           "the shop articles layout (mappings/)"), "layout",
        {"tax_class": "3", "source": Words(N_("tax_rates (zone {zone})"), {"zone": "5"})}),
    "row-without-product": Code(
        N_("this {table} row belongs to product {product}, which is not in the products export"), _WHOLE, "export",
        {"table": "specials", "product": "311"}),
    "price-group-unknown": Code(
        N_("cannot tell the customer group of this price: name the file personal_offers_by_customers_status_<N> "
           "(N = customers_status_id), as the shop's table is called"),
        N_("export the table under its shop name personal_offers_by_customers_status_<N>, drop it again"),
        "export"),
}
