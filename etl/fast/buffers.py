"""Byte tests over the data buffers of Arrow text columns: one scan instead of a kernel per value.

Only the bytes of the array's own values are tested (a slice tests its part of the buffer). A test may
still say "maybe" where no single value matches (a multi-byte text across two values), which only costs
the exact check that follows it; it never misses a match. The tests are `bytes` searches (memchr)
on a copy: a regex character class over the same buffer is 50x slower.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

Probe = Callable[[bytes], bool]


def _any_byte(*chars: bytes) -> Probe:
    return lambda data: any(char in data for char in chars)


LINE_BREAK = _any_byte(b"\n", b"\r")
NEWLINE = _any_byte(b"\n")
# the first byte of every character utf8_trim_whitespace trims: ASCII space and controls \t-\r, and the
# lead bytes of U+0085, U+00A0 (\xc2), U+1680, U+180E (\xe1), U+2000-U+205F (\xe2), U+3000 (\xe3)
WHITESPACE = _any_byte(b" ", b"\t", b"\n", b"\x0b", b"\x0c", b"\r", b"\xc2", b"\xe1", b"\xe2", b"\xe3")
JSON_ESCAPED = _any_byte(b"\\", b'"')  # the characters a JSON string escapes, but the controls
_CONTROLS = bytes(range(32))


def _any_control(data: bytes) -> bool:
    """Whether `data` holds a control character (U+0000-U+001F): one pass deleting them all."""
    return len(data.translate(None, _CONTROLS)) != len(data)


CONTROL: Probe = _any_control


def may_hold(values: pa.Array | pa.ChunkedArray, probe: Probe) -> bool:
    """False when no value of the text column has what `probe` looks for."""
    for chunk in values.chunks if isinstance(values, pa.ChunkedArray) else [values]:
        data = chunk.buffers()[2]
        if data is None or not len(chunk):
            continue
        start, end = _value_bytes(chunk)
        if probe(data.slice(start, end - start).to_pybytes()):  # memcpy + memchr beat any scan in Python
            return True
    return False


def value_bytes(values: pa.Array | pa.ChunkedArray) -> bytes:
    """The bytes of all values of the text column, one after the other (a copy)."""
    parts = []
    for chunk in values.chunks if isinstance(values, pa.ChunkedArray) else [values]:
        data = chunk.buffers()[2]
        if data is not None and len(chunk):
            start, end = _value_bytes(chunk)
            parts.append(data.slice(start, end - start).to_pybytes())
    return b"".join(parts)


def _value_bytes(array: pa.Array) -> tuple[int, int]:
    """Where the values of a (possibly sliced) string array begin and end in its data buffer."""
    width = 8 if pa.types.is_large_string(array.type) else 4
    offsets = array.buffers()[1]
    first = offsets.slice(array.offset * width, width).to_pybytes()
    last = offsets.slice((array.offset + len(array)) * width, width).to_pybytes()
    return int.from_bytes(first, "little", signed=True), int.from_bytes(last, "little", signed=True)


def may_contain(values: pa.Array | pa.ChunkedArray, text: str) -> bool:
    """False when no value of the text column contains `text`."""
    part = text.encode("utf-8")
    return may_hold(values, lambda data: part in data)
