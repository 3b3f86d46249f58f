"""What the merchant does about a refused record or file: the next step for a reason (docs/rejects.md)."""

from __future__ import annotations

GUIDE = "docs/rejects.md"
_AGAIN = "then drop the export into the inbox again"

# (words found in the reason, what to do); the first rule that matches wins, so the specific ones come first.
RECORD_STEPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("value map",), "add the code to the value map the reason names (layout in mappings/), " + _AGAIN),
    (("does not add up",), "check the order in the shop admin (a manual edit, a plugin fee), fix it there, "
                           "export again"),
    (("which is not in the",), "export the orders together with their lines and totals (same date range)"),
    (("the carrier would not accept", "parcel number", "house number"),
     "correct the delivery address in the shop; the order itself was written"),
    (("the file ",), "copy the named file into media/, then run again"),
    (("longer than",), "shorten the value in the shop or GS-Office, export again (or raise max_length in the "
                       "target layout if the other side allows more)"),
    (("required",), "fill the empty field in the shop or GS-Office, export again"),
    (("postcode", "e-mail", "VAT id", "country"), "correct the customer's data in the shop, export again"),
    (("is not a number", "is not a whole number", "is not a date", "yes/no"),
     "correct the value in the shop or GS-Office, export again"),
)
FILE_STEPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("incomplete export",), "drop all files of the export together (or as one folder or zip)"),
    (("no flow", "not processed"), "export with the expected columns, or adapt the layout (docs/layouts.md); "
                                   "then retry the file"),
    (("processing failed",), "run `etl run <flow> --debug` on the file and report the output"),
    (("well-formed", "not valid JSON", "cannot be read"), "the export was cut off or damaged: export again"),
)
WAITING_STEP = "close the program that holds the file (Excel), or give the tool read access; the next run takes it"


def for_record(reason: str) -> str:
    """The next step for a refused record's reason."""
    return _match(reason, RECORD_STEPS, "correct the record at its source and export again")


def for_file(reason: str) -> str:
    """The next step for a refused file's reason."""
    return _match(reason, FILE_STEPS, "fix the cause named in the reason, then retry the file")


def _match(reason: str, rules: tuple[tuple[tuple[str, ...], str], ...], default: str) -> str:
    lowered = reason.lower()
    for words, step in rules:
        if any(word.lower() in lowered for word in words):
            return step
    return f"{default} (see {GUIDE})"
