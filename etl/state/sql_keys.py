"""Many keys as one SQL parameter: `key IN (SELECT value FROM json_each(?))`.

A statement with one `?` per key is a new statement for every count of keys: sqlite3 keeps the last 128
prepared per connection, each a few hundred KB with thousands of keys (memory that grew through a long
run), and one statement takes at most SQLite's variable limit (32,766 by default) of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable


def in_keys(keys: Iterable[str]) -> tuple[str, list[str]]:
    """`IN (...)` over the text `keys`, as SQL and its parameters (a number column compares them as numbers)."""
    plain: list[str] = []
    odd: list[str] = []  # SQLite's JSON reader ends a text at \u0000: such keys are bound one by one
    for key in keys:
        (odd if "\x00" in key else plain).append(key)
    more = f" UNION ALL VALUES {','.join(['(?)'] * len(odd))}" if odd else ""
    return f"IN (SELECT value FROM json_each(?){more})", [json.dumps(plain), *odd]
