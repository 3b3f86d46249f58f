"""Codes of the flows from GS-Office to the shop and the carriers: documents, ERP orders, shipments."""

from __future__ import annotations

from decimal import Decimal

from etl.i18n import N_
from etl.shared.reject_codes.base import Code, Words

_LINK = N_("import the customer from the shop first (customers or orders flow), or correct the customer number "
           "in GS-Office, export again")
_ORDERS_FIRST = N_("import the shop's orders first (orders flow), then drop this export into the inbox again")

CODES = {
    "no-linked-customer": Code(
        N_("no shop customer is linked to this ERP customer number: there is no web account to show it in"),
        _LINK, "gs-office"),
    "net-plus-tax": Code(
        N_("is not net {net} + tax {tax}: the account must not show a wrong amount"),
        N_("correct the document's amounts in GS-Office, export again"), "gs-office",
        {"net": Decimal("100.00"), "tax": Decimal("19.00")}),
    "lines-do-not-add-up": Code(
        N_("the positions add up to {sum}: money is never guessed"),
        N_("correct the order's positions or net amount in GS-Office, export again"), "gs-office",
        {"sum": Decimal("120.50")}),
    "shop-order-not-imported": Code(
        N_("names a shop order the orders flow never imported: it would be the shop's order twice; import the "
           "shop's export first or clear the field in GS-Office"), _ORDERS_FIRST, "gs-office"),
    "unknown-shop-order": Code(
        N_("the shop does not know order {order} (no shop order of this number was imported by the orders flow): "
           "no shop update, mail or label"), _ORDERS_FIRST, "gs-office", {"order": "A-1042"}),
    "no-shop-order-number": Code(
        N_("the shop does not know a delivery note without shop order number: no shop update, mail or label"),
        N_("enter the shop order number on the delivery note in GS-Office, export again"), "gs-office"),
    "unknown-carrier": Code(
        N_("names no carrier of etl.yaml (carriers:), and the parcel number fits none"),
        N_("add the carrier to etl.yaml (carriers:), or correct the carrier in GS-Office, then export again"),
        "etl.yaml"),
    "not-a-parcel-number": Code(
        N_("is not a {carrier} parcel number ({form})"),
        N_("correct the parcel number in GS-Office, export again"), "gs-office",
        {"carrier": "DHL", "form": Words(N_("20 digits starting 00340434, or 12 digits"))}),
    "needs-config": Code(
        N_("etl.yaml names no {carrier} billing number for product {product} ({key}); another product's billing "
           "number would be refused by the portal"),
        N_("add the billing number to etl.yaml under the key the reason names, then drop the export into the "
           "inbox again"), "etl.yaml",
        {"carrier": "DHL", "product": "V53WPAK", "key": "carriers.dhl.billing_numbers.V53WPAK"}),
    "customs-data-missing": Code(
        N_("is missing: a parcel to {country} (outside the EU) needs customs data ({fields}) from the ERP export; "
           "add the columns (mappings/sage/shipments.yaml)"),
        N_("export the customs columns from GS-Office (and name them in mappings/sage/shipments.yaml), export "
           "again"), "export", {"country": "CH", "fields": ["Warenbeschreibung", "Zolltarifnummer"]}),
}
