"""Single-byte code pages (cp1252, cp850, latin-1, ...) to and from UTF-8, mostly outside the GIL.

Python's codecs hold the GIL for every character: decoding a cp1252 export (Arrow's own transcoding
calls the codec in its I/O thread) and encoding the csv import files took a fifth of a run's GIL time,
while the other stages waited. The text is mostly ASCII, so the few other bytes are found and rewritten
with numpy, whose array work releases the GIL. The result is byte for byte what the codec gives, and so
are the errors.
"""

from __future__ import annotations

import codecs
import io
import os
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa

_NONE = -1  # a character the code page cannot hold


class _Page:
    """A code page's tables: per byte its UTF-8 bytes, per character of the Basic Multilingual Plane its byte."""

    def __init__(self, encoding: str) -> None:
        self.length = np.zeros(256, np.uint8)  # UTF-8 length of each byte's character; 0: undefined
        self.utf8 = np.zeros((256, 3), np.uint8)
        self.byte = np.full(0x10000, _NONE, np.int16)
        for value in range(256):
            try:
                char = bytes([value]).decode(encoding)
            except UnicodeDecodeError:  # a byte the code page leaves undefined
                continue
            encoded = char.encode("utf-8")
            self.length[value] = len(encoded)
            self.utf8[value, :len(encoded)] = list(encoded)
            self.byte[ord(char)] = value


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


def single_byte(encoding: str) -> bool:
    """Whether `encoding` is a single-byte code page that keeps ASCII (this module transcodes it)."""
    return _page(encoding) is not None


def read_block(file: io.RawIOBase, size: int) -> pa.Buffer:
    """The next `size` bytes of `file` (fewer only at its end) in an Arrow buffer."""
    block = pa.allocate_buffer(size)
    count = 0
    while count < size and (got := file.readinto(memoryview(block)[count:])):
        count += got
    return block if count == size else block.slice(0, count)


class Utf8Reader(io.RawIOBase):
    """A file in a single-byte code page, read as UTF-8 (for Arrow's CSV reader, which wants UTF-8).

    Arrow's own transcoding calls Python's codec in its I/O thread, holding the GIL the run's other
    stages wait for (a fifth of a 1M-line run's GIL time). Blocks are Arrow buffers, as Arrow's own
    reads are, and the work arrays are kept from block to block: Python bytes and fresh arrays in
    Arrow's I/O thread made the process keep ~20 MB more.
    """

    def __init__(self, path: Path, encoding: str) -> None:
        super().__init__()
        page = _page(encoding)
        if page is None:
            raise ValueError(f"{encoding} is no single-byte code page")
        self.encoding = encoding
        self._page = page
        self._file = path.open("rb", buffering=0)
        self._offset = 0  # of the next block in the file, for the position of an undefined byte
        self._high = np.empty(0, np.bool_)
        self._kept = np.empty(0, np.bool_)

    def readable(self) -> bool:
        """Always: this is an input."""
        return True

    def read(self, size: int = -1) -> pa.Buffer:
        """The next `size` bytes of the file (fewer at its end), as UTF-8."""
        if size < 0:
            size = max(0, os.fstat(self._file.fileno()).st_size - self._offset)
        block = read_block(self._file, size)
        count = block.size
        start, self._offset = self._offset, self._offset + count
        codes = np.frombuffer(block, np.uint8, count)
        if len(self._high) < count:
            self._high = np.empty(count, np.bool_)
        high = np.greater_equal(codes, 0x80, out=self._high[:count])
        if not high.any():  # most blocks of an export: ASCII is UTF-8 as it is
            return block
        wide = np.flatnonzero(high)
        chars = codes[wide]
        lengths = self._page.length[chars]
        if not lengths.all():
            at = int(wide[np.argmin(lengths)])
            raise UnicodeDecodeError(self.encoding, codes[max(0, at - 20):at + 20].tobytes(), min(at, 20),
                                     min(at, 20) + 1, f"character maps to <undefined> (byte {start + at} of the file)")
        page = self._page.utf8
        # each character's first UTF-8 byte in its own place, its second and third inserted after it
        second, third = wide[lengths >= 2], wide[lengths == 3]
        after = np.concatenate((second, third))
        order = np.argsort(after, kind="stable")  # a third byte goes in after its second
        owners = after[order]  # per inserted byte, in output order, the input byte it belongs to
        places = owners + 1 + np.arange(len(owners))  # where the inserted bytes land in the output
        total = count + len(owners)
        decoded = pa.allocate_buffer(total)
        out = np.frombuffer(decoded, np.uint8)
        if len(self._kept) < total:
            self._kept = np.empty(total, np.bool_)
        kept = self._kept[:total]
        kept.fill(True)
        kept[places] = False
        out[kept] = codes  # every input byte, moved on by the bytes inserted before it
        out[places] = np.concatenate((page[codes[second], 1], page[codes[third], 2]))[order]
        out[wide + np.searchsorted(owners, wide)] = page[chars, 0]  # a wide character's first byte
        return decoded

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Not offered: a block grows when transcoded, so `read` is the way in."""
        raise io.UnsupportedOperation("readinto")

    def close(self) -> None:
        """Close the file."""
        self._file.close()
        super().close()


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
