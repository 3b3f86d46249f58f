"""UTF-8 to single-byte code pages (cp1252, cp850, latin-1, ...), mostly outside the GIL.

Python's codecs hold the GIL for every character: encoding the csv import files (and checking that a
column fits the code page) took a tenth of a run's GIL time, while the other stages waited. The text is
mostly ASCII, so the few other characters are found and rewritten with numpy, whose array work
releases the GIL. The result is byte for byte what the codec gives, and so are the errors.

Reading stays with Arrow's own transcoding: the same numpy work in Arrow's I/O thread made glibc keep
~25 MB more per run (its arenas), for ~4 % of speed.
"""

from __future__ import annotations

import codecs
from functools import cache

import numpy as np

_NONE = -1  # a character the code page cannot hold


class _Page:
    """A code page's table: per character of the Basic Multilingual Plane its byte."""

    def __init__(self, encoding: str) -> None:
        self.byte = np.full(0x10000, _NONE, np.int16)
        for value in range(256):
            try:
                self.byte[ord(bytes([value]).decode(encoding))] = value
            except UnicodeDecodeError:  # a byte the code page leaves undefined
                continue


@cache
def _page(encoding: str) -> _Page | None:
    """The table of `encoding`, or None when it is no single-byte code page that keeps ASCII."""
    if codecs.lookup(encoding).name.startswith("utf"):
        return None
    every = bytes(range(256))
    try:
        ascii_part = every[:128].decode(encoding)
    except UnicodeDecodeError:
        return None
    # one character per byte, none joining the next (a multi-byte encoding's lead bytes would)
    if ascii_part != every[:128].decode("ascii") or len(every.decode(encoding, errors="replace")) != 256:
        return None
    return _Page(encoding)


def from_utf8(data: bytes, encoding: str) -> bytes:
    """UTF-8 `data` in `encoding`: `data.decode("utf-8").encode(encoding)`, the same result and errors."""
    page = _page(encoding)
    if page is None or data.isascii():
        return data if page is not None else data.decode("utf-8").encode(encoding)
    codes = np.frombuffer(data, np.uint8)
    wide = np.flatnonzero(codes >= 0x80)
    is_lead = codes[wide] >= 0xC0
    leads, follow = wide[is_lead], wide[~is_lead]
    first = codes[leads].astype(np.int32)
    three = first >= 0xE0
    # Arrow writes valid UTF-8; anything else (4-byte characters, stray bytes) is left to the codec
    expected = np.sort(np.concatenate((leads + 1, leads[three] + 2)))
    if (first >= 0xF0).any() or not np.array_equal(expected, follow):
        return data.decode("utf-8").encode(encoding)
    second = codes[leads + 1].astype(np.int32) & 0x3F
    third = np.zeros_like(second)
    third[three] = codes[leads[three] + 2] & 0x3F
    points = np.where(three, ((first & 0x0F) << 12) | (second << 6) | third, ((first & 0x1F) << 6) | second)
    overlong = np.where(three, points < 0x800, points < 0x80)
    mapped = page.byte[points]
    if (mapped == _NONE).any() or overlong.any():
        return data.decode("utf-8").encode(encoding)  # raises the codec's error, with its position
    out = codes.copy()
    out[leads] = mapped.astype(np.uint8)
    return np.delete(out, follow).tobytes()


def fits(data: bytes, encoding: str) -> bool:
    """Whether `from_utf8(data, encoding)` succeeds: the same answer, without writing the result."""
    page = _page(encoding)
    if page is None or data.isascii():
        return page is not None or _codec_fits(data, encoding)
    codes = np.frombuffer(data, np.uint8)
    leads = np.flatnonzero(codes >= 0xC0)
    first = codes[leads].astype(np.int32)
    three = first >= 0xE0
    # valid UTF-8 of at most three bytes: every lead's one or two following bytes exist and continue
    # it, and no other continuation byte is left over (claims cannot overlap: a claimed byte is no
    # lead); anything else is judged by the codec
    if not len(leads) or (first >= 0xF0).any() or (leads + 1 + three).max() >= len(codes):
        return _codec_fits(data, encoding)
    second = codes[leads + 1].astype(np.int32)
    third = np.zeros_like(second)
    third[three] = codes[leads[three] + 2]
    if (np.count_nonzero(codes >= 0x80) != 2 * len(leads) + np.count_nonzero(three)
            or ((second & 0xC0) != 0x80).any() or ((third[three] & 0xC0) != 0x80).any()):
        return _codec_fits(data, encoding)
    points = np.where(three, ((first & 0x0F) << 12) | ((second & 0x3F) << 6) | (third & 0x3F),
                      ((first & 0x1F) << 6) | (second & 0x3F))
    overlong = np.where(three, points < 0x800, points < 0x80)
    return not overlong.any() and not (page.byte[points] == _NONE).any()


def _codec_fits(data: bytes, encoding: str) -> bool:
    try:
        from_utf8(data, encoding)
    except UnicodeError:
        return False
    return True
