"""What the xt:Commerce 3 importer (xtcImport) can take, as plain functions: settings, category paths, cells.

Each rule names the importer's behaviour that makes it necessary, so that a refused article says what
to change (or to use the SQL route, which has none of these limits).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from etl.load.text import transliterate
from etl.transform.layout_forms import Dialect

Problem = tuple[str, str | None, str, dict[str, object]]  # field, value, reject code, its parameters
# addslashes() is applied to these before the database layer escapes again: ' " \ arrive with a backslash.
SLASHED = ("p_name.", "p_desc.", "p_shortdesc.")


@dataclass(frozen=True)
class XtsolSettings:
    """The shop's import settings: CSV_SEPERATOR, CSV_TEXTSIGN, charset, languages, groups, depth, MO_PICS."""

    separator: str
    text_sign: str
    encoding: str
    line_ending: str
    transliterate: bool
    languages: tuple[str, ...]  # the shop's language codes, its first language (by sort order) first
    groups: tuple[str, ...]  # customers_status ids the importer writes prices and permissions for (not 0)
    depth: int  # p_cat.0 .. p_cat.<depth-1> (xt:Commerce 3: 6)
    images: int  # MO_PICS: p_image.1 .. p_image.<images>

    @classmethod
    def of(cls, options: dict[str, Any], dialect: Dialect) -> XtsolSettings:
        """Settings from the layout's `options.xtsol` and `dialects.xtsol`."""
        return cls(separator=dialect.delimiter or "\t", text_sign=str(options.get("text_sign", '"')),
                   encoding=dialect.encoding, line_ending=dialect.line_ending,
                   transliterate=dialect.unencodable == "transliterate",
                   languages=tuple(str(c) for c in options.get("languages", ["de", "en"])),
                   groups=tuple(str(g) for g in options.get("customer_groups", [1, 2, 3])),
                   depth=int(options.get("category_depth", 6)), images=int(options.get("images", 3)))


def fold(name: str) -> str:
    """A category name as the shop's database compares it (latin1_german1_ci: case and umlauts ignored)."""
    decomposed = unicodedata.normalize("NFKD", name.replace("ß", "s").replace("ẞ", "s"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().rstrip(" ")


def category_paths(categories: list[dict[str, Any]], texts: list[dict[str, Any]], links: list[dict[str, Any]],
                   settings: XtsolSettings) -> tuple[dict[str, list[str]], dict[str, Problem]]:
    """Each article's category path by names in the shop's first language; or why it cannot be given."""
    first = settings.languages[0]
    parents = {c["categories_id"]: c["parent_id"] for c in categories}
    names = {t["categories_id"]: (t["categories_name"] or "").strip() for t in texts
             if t.get("language_code") == first}
    siblings: dict[tuple[str | None, str], set[str]] = {}
    for category, name in names.items():
        siblings.setdefault((parents.get(category), fold(name)), set()).add(category)
    paths: dict[str, list[str]] = {}
    problems: dict[str, Problem] = {}
    for link in links:
        sku = link["_key"]
        if sku in paths or sku in problems:
            continue  # the importer takes one path per line: the article's first category
        path, problem = _path(link.get("categories_id"), parents, names, siblings, first)
        if problem:
            problems[sku] = problem
        else:
            paths[sku] = path
    return paths, problems


def _path(category: str | None, parents: dict[str, str], names: dict[str, str],
          siblings: dict[tuple[str | None, str], set[str]], first: str) -> tuple[list[str], Problem | None]:
    path: list[str] = []
    node = category
    while node not in (None, "", "0"):
        if node not in parents or not names.get(node):
            return [], ("p_cat.0", category, "xtsol-category-unnamed", {"category": node, "language": first})
        name = names[node]
        if name == "ID":
            return [], ("p_cat.0", name, "xtsol-category-id", {})
        same = siblings[(parents[node], fold(name))]
        if len(same) > 1:
            return [], ("p_cat.0", name, "xtsol-category-same-name", {"categories": sorted(same)})
        path.append(name)
        node = parents[node]
        if len(path) > 64:
            break  # a cycle; the flow refuses those before, this only stops the walk
    if not path:
        return [], ("p_cat.0", None, "xtsol-no-category", {})
    return path[::-1], None


def check_line(cells: dict[str, str], settings: XtsolSettings) -> str | Problem:
    """The line of one article as the importer reads it back unchanged, or the first reason it cannot be."""
    if "_too_many_images" in cells:
        return "p_image", cells["_too_many_images"], "xtsol-too-many-images", {"images": settings.images}
    if "_too_deep" in cells:
        return "p_cat", cells["_too_deep"], "xtsol-too-deep", {"depth": settings.depth}
    out = []
    for name, value in cells.items():
        if name.startswith("_"):
            continue
        fitted = _fit(value, settings)
        if fitted is None:
            return name, value, "xtsol-charset", {"encoding": settings.encoding}
        problem = _cell_problem(name, fitted, settings)
        if problem:
            return name, value, problem, {}
        out.append(fitted)
    sign, sep = settings.text_sign, settings.separator
    line = "".join(f"{sign}{cell}{sign}{sep}" for cell in out) + settings.line_ending
    # A record ends where a line has XTSOL in its first six characters: a text must not start one.
    for piece in line.split("\n")[1:-1]:
        if "XTSOL" in piece[:6]:
            return "p_desc", piece[:40], "xtsol-line-starts-xtsol", {}
    return line


def _fit(value: str, settings: XtsolSettings) -> str | None:
    try:
        value.encode(settings.encoding)
        return value
    except UnicodeEncodeError:
        return transliterate(value, settings.encoding) if settings.transliterate else None


def _cell_problem(name: str, value: str, settings: XtsolSettings) -> str | None:
    """The reject code of a cell the shop's import would split or change, or None."""
    if settings.separator in value:
        return "xtsol-separator"
    if name.startswith(SLASHED) and any(c in value for c in "'\"\\\0"):
        return "xtsol-quotes"
    if name == "p_manufacturer" and any(c in value for c in "'\\"):
        return "xtsol-manufacturer-quote"
    return None
