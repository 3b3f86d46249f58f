"""The text encoding of an export, decided by its content and recorded with how sure it is.

UTF-16 shows itself by its byte order mark (Excel's "Unicode-Text"), UTF-8 by decoding without error
(checked over the whole file, streamed). Anything else is a single-byte Windows or DOS code page:
charset-normalizer weighs the candidates a German shop or ERP writes (cp1252, cp850, latin-1) by how
much the decoded text looks like language, so a DOS export is not silently read as cp1252 mojibake.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from etl.extract.base import HEAD_SIZE, Guess
from etl.i18n import N_

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
SINGLE_BYTE = ("cp1252", "cp850", "latin_1")
_GERMAN = "äöüÄÖÜßéè€„“–"
_DECLARED = re.compile(rb"""\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
SAMPLE = 1 << 20  # bytes charset-normalizer weighs: enough text, bounded time


def sniff_utf16(head: bytes) -> bool:
    """UTF-16 text (Excel's "Unicode text") shows itself by its byte order mark."""
    return head.startswith(_UTF16_BOMS)


def guess_encoding(path: Path, head: bytes | None = None) -> Guess:
    """The encoding of `path` (its first bytes `head` spare a read when the caller has them)."""
    if head is None:
        with path.open("rb") as handle:
            head = handle.read(HEAD_SIZE)
    if sniff_utf16(head):
        return Guess("utf-16", 1.0, N_("byte order mark"))
    bad_at = _utf8_error(path, head)
    if bad_at is None:
        how = N_("byte order mark") if head.startswith(codecs.BOM_UTF8) else N_("decodes as UTF-8")
        return Guess("utf-8", 1.0 if head.startswith(codecs.BOM_UTF8) or not head.isascii() else 0.99, how)
    if len(head) < HEAD_SIZE:
        return _single_byte(head)  # the head is the whole file
    with path.open("rb") as handle:
        handle.seek(max(0, bad_at - SAMPLE // 2))
        sample = handle.read(SAMPLE)
    return _single_byte(sample)


def xml_encoding(path: Path, head: bytes) -> Guess:
    """The encoding of an XML document: the one its XML declaration names, else as its bytes show (BOM, UTF-8)."""
    if found := _DECLARED.match(head.removeprefix(codecs.BOM_UTF8)):
        return Guess(found[1].decode("ascii").lower(), 1.0, N_("declared in the XML declaration"))
    return guess_encoding(path, head)


def _utf8_error(path: Path, head: bytes) -> int | None:
    """The byte offset of the first byte that is not UTF-8, or None when the whole file is UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        if len(head) < HEAD_SIZE:
            decoder.decode(head, final=True)
            return None
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
                offset += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return offset + exc.start
    return None


def _single_byte(sample: bytes) -> Guess:
    """The code page whose decoding reads most like German text; charset-normalizer weighs the rest.

    A short file may hold only one or two umlauts, too little for a statistical guess: a code page
    that turns them into the letters German exports are full of (äöüß€...) wins over one that turns
    them into box drawings or superscripts.
    """
    from charset_normalizer import from_bytes  # imported on first use: most files are UTF-8

    scores: dict[str, int] = {}
    for encoding in SINGLE_BYTE[:2]:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        scores[encoding] = sum(text.count(ch) for ch in _GERMAN)
    results = from_bytes(sample, cp_isolation=list(SINGLE_BYTE), preemptive_behaviour=False)
    best = results.best()
    ranked = sorted(scores, key=lambda e: scores[e], reverse=True)
    if len(ranked) == 2 and scores[ranked[0]] > scores[ranked[1]]:
        chosen, how = ranked[0], N_("its umlauts (German letters) decode only this way")
    elif best is not None:
        chosen, how = _name(codecs.lookup(best.encoding).name), "charset-normalizer"
    else:
        return Guess("cp1252", 0.0, N_("no code page fits; cp1252 assumed"))
    match = next((r for r in results if _name(codecs.lookup(r.encoding).name) == chosen), None)
    confidence = round(1.0 - match.chaos, 2) if match is not None else 0.5
    return Guess(chosen, confidence, how)


def _name(encoding: str) -> str:
    return {"iso8859-1": "latin_1", "latin-1": "latin_1"}.get(encoding, encoding)
