"""Many keys as one SQL parameter: `key IN (SELECT value FROM json_each(?))`.

A statement with one `?` per key is a new statement for every count of keys: sqlite3 keeps the last 128
prepared per connection, each a few hundred KB with thousands of keys (memory that grew through a long
run), and one statement takes at most SQLite's variable limit (32,766 by default) of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice


def in_keys(keys: Iterable[str]) -> tuple[str, list[str]]:
    """`IN (...)` over the text `keys`, as SQL and its parameters (a number column compares them as numbers)."""
    source, params = keys_source(keys)
    return f"IN {source}", params


def keys_source(keys: Iterable[str]) -> tuple[str, list[str]]:
    """The text `keys` as a subquery of one column `value`, and its parameters: `FROM (...) AS j JOIN t ON ...`.

    A join probes the table once per key; `IN (subquery)` first copies the keys into a list of its own.
    """
    plain = keys if isinstance(keys, list) else list(keys)
    odd: list[str] = []  # SQLite's JSON reader ends a text at \u0000: such keys are bound one by one
    if "\x00" in "".join(plain):  # rare: look key by key only then
        odd = [key for key in plain if "\x00" in key]
        plain = [key for key in plain if "\x00" not in key]
    more = f" UNION ALL VALUES {','.join(['(?)'] * len(odd))}" if odd else ""
    return f"(SELECT value FROM json_each(?){more})", [json.dumps(plain), *odd]


def key_batches(keys: Iterable[str], size: int = 50_000) -> Iterator[tuple[str, list[str]]]:
    """`keys` as JSON arrays of up to `size` for one `json_each(?)` each, and the keys with a NUL, apart.

    One INSERT ... SELECT over a JSON array takes a batch in one call; executemany stepped a statement
    per key (3-4x the CPU, and sqlite3 let go of the GIL and waited for it back at every row).
    """
    batch = list(islice(iter_keys := iter(keys), size))
    while batch:
        if "\x00" in "".join(batch):  # rare: look key by key only then
            yield json.dumps([key for key in batch if "\x00" not in key]), [key for key in batch if "\x00" in key]
        else:
            yield json.dumps(batch), []
        batch = list(islice(iter_keys, size))
