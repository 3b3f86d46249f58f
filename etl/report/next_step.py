"""What the merchant does about a refused record or file: the next step of its reject code (docs/rejects.md)."""

from __future__ import annotations

from etl.i18n import N_, text_in
from etl.shared.reject_codes import CODES, next_step

GUIDE = "docs/rejects.md"
WAITING_STEP = "close the program that holds the file (Excel), or give the tool read access; the next run takes it"


def for_code(code: str | None, lang: str | None = None) -> str:
    """The next step for a refused record's or file's code, and where the fix is, in `lang`.

    A reject file or reason file written before codes existed has none: the guide is named.
    """
    if code in CODES:
        return next_step(code, lang)
    return text_in(N_("fix the cause named in the reason, then retry (see {guide})"), lang).format(guide=GUIDE)


for_record = for_file = for_code  # the names the status page and `etl status` called before codes
