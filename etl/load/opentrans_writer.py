"""openTRANS 2.1 documents: the XML writer with the format's own target layouts (mappings/opentrans/).

Everything a document holds is in its layout (`xml:` paths, namespaces, one document per record) and
its schema is the official `opentrans_2_1.xsd` the layout names; this class only gives the format
its name, so that `--format opentrans` picks those layouts (`registry.py`: `layouts="opentrans"`).
"""

from __future__ import annotations

from etl.load.xml_writer import XmlWriter


class OpentransWriter(XmlWriter):
    """One openTRANS document per record (ORDER per order, DISPATCHNOTIFICATION per delivery note, ...)."""

    format = "opentrans"
