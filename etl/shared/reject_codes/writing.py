"""Codes of records a target format cannot take: lengths, characters, schemas, files, the shop's import rules."""

from __future__ import annotations

from etl.i18n import N_
from etl.shared.reject_codes.base import Code

_SHORTEN = N_("shorten the value in the shop or GS-Office, export again (or raise max_length in the target layout "
              "if the other side allows more)")
_XTSOL = N_("change the text or setting the reason names in GS-Office, export again (or write the SQL route: "
            "--format sql)")
_TOOL = N_("run the flow with --debug on the file and report the output with the reject file")

CODES = {
    "too-long": Code(N_("is longer than {length} characters"), _SHORTEN, "source", {"length": 30}),
    "too-long-for-shop": Code(
        N_("longer than the shop's column holds ({table}: {most} characters); shorten it in the ERP"),
        _SHORTEN, "gs-office", {"table": "products_description", "most": 64}),
    "too-wide": Code(N_("does not fit the fixed width of {width} characters"), _SHORTEN, "source", {"width": 12}),
    "not-encodable": Code(
        N_("contains characters that {encoding} cannot hold and that have no Latin spelling"),
        N_("replace the characters in the shop or GS-Office, export again (or choose an encoding in the target "
           "layout that holds them)"), "source", {"encoding": "cp1252"}),
    "json-schema": Code(
        N_("the JSON schema refuses it: \"{detail}\""), _TOOL, "tool", {"detail": "'' is too short"}),
    "xml-schema": Code(
        N_("the XML schema refuses it: \"{detail}\""), _TOOL, "tool",
        {"detail": "Element 'ORDER_ID': [facet 'minLength'] The value has a length of '0'"}),
    "xml-not-well-formed": Code(
        N_("the rendered XML is not well-formed: \"{detail}\""), _TOOL, "tool",
        {"detail": "PCDATA invalid Char value 1"}),
    "missing-media-file": Code(
        N_("the file is not in the media folder {folder}"),
        N_("copy the named file into media/, then run again"), "media", {"folder": "media"}),
    "media-outside-folder": Code(
        N_("the file name leads outside the media folder {folder}; give a file name inside it"),
        N_("give a file name inside media/ in the shop or GS-Office, export again"), "source", {"folder": "media"}),
    "xtsol-too-many-images": Code(
        N_("more images than the shop takes ({images} besides the main image, setting MO_PICS): raise "
           "options.xtsol.images or drop an image"),
        N_("drop an image of the article in GS-Office, or raise options.xtsol.images in the layout (mappings/) "
           "as the shop's MO_PICS allows"), "layout", {"images": 3}),
    "xtsol-too-deep": Code(
        N_("the category path is deeper than the shop's import takes ({depth} levels)"),
        N_("move the article to a less deep Warengruppe in GS-Office, export again"), "gs-office", {"depth": 6}),
    "xtsol-charset": Code(
        N_("has characters that {encoding}, the shop's charset, cannot hold"),
        N_("replace the characters in GS-Office, export again"), "gs-office", {"encoding": "latin-1"}),
    "xtsol-separator": Code(
        N_("contains the separator of the shop's import (setting CSV_SEPERATOR), which splits at every "
           "separator: remove it, or use the SQL route"), _XTSOL, "gs-office"),
    "xtsol-quotes": Code(
        N_("contains ' \" or \\, which the shop's import (xt:Commerce 3) stores with an added backslash in names "
           "and descriptions: remove them, or use the SQL route (--format sql)"), _XTSOL, "gs-office"),
    "xtsol-manufacturer-quote": Code(
        N_("the shop's import looks a manufacturer up with this name unescaped in SQL and stops at ' or \\: "
           "create the manufacturer in the shop first under another spelling, or use the SQL route"),
        _XTSOL, "shop"),
    "xtsol-line-starts-xtsol": Code(
        N_("a line of this text starts with XTSOL, where the shop's import starts a new article; change the "
           "text"), _XTSOL, "gs-office"),
    "xtsol-no-category": Code(
        N_("the shop's import needs a category (p_cat.0) for every article; give the article a Warengruppe"),
        N_("give the article a Warengruppe in GS-Office, export again"), "gs-office"),
    "xtsol-category-unnamed": Code(
        N_("category {category} has no name in the shop's first language '{language}' in this run, and the "
           "shop's import finds categories by name"),
        N_("give the category a name in that language in GS-Office, export the categories with the articles"),
        "gs-office", {"category": "17", "language": "de"}),
    "xtsol-category-id": Code(
        N_("the shop's import cannot take a category called 'ID' (its category cache uses that key); rename "
           "the category"), N_("rename the category in GS-Office, export again"), "gs-office"),
    "xtsol-category-same-name": Code(
        N_("categories {categories} have the same name under one parent (case and umlauts ignored); the shop's "
           "import tells categories apart by name only and would put their articles together: rename one"),
        N_("rename one of the categories in GS-Office, export again"), "gs-office", {"categories": ["4", "9"]}),
}
