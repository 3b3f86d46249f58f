"""Byte searches over the data buffers of Arrow text columns: one scan instead of a kernel per value.

A buffer may hold bytes of no value (a slice of a larger array): a search can then say "maybe" where
no value matches, which only costs the exact check that follows it; it never misses a match.
"""

from __future__ import annotations

import re
from functools import cache

import pyarrow as pa

LINE_BREAK = re.compile(b"[\r\n]")
NEWLINE = re.compile(b"\n")
NOT_ASCII = re.compile(b"[\x80-\xff]")
# the first byte of every character utf8_trim_whitespace trims: ASCII space and controls \t-\r, and the
# lead bytes of U+0085, U+00A0 (\xc2), U+1680, U+180E (\xe1), U+2000-U+205F (\xe2), U+3000 (\xe3)
WHITESPACE = re.compile(b"[\t-\r \xc2\xe1\xe2\xe3]")


def may_hold(values: pa.Array | pa.ChunkedArray, pattern: re.Pattern[bytes]) -> bool:
    """False when no value of the text column can match `pattern` (a byte class)."""
    for chunk in values.chunks if isinstance(values, pa.ChunkedArray) else [values]:
        data = chunk.buffers()[2]
        if data is not None and pattern.search(memoryview(data)):
            return True
    return False


def may_contain(values: pa.Array | pa.ChunkedArray, text: str) -> bool:
    """False when no value of the text column contains `text`."""
    return may_hold(values, _literal(text))


@cache
def _literal(text: str) -> re.Pattern[bytes]:
    return re.compile(re.escape(text.encode("utf-8")))
