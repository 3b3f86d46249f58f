"""`etl template customers`: the Kundenimport template with German headers, help row and an example."""

from __future__ import annotations

import csv
from pathlib import Path

from etl.shared.errors import UsageError
from etl.transform.layout import SourceLayout

HELP_MARK = "# "
# The example row's first cell: a row starting with '#' is a note, never a record (transform/source.py),
# so Erika Mustermann is not imported when left in. The merchant-facing text of this module.
EXAMPLE_MARK = HELP_MARK + "Beispiel, wird nicht importiert"


def template_columns(layout: SourceLayout) -> list[str]:
    """The template's column headers: the first column name of each field of the `template` table."""
    if "template" not in layout.tables:
        raise UsageError(f"the {layout.flow} layout has no template table")
    return [spec.column[0] for spec in layout.tables["template"].fields.values()]


def write_template(layout: SourceLayout, fmt: str, path: Path) -> Path:
    """Write the template as csv (cp1252, `;`) or xlsx; the help and example rows start with '# ': never imported."""
    columns = template_columns(layout)
    help_texts = layout.options.get("template_help", {})
    example = layout.options.get("template_example", {})
    help_row = [help_texts.get(c, "") for c in columns]
    help_row[0] = HELP_MARK + help_row[0]
    example_row = [str(example.get(c, "")) for c in columns]
    if example_row[0]:
        example_row[0] = f"{EXAMPLE_MARK}: {example_row[0]}"
    else:
        example_row[0] = EXAMPLE_MARK
    if fmt == "csv":
        with path.open("w", encoding="cp1252", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
            writer.writerows([columns, help_row, example_row])
    elif fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = "Kunden"
        sheet.append(columns)
        sheet.append(help_row)
        sheet.append(example_row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cell in sheet[2]:
            cell.font = Font(italic=True)
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                cell.number_format = "@"  # text: postcodes and numbers keep their leading zeros
        book.save(path)
    else:
        raise UsageError(f"a template is written as csv or xlsx, not {fmt}")
    return path
