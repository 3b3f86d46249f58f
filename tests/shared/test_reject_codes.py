"""The registry of reject codes: every code renders in German and English, is used, and is documented."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from etl.shared.reject_codes import CODES, FILE_CODES, PLACES, next_step, render
from etl.shared.rejects import Reject
from tests.shared.reject_docs import BLOCK, DOC, generated

ETL = Path(__file__).resolve().parents[2] / "etl"
REGISTRY = ETL / "shared" / "reject_codes"
# Whole words that give an English sentence away, and German ones; quoted values are left out.
ENGLISH = {"the", "is", "not", "and", "of", "with", "must", "cannot", "should", "or", "has", "which", "this",
           "are", "no", "would", "it", "be", "were", "to"}
GERMAN = {"der", "die", "das", "ist", "nicht", "und", "mit", "kein", "keine", "wird", "oder", "zu", "im", "für"}
QUOTED = re.compile(r"„[^“]*“|\"[^\"]*\"|'[^']*'|`[^`]*`")


def words_of(text: str) -> set[str]:
    """The lower-case words of `text` outside quoted values, paths and names (`a/b`, `x_y`, `f.csv`)."""
    plain = " ".join(t for t in QUOTED.sub(" ", text).split() if not re.search(r"[/\\_@]|\w\.\w", t))
    return set(re.findall(r"[a-zäöüß]+", plain.lower()))


@pytest.mark.parametrize("code", sorted(CODES))
@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_code_renders_with_its_example(code: str, lang: str) -> None:
    entry = CODES[code]
    named = {name for _, name, _, _ in string.Formatter().parse(entry.message) if name}
    assert named == set(entry.example), "the example gives every parameter of the message, and no other"
    text = render(code, entry.example, lang)
    assert text and "{" not in text and "}" not in text
    assert next_step(code, lang) and entry.fix in PLACES


@pytest.mark.parametrize("code", sorted(CODES))
def test_german_words_hold_no_english_sentence(code: str) -> None:
    german = render(code, CODES[code].example, "de") + " " + next_step(code, "de")
    assert not words_of(german) & ENGLISH, german


@pytest.mark.parametrize("code", sorted(CODES))
def test_english_words_hold_no_german(code: str) -> None:
    english = render(code, CODES[code].example, "en") + " " + next_step(code, "en")
    assert not words_of(english) & GERMAN, english


def test_the_detectors_find_what_they_look_for() -> None:
    assert words_of("die Datei ist nicht im Export, which is not known") & ENGLISH == {"which", "is", "not"}
    assert not words_of('das XML-Schema lehnt ihn ab: „the value is not allowed“') & ENGLISH
    assert words_of("the file is not in the export") & GERMAN == set()
    assert words_of("die Datei fehlt") & GERMAN == {"die"}
    assert not words_of("nicht im Ordner /tmp/test_the_file/media, nicht in the_file.csv") & ENGLISH


def test_numbers_and_dates_speak_the_language() -> None:
    from datetime import date
    from decimal import Decimal

    params = {"parts": CODES["order-does-not-add-up"].example["parts"], "sum": Decimal("33.39"),
              "total": Decimal("38.29"), "difference": Decimal("-4.90")}
    assert "38,29\xa0€" in render("order-does-not-add-up", params, "de")  # no line break inside an amount
    assert "-4,90\xa0€" in render("order-does-not-add-up", params, "de")
    assert "38.29" in render("order-does-not-add-up", params, "en")
    assert render("below-minimum", {"bound": Decimal("0.5")}, "de") == "muss mindestens 0,5 sein"
    assert render("below-minimum", {"bound": date(2026, 11, 21)}, "de") == "muss mindestens 21.11.2026 sein"
    assert render("below-minimum", {"bound": date(2026, 11, 21)}, "en") == "must be at least 2026-11-21"


def _calls() -> list[tuple[Path, int, str]]:
    """The literal codes of every Reject(...), rejects_where(...) and orphans(...) in etl/."""
    found = []
    positions = {"Reject": 5, "rejects_where": 4, "orphans": 4}
    for path in ETL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in positions:
                args = node.args
                at = positions[node.func.id]
                code = args[at] if len(args) > at else next((k.value for k in node.keywords if k.arg == "code"), None)
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    found.append((path, node.lineno, code.value))
    return found


def test_every_code_made_in_etl_is_registered() -> None:
    calls = _calls()
    assert len(calls) > 30  # the scan finds the reject sites
    assert [(str(p), n, c) for p, n, c in calls if c not in CODES] == []


def test_every_registered_code_is_used() -> None:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in ETL.rglob("*.py") if REGISTRY not in p.parents)
    assert sorted(code for code in CODES if f'"{code}"' not in sources) == []


def test_a_reject_with_an_unknown_code_is_refused_where_it_is_made() -> None:
    with pytest.raises(ValueError, match="unknown reject code"):
        Reject("a.csv", 1, "1", "x", "y", "this is a sentence, not a code")


def test_docs_list_every_code_and_no_other() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, re.MULTILINE))
    assert documented == set(CODES)
    assert {m.group(2) for m in BLOCK.finditer(text)} == {"records", "files"}
    assert text == generated(text), "run `python -m tests.shared.reject_docs` to write the tables anew"
    assert {c for c in CODES if f"| `{c}` |" in BLOCK.search(text).group(3)} == set(CODES) - FILE_CODES  # type: ignore[union-attr]
