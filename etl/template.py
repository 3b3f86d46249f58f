"""`etl template customers`: the Kundenimport template with German headers, help row and an example."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from etl.i18n import N_
from etl.shared.errors import UsageError
from etl.shared.model import field_type
from etl.transform.layout import SourceLayout

HELP_MARK = "# "
# The example row's first cell: a row starting with '#' is a note, never a record (transform/source.py),
# so Erika Mustermann is not imported when left in. The merchant-facing text of this module.
EXAMPLE_MARK = HELP_MARK + "Beispiel, wird nicht importiert"
NUMBERS = ("decimal", "int", "date", "datetime")  # the only columns Excel may read as numbers or dates
FREE_NAMES = 1000  # `name (2).xlsx` ... before giving up


def template_columns(layout: SourceLayout) -> list[str]:
    """The template's column headers: the first column name of each field of the `template` table."""
    if "template" not in layout.tables:
        raise UsageError(f"the {layout.flow} layout has no template table")
    return [spec.column[0] for spec in layout.tables["template"].fields.values()]


def text_columns(layout: SourceLayout) -> list[str]:
    """The template's columns that are text (every one not a number or date): PLZ 01067 keeps its zero."""
    table = layout.tables["template"]
    return [spec.column[0] for name, spec in table.fields.items()
            if (spec.type or (table.entity and field_type(table.entity, name)) or "string") not in NUMBERS]


def write_template(layout: SourceLayout, fmt: str, path: Path, *, new_name: bool = False) -> Path:
    """Write the template as csv (cp1252, `;`) or xlsx, never over a file: `path`, or with `new_name` the first
    free `name (2).xlsx`; the help and example rows start with '# ': never imported."""
    columns = template_columns(layout)
    help_texts = layout.options.get("template_help", {})
    example = layout.options.get("template_example", {})
    help_row = [help_texts.get(c, "") for c in columns]
    help_row[0] = HELP_MARK + help_row[0]
    example_row = [str(example.get(c, "")) for c in columns]
    example_row[0] = f"{EXAMPLE_MARK}: {example_row[0]}" if example_row[0] else EXAMPLE_MARK
    rows = [columns, help_row, example_row]
    if fmt == "csv":
        text = io.StringIO(newline="")
        csv.writer(text, delimiter=";", lineterminator="\r\n").writerows(rows)
        data = text.getvalue().encode("cp1252")
    elif fmt == "xlsx":
        data = _xlsx(rows, text_columns(layout))
    else:
        raise UsageError(f"a template is written as csv or xlsx, not {fmt}")
    names = [path] + [path.with_name(f"{path.stem} ({n}){path.suffix}") for n in range(2, FREE_NAMES)]
    for candidate in names if new_name else names[:1]:
        try:
            with candidate.open("xb") as handle:  # exclusive: a file that appeared meanwhile is kept too
                handle.write(data)
            return candidate
        except FileExistsError:
            continue
    raise UsageError(N_("{path} exists already; a template never replaces a file (choose another --output)"
                        ).format(path=path))


def _xlsx(rows: list[list[str]], text: list[str]) -> bytes:
    """The template as an xlsx workbook; text columns formatted as text whole, so a typed 01067 stays 01067."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Kunden"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True)
    for index, title in enumerate(rows[0], start=1):
        if title in text:
            letter = get_column_letter(index)
            # the column's style: Excel gives it to every cell typed in later, however far down
            sheet.column_dimensions[letter].number_format = "@"
            sheet.column_dimensions[letter].width = max(14, len(title) + 4)
            for cell in sheet[letter]:
                cell.number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
