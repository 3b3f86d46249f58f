"""Codes of values and rows an export holds that cannot be read as its layout declares."""

from __future__ import annotations

from decimal import Decimal

from etl.i18n import N_
from etl.shared.reject_codes.base import Code, Words

_FORMS = Words(N_("{form} or {other}"), {"form": "DD.MM.YYYY", "other": "YYYY-MM-DD"})
_AGAIN = N_("correct the value in the shop or GS-Office, then export again")

CODES = {
    "number-convention": Code(
        N_("is not a number in the form the mapping declares: {convention}"),
        N_("export the number in the form the layout declares (or change `decimal:` of the source layout in "
           "mappings/), then drop the export into the inbox again"), "export",
        {"convention": Words(N_("decimal comma, '.' only between groups of three digits (1.234,56)"))}),
    "not-a-number": Code(N_("is not a number"), _AGAIN, "source"),
    "not-a-whole-number": Code(N_("is not a whole number"), _AGAIN, "source"),
    "not-yes-no": Code(N_("is not a yes/no value (1/0, ja/nein, true/false)"), _AGAIN, "source"),
    "not-a-date": Code(
        N_("is not a date that exists in the form {forms}"),
        N_("correct the date in the shop or GS-Office, or add its form to `date_formats:` of the source layout "
           "(mappings/), then export again"), "source", {"forms": _FORMS}),
    "not-a-datetime": Code(
        N_("is not a date/time that exists in the form {forms}"),
        N_("correct the date in the shop or GS-Office, or add its form to `date_formats:` of the source layout "
           "(mappings/), then export again"), "source", {"forms": _FORMS}),
    "unreadable-value": Code(N_("cannot be read"), _AGAIN, "source"),
    "value-map": Code(
        N_("is not a known value (value map '{map}' of the {system} {flow} mapping); add it there"),
        N_("add the code to the value map the reason names (layout in mappings/), then drop the export into the "
           "inbox again"), "layout", {"map": "payment", "system": "shop", "flow": "orders"}),
    "required-empty": Code(
        N_("is required but empty"),
        N_("fill the empty field in the shop or GS-Office, export again"), "source"),
    "needed-when": Code(
        N_("is needed when {condition}, but empty"),
        N_("fill the field in the shop or GS-Office for such records, export again"), "source",
        {"condition": Words(N_("{field} is outside the EU"), {"field": "Land"})}),
    "needed-column-missing": Code(
        N_("is needed when {condition}, and the file has no such column"),
        N_("add the column to the export (or name the export's column in the source layout in mappings/), "
           "export again"), "export",
        {"condition": Words(N_("{field} is in the EU"), {"field": "Land"})}),
    "below-minimum": Code(N_("must be at least {bound}"), _AGAIN, "source", {"bound": Decimal("0")}),
    "above-maximum": Code(N_("must be at most {bound}"), _AGAIN, "source", {"bound": Decimal("99.5")}),
    "not-more-than": Code(N_("must be more than {bound}"), _AGAIN, "source", {"bound": Decimal("0.5")}),
    "not-less-than": Code(N_("must be less than {bound}"), _AGAIN, "source", {"bound": Decimal("100")}),
    "duplicate-key": Code(
        N_("{what} {value} is given more than once (also in {places}); every row with it is refused: keep one of "
           "them and export again"),
        N_("keep one record with this key in the shop or GS-Office (delete or renumber the others), export again"),
        "source", {"what": "Artikelnummer", "value": "PF-200",
                   "places": [Words(N_("{file} line {line}"), {"file": "artikel.csv", "line": 11})]}),
    "row-cut-off": Code(
        N_("the file ends inside this row: the export was cut off"),
        N_("export again (the file was cut off) and drop it into the inbox"), "export"),
    "row-runs-on": Code(
        N_("the row goes on in the next line (a line break inside a value?): the row cannot be split into its "
           "fields"),
        N_("remove the line break from the value in the shop or GS-Office (or export with quoted values), "
           "export again"), "export"),
    "row-field-count": Code(
        N_("the row has {count} fields where the header has {width}: a separator inside a value that is not "
           "quoted or escaped?"),
        N_("remove the separator from the value in the shop or GS-Office (or export with quoted values), "
           "export again"), "export", {"count": 7, "width": 6}),
    "export-cut-off": Code(
        N_("{file} ends inside its line {line} (the export was cut off): the rows of this order there and after "
           "it are missing; export that table again"),
        N_("export that table again (same date range) and drop the whole export into the inbox"), "export",
        {"file": "orders_products.csv", "line": 48}),
}
