"""Single-byte code pages (cp1252, cp850, latin-1, ...) to and from UTF-8, mostly outside the GIL.

Python's codecs hold the GIL for every byte: reading a cp1252 export and writing a cp1252 import file
spent a fifth of a run's GIL time there, while the other stages of the pipeline waited. Exports are
mostly ASCII, so the few other bytes are found and rewritten with numpy, whose array work releases
the GIL. The result is byte for byte what the codec gives, and so are the errors: an undefined byte
raises UnicodeDecodeError, a character the code page lacks UnicodeEncodeError.
"""

from __future__ import annotations

import codecs
import io
from functools import cache
from pathlib import Path

import numpy as np

_NONE = -1  # a character the code page cannot hold


class _Page:
    """A code page's tables: per byte its UTF-8 bytes, per character of the Basic Multilingual Plane its byte."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.length = np.zeros(256, np.uint8)  # UTF-8 length of each byte's character; 0: undefined
        self.utf8 = np.zeros((256, 3), np.uint8)
        self.byte = np.full(0x10000, _NONE, np.int16)
        for value in range(256):
            try:
                char = bytes([value]).decode(encoding)
            except UnicodeDecodeError:
                continue
            encoded = char.encode("utf-8")
            self.length[value] = len(encoded)
            self.utf8[value, :len(encoded)] = list(encoded)
            self.byte[ord(char)] = value


@cache
def _page(encoding: str) -> _Page | None:
    """The tables of `encoding`, or None when it is no single-byte code page that keeps ASCII."""
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


def single_byte(encoding: str) -> bool:
    """Whether `encoding` is a single-byte code page that keeps ASCII (these functions transcode it)."""
    return _page(encoding) is not None


def to_utf8(data: bytes, encoding: str) -> bytes:
    """`data` in `encoding` as UTF-8: `data.decode(encoding).encode("utf-8")`, the same result and errors."""
    page = _page(encoding)
    if page is None or data.isascii():
        return data if page is not None else data.decode(encoding).encode("utf-8")
    codes = np.frombuffer(data, np.uint8)
    wide = np.flatnonzero(codes >= 0x80)
    chars = codes[wide]
    lengths = page.length[chars]
    if not lengths.all():
        at = int(wide[np.argmin(lengths)])
        raise UnicodeDecodeError(encoding, data, at, at + 1, "character maps to <undefined>")
    out = codes.copy()
    out[wide] = page.utf8[chars, 0]
    second, third = lengths >= 2, lengths == 3
    places = np.concatenate((wide[second], wide[third])) + 1
    values = np.concatenate((page.utf8[chars[second], 1], page.utf8[chars[third], 2]))
    order = np.argsort(places, kind="stable")  # a third byte goes in after its second
    return np.insert(out, places[order], values[order]).tobytes()


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


class Utf8Reader(io.RawIOBase):
    """A file in a single-byte `encoding`, read as UTF-8 (for a reader that wants UTF-8, as Arrow's CSV)."""

    def __init__(self, path: Path, encoding: str) -> None:
        super().__init__()
        self.encoding = encoding
        self._file = path.open("rb")

    def readable(self) -> bool:
        """Always: this is an input."""
        return True

    def read(self, size: int = -1) -> bytes:
        """The next `size` bytes of the file (fewer at its end), as UTF-8."""
        return to_utf8(self._file.read(size), self.encoding)

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Not offered: a block grows when transcoded, so `read` is the way in."""
        raise io.UnsupportedOperation("readinto")

    def close(self) -> None:
        """Close the file."""
        self._file.close()
        super().close()
