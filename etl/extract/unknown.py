"""Files that are no table export: told by their first bytes, and described so a merchant knows what they are."""

from __future__ import annotations

from etl.extract.base import FileHead, RawTable
from etl.extract.encoding import sniff_utf16
from etl.i18n import N_
from etl.shared.errors import InputFileError

NO_EXPORT = "not a table export"  # in every reason for a file that is no export at all
_CONTROL = bytes(range(0, 9)) + bytes(range(14, 27)) + bytes(range(28, 32))


def looks_like(head: bytes) -> str | None:
    """What a binary file looks like (archive, image, document...), or None when it may be text."""
    import filetype  # imported on first use: only files that are no text need it

    kind = filetype.guess(head)
    if kind is not None:
        return N_("a {mime} file (.{extension})").format(mime=kind.mime, extension=kind.extension)
    if sniff_utf16(head):
        return None
    # A stray NUL or Ctrl-Z inside a value (a shop text) is data; binary files are full of control bytes.
    if sum(head.count(bytes([c])) for c in _CONTROL) > len(head) // 100 + 1:
        return N_("binary data (control bytes that no text export holds)")
    return None


def sniff(head: bytes) -> bool:
    """Archives, images, documents and other binary data: refused by `read`, never read as CSV."""
    return looks_like(head) is not None


def read(file: FileHead) -> list[RawTable]:
    """Refuse the file, saying what it looks like."""
    what = looks_like(file.head) or ""
    # English templates of the catalog (the words are translated when shown); NO_EXPORT is in both
    said = N_("this looks like {what} (compressed: unpack it first), not a table export (CSV/TXT, XML, JSON or xlsx)") \
        if "gzip" in what else N_("this looks like {what}, not a table export (CSV/TXT, XML, JSON or xlsx)")
    raise InputFileError(file.path, said.format(what=what))


def describe(tables: list[RawTable]) -> str:
    """What readable tables look like, in one line: form, encoding, dialect and the first columns."""
    parts = []
    for raw in tables:
        cols = ", ".join(raw.columns[:6]) + (f" … ({len(raw.columns)} columns)" if len(raw.columns) > 6 else "")
        form = f"table '{raw.name}'" if raw.name else "a table"
        how = []
        if raw.encoding is not None:
            how.append(raw.encoding.encoding)
        if raw.dialect is not None:
            how.append(raw.dialect.name)
        parts.append(f"{form}{' (' + ', '.join(how) + ')' if how else ''} with columns {cols}")
    return "; ".join(parts) or "no table"
