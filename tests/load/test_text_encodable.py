"""The set of characters an encoding holds, found in one pass, equals the char-by-char answer."""

from __future__ import annotations

import pytest

from etl.load.text import _encodable


def _one_by_one(encoding: str) -> set[str]:
    found = set()
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        try:
            chr(code).encode(encoding)
        except UnicodeEncodeError:
            continue
        found.add(chr(code))
    return found


@pytest.mark.parametrize("encoding", [
    pytest.param("cp1252", id="cp1252"), pytest.param("latin-1", id="latin-1"),
    pytest.param("iso-8859-15", id="latin-9"), pytest.param("ascii", id="ascii"),
    pytest.param("cp850", id="cp850"), pytest.param("cp1250", id="cp1250"),
])
def test_encodable_matches_char_by_char(encoding: str) -> None:
    assert _encodable(encoding) == _one_by_one(encoding)
