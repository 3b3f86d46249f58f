"""Codes of input files refused as a whole (moved to error/ with a reason file) or left waiting."""

from __future__ import annotations

from etl.i18n import N_
from etl.shared.reject_codes.base import Code

CODES = {
    "not-a-plain-file": Code(
        N_("{file} is a link, a pipe or a device, not a file: it is not opened"),
        N_("put the export itself into the inbox (a copy, not a link)"), "inbox", {"file": "orders.csv"}),
    "no-flow-reads-it": Code(
        N_("no flow reads {file}: \"{detail}\""),
        N_("export with the expected columns, or adapt the layout (docs/layouts.md); then retry the file"),
        "layout", {"file": "liste.csv", "detail": "columns: Nr, Name; tried: orders, customers"}),
    "unreadable-export": Code(
        N_("{file} cannot be read: \"{detail}\""),
        N_("the export was cut off or damaged: export again"), "export",
        {"file": "orders.xml", "detail": "orders.xml, line 12: not well-formed"}),
    "incomplete-set": Code(
        N_("incomplete export: the {flow} tables {tables} are missing"),
        N_("drop all files of the export together (or as one folder or zip)"), "export",
        {"flow": "orders", "tables": ["orders_total"]}),
    "processing-failed": Code(
        N_("processing {file} failed: \"{detail}\""),
        N_("run `etl run <flow> --debug` on the file and report the output"), "tool",
        {"file": "orders.csv", "detail": "KeyError: 'x'"}),
}
