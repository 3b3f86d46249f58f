"""UTF-8 to single-byte code pages with numpy: the codec's result and the codec's errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.fast.transcode import Utf8Reader, fits, from_utf8

PAGES = ["cp1252", "cp850", "latin_1", "iso8859_15", "utf-8", "utf-16", "shift_jis"]  # the last three: by the codec


GERMAN = "aZ09 ;\"\r\nÄäÖöÜüßé€„“–…"  # what the files hold, mostly: the fast path


@given(st.one_of(st.text(alphabet=GERMAN, max_size=200), st.text(alphabet=st.characters(codec="utf-8"),
                                                                 max_size=200)), st.sampled_from(PAGES))
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


def test_german_text_is_the_codec() -> None:
    text = "Müller;„Straße“ 1–3;€ 12,50;Ærø\r\n" * 50
    assert from_utf8(text.encode("utf-8"), "cp1252") == text.encode("cp1252")


def test_invalid_utf8_is_refused_like_the_codec() -> None:
    for bad in (b"ab\xc3", b"\x80abc", b"\xc0\x80", b"\xed\xa0\x80"):
        with pytest.raises(UnicodeDecodeError):
            from_utf8(bad, "cp1252")


def _succeeds(data: bytes, encoding: str) -> bool:
    try:
        from_utf8(data, encoding)
    except UnicodeError:
        return False
    return True


@given(st.one_of(st.text(alphabet=GERMAN, max_size=200).map(lambda t: t.encode("utf-8")),
                 st.text(alphabet=st.characters(codec="utf-8"), max_size=200).map(lambda t: t.encode("utf-8")),
                 st.binary(max_size=60),
                 st.lists(st.sampled_from([b"a", b"\xc3", b"\xa4", b"\xe2", b"\x82", b"\xac", b"\xf0", b"\xc0",
                                           b"\xed\xa0\x80", b"\xe0\x80\x80"]), max_size=12).map(b"".join)),
       st.sampled_from(PAGES))
def test_fits_answers_as_the_transcoding_would(data: bytes, encoding: str) -> None:
    assert fits(data, encoding) == _succeeds(data, encoding)


def test_fits_on_german_and_on_what_cp1252_lacks() -> None:
    assert fits("Müller „Straße“ – 12,50 €, Groß".encode(), "cp1252")
    assert not fits("Łódź".encode(), "cp1252")
    assert not fits("Kaffee ☕".encode(), "cp1252")
    assert not fits("ab\xc3".encode("latin-1"), "cp1252")  # cut in the middle of a character


SINGLE_BYTE = ["cp1252", "cp850", "latin_1", "iso8859_15"]


@given(st.binary(max_size=3000), st.lists(st.integers(1, 700), min_size=1, max_size=8), st.sampled_from(SINGLE_BYTE))
def test_a_code_page_file_reads_as_the_codec_decodes_it(tmp_path_factory: pytest.TempPathFactory, data: bytes,
                                                       sizes: list[int], encoding: str) -> None:
    path = tmp_path_factory.mktemp("read") / "export.csv"
    path.write_bytes(data)
    try:
        expected = data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        with Utf8Reader(path, encoding) as reader, pytest.raises(UnicodeDecodeError) as raised:
            while len(reader.read(sizes[0])):
                pass
        assert f"(byte {exc.start} of the file)" in raised.value.reason  # the codec's first bad byte
        return
    blocks = []
    with Utf8Reader(path, encoding) as reader:
        for size in sizes * (len(data) // min(sizes) + 1):  # block sizes vary as Arrow's reads may
            block = reader.read(size)
            if not len(block):
                break
            blocks.append(memoryview(block).tobytes())
    assert b"".join(blocks) == expected


def test_german_export_reads_as_the_codec(tmp_path: Path) -> None:
    text = "Müller;„Straße“ 1–3;€ 12,50;Ærø\r\n" * 500
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1252"))
    with Utf8Reader(path, "cp1252") as reader:
        assert memoryview(reader.read(-1)).tobytes() == text.encode("utf-8")
