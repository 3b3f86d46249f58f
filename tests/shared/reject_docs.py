"""The tables of docs/rejects.md made from the registry of reject codes (`python -m tests.shared.reject_docs`)."""

from __future__ import annotations

import re
from pathlib import Path

from etl.i18n import text_in
from etl.shared.reject_codes import CODES, FILE_CODES, PLACES, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "rejects.md"
BLOCK = re.compile(r"(<!-- codes:(records|files) -->\n)(.*?)(<!-- /codes:\2 -->)", re.DOTALL)


def table(files: bool) -> str:
    """The Markdown table of the record codes (or the file codes): code, German words, next step, where."""
    rows = ["| code | the reason says (German, with example values) | next step | the fix is in |", "|---|---|---|---|"]
    for code, entry in CODES.items():
        if (code in FILE_CODES) != files:
            continue
        cells = (f"`{code}`", render(code, entry.example, "de"), text_in(entry.step, "de"),
                 text_in(PLACES[entry.fix], "de"))
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def generated(text: str) -> str:
    """`text` (docs/rejects.md) with its tables of codes made anew from the registry."""
    return BLOCK.sub(lambda m: m.group(1) + table(m.group(2) == "files") + m.group(4), text)


if __name__ == "__main__":
    DOC.write_text(generated(DOC.read_text(encoding="utf-8")), encoding="utf-8")
