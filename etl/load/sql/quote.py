"""Values as MariaDB / MySQL literals, and comparisons that match a natural key exactly."""

from __future__ import annotations

# Every character the server's string parser treats specially, with the escape it reads back as itself.
# The script sets a sql_mode without NO_BACKSLASH_ESCAPES, so backslash escapes are in force.
_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\0": "\\0", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z"}
_TABLE = str.maketrans(_ESCAPES)


def literal(value: str | None) -> str:
    """A quoted string literal (or NULL); the server converts it to the column's type."""
    if value is None:
        return "NULL"
    return "'" + value.translate(_TABLE) + "'"


def same(column: str, value: str | None, text: bool) -> str:
    """`column` equals `value` exactly: the shop's latin1_german1_ci would take 'Bräter' for 'Brater'.

    The first comparison may use the column's index; the second, in a binary collation, makes it exact.
    """
    if value is None:
        return f"{column} IS NULL"
    if not text:
        return f"{column} = {literal(value)}"
    lit = literal(value)
    return f"({column} = {lit} AND CONVERT({column} USING utf8mb4) COLLATE utf8mb4_bin = {lit})"
