"""UTF-8 to single-byte code pages with numpy: the codec's result and the codec's errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.transcode import from_utf8

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
