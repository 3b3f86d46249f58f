"""Single-byte code pages to and from UTF-8 with numpy: the codec's result and the codec's errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.transcode import Utf8Reader, from_utf8, single_byte, to_utf8

PAGES = ["cp1252", "cp850", "latin_1", "iso8859_15"]


@pytest.mark.parametrize(("encoding", "expected"), [
    ("cp1252", True), ("cp850", True), ("latin-1", True), ("utf-8", False), ("utf-16", False),
    ("shift_jis", False), ("utf-7", False)])
def test_single_byte_code_pages_are_told_apart(encoding: str, expected: bool) -> None:
    assert single_byte(encoding) is expected


@given(st.binary(max_size=300), st.sampled_from(PAGES))
def test_to_utf8_is_the_codec(data: bytes, encoding: str) -> None:
    try:
        expected = data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        with pytest.raises(UnicodeDecodeError) as raised:
            to_utf8(data, encoding)
        assert raised.value.start == exc.start
    else:
        assert to_utf8(data, encoding) == expected


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200), st.sampled_from(PAGES))
def test_from_utf8_is_the_codec(text: str, encoding: str) -> None:
    data = text.encode("utf-8")
    try:
        expected = text.encode(encoding)
    except UnicodeEncodeError as exc:
        with pytest.raises(UnicodeEncodeError) as raised:
            from_utf8(data, encoding)
        assert raised.value.start == exc.start
    else:
        assert from_utf8(data, encoding) == expected


def test_german_text_round_trips() -> None:
    raw = "Müller;„Straße“ 1–3;€ 12,50;Ærø\r\n".encode("cp1252") * 50
    assert from_utf8(to_utf8(raw, "cp1252"), "cp1252") == raw


def test_invalid_utf8_is_refused_like_the_codec() -> None:
    for bad in (b"ab\xc3", b"\x80abc", b"\xc0\x80", b"\xed\xa0\x80"):
        with pytest.raises(UnicodeDecodeError):
            from_utf8(bad, "cp1252")


def test_reader_gives_utf8_blocks(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("Name;Ort\r\nJürgen Groß;Köln\r\n".encode("cp1252") * 1000)
    with Utf8Reader(path, "cp1252") as reader:
        blocks = []
        while block := reader.read(1000):
            blocks.append(block)
    assert b"".join(blocks).decode("utf-8") == path.read_bytes().decode("cp1252")
