"""BMEcat 2005 catalogs: the XML writer over the format's own layouts (mappings/bmecat/), valid against the
official schema (schemas/bmecat2005/bmecat_2005.xsd) the layouts name. docs/standards.md has the mapping."""

from __future__ import annotations

from etl.load.xml_writer import XmlWriter


class BmecatWriter(XmlWriter):
    """A BMEcat document per run: T_NEW_CATALOG, or in a delta run T_UPDATE_PRODUCTS and T_UPDATE_PRICES."""

    format = "bmecat"
    # A PRODUCT of an update replaces the buyer's product: it must carry all of the article's data.
    complete_records = True
