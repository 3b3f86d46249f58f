"""Texts in the merchant's language: German by default, English on request, from gettext catalogs.

The English text is the message id. `etl/locale/<lang>/LC_MESSAGES/etl.po` holds a language's
translation; it is compiled with Babel when first needed, so no compiled catalog can fall out of step
with it. Reject reasons are rendered from their code (etl/shared/reject_codes, `text_in`); other texts
built with parameters (error messages, notes) stay English where they are made and are translated when
shown: `translate` matches a text against the catalog's message ids with `{name}` placeholders and
translates the parameters in turn.

The language: `set_language` (the `--lang` option), else `$ETL_LANG`, else etl.yaml's `language`,
else German. Nothing heavy is imported until a text is translated.
"""

from __future__ import annotations

import os
import re
from functools import cache, lru_cache
from gettext import GNUTranslations, NullTranslations
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # babel is imported when a text is first translated, not for `etl --help`
    from babel.messages.catalog import Catalog

LANGUAGES = ("de", "en")
DEFAULT = "de"
DOMAIN = "etl"
LOCALE = Path(__file__).with_name("locale")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_DEPTH = 8  # parameters inside parameters ("A or B or C") translated this deep
# Parameters that hold words of the catalog; the others (files, values, names, numbers) are shown as they are.
WORDS = frozenset({"what", "convention", "forms", "form", "other", "places", "line", "unit", "state", "condition",
                   "failure"})
_chosen: dict[str, str | None] = {"option": None, "settings": None}


def N_(msgid: str) -> str:
    """Mark `msgid` for the catalog without translating it (it is translated when shown)."""
    return msgid


def normalize(lang: str | None) -> str | None:
    """`de`, `en` from forms like `de_DE.UTF-8` or `EN`; None for an empty or unknown language."""
    code = (lang or "").strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return code if code in LANGUAGES else None


def set_language(lang: str | None) -> None:
    """The language asked for on the command line (overrides everything else); None to forget it."""
    _chosen["option"] = normalize(lang)


def configure(lang: str | None) -> None:
    """The language of the working folder's etl.yaml (used when neither option nor $ETL_LANG says)."""
    _chosen["settings"] = normalize(lang)


def language(configured: str | None = None) -> str:
    """The language to speak: option, $ETL_LANG, `configured` (or the configured etl.yaml), German."""
    for candidate in (_chosen["option"], os.environ.get("ETL_LANG"), configured, _chosen["settings"]):
        if found := normalize(candidate):
            return found
    return DEFAULT


@cache
def _po(lang: str) -> Catalog | None:
    """The translator's catalog of `lang`, read once; None for English (the message ids themselves)."""
    path = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == "en" or not path.is_file():
        return None
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


@cache
def _catalog(lang: str) -> tuple[NullTranslations, tuple[tuple[re.Pattern[str], str, bool, bool], ...]]:
    """The compiled translation of `lang`, and its parameterised messages as patterns (longest first)."""
    catalog = _po(lang)
    if catalog is None:  # English is the message id itself
        return NullTranslations(), ()
    from babel.messages.mofile import write_mo

    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    translations = GNUTranslations(compiled)
    templates = [(str(m.id), str(m.string)) for m in catalog
                 if isinstance(m.id, str) and m.string and not m.fuzzy and _PLACEHOLDER.search(m.id)]
    # The template with the most fixed text wins: "{what} is required" must not swallow a longer one.
    templates.sort(key=lambda pair: -len(_PLACEHOLDER.sub("", pair[0])))
    return translations, tuple((re.compile(_pattern(msgid), re.DOTALL), text,
                                _inner(msgid), _joiner(msgid)) for msgid, text in templates)


def _joiner(msgid: str) -> bool:
    """A template joining two texts of the catalog ("{form} and {other}"): in a parameter it is tried first,
    so that a part's template ("{field} is empty") does not take the whole join."""
    names = _PLACEHOLDER.findall(msgid)
    return _inner(msgid) and len(names) == 2 and set(names) <= WORDS


def _inner(msgid: str) -> bool:
    """A template that begins and ends with a parameter: it only translates parameters."""
    return bool(re.fullmatch(r"\{\w+\}.*\{\w+\}", msgid, re.DOTALL))


def _pattern(msgid: str) -> str:
    parts = _PLACEHOLDER.split(msgid)
    seen: set[str] = set()
    pattern = ""
    for index, part in enumerate(parts):
        if index % 2 == 0:
            pattern += re.escape(part)
        else:
            pattern += f"(?P={part})" if part in seen else f"(?P<{part}>.+?)"
            seen.add(part)
    return pattern


def _(msgid: str) -> str:
    """`msgid` in the current language."""
    return _catalog(language())[0].gettext(msgid)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language."""
    return _catalog(language())[0].ngettext(singular, plural, count)


def translate(text: str, lang: str | None = None) -> str:
    """A text made in English (a reject reason, an error message) in `lang` (default: the current one)."""
    lang = lang or language()
    return text if lang == "en" else _translate(text, lang, 0)


@lru_cache(maxsize=8192)
def _translate(text: str, lang: str, depth: int, part: bool = False) -> str:
    translations, templates = _catalog(lang)
    exact = translations.gettext(text)
    if exact != text or depth > _DEPTH:
        return exact
    for pattern, target, inner, joiner in sorted(templates, key=lambda t: not t[3]) if part else templates:
        if inner and not depth:  # "{form} or {other}" joins parameters, it is never a whole text
            continue
        if found := pattern.fullmatch(text):
            params = {name: _translate(value, lang, depth + 1, True) if name in WORDS else value
                      for name, value in found.groupdict().items()}
            # a join never splits inside brackets: "(CSV/TXT, XML, JSON or xlsx)" is one text, not two
            if joiner and any(value.count("(") != value.count(")") for value in found.groupdict().values()):
                continue
            return target.format(**params)
    start = 0
    while not depth and (colon := text.find(": ", start)) > 0:  # "file.csv, line 3: <a known reason>"
        rest = _translate(text[colon + 2:], lang, 1)
        if rest != text[colon + 2:]:
            return text[:colon + 2] + rest
        start = colon + 2
    return text


def text_in(msgid: str, lang: str | None = None) -> str:
    """`msgid` in `lang` (default: the current language): a message id of the catalog, never a finished text."""
    return _catalog(lang or language())[0].gettext(msgid)
