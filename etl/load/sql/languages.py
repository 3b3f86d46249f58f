"""Texts in every language of the shop: xt:Commerce lists an article (a category) only through its
description row in the visitor's language, so one the ERP has no text for in a language would be
missing from that storefront.

For a spec with `every_language` (products_description, categories_description), every language of
the shop's `languages` table in which the ERP sent no text for a record gets the naming language's
(German) row: copied in the database, only where the shop has no row in that language, so a text
written in the shop's admin stays. A copy follows the German text while it is still a copy. The
layout's `options.missing_texts` may instead leave such records out of a language (`leave_out`).
"""

from __future__ import annotations

from typing import Any

from etl.i18n import N_
from etl.load.sql.quote import literal
from etl.load.sql.statements import LANGUAGE, Row, TableWriter, ref_sql
from etl.load.sql.tables import TableSpec
from etl.shared.errors import ConfigError

CHOICES = ("german", "leave_out")
SHOWN = 10  # records named in a note
NOTES = {
    "german": N_("texts of {table}: the ERP has none in language {language} for {count} record(s); their text in "
                 "{naming} is written there, unless the shop has its own ({records})"),
    "leave_out": N_("texts of {table}: the ERP has none in language {language} for {count} record(s); they are "
                    "left out of that language, as options.missing_texts says ({records})"),
}


class MissingTexts:
    """Statements that give every shop language a row, and what the run report says about them."""

    def __init__(self, option: Any, known: list[str], naming: str) -> None:
        if isinstance(option, str):
            option = {"*": option}
        if not isinstance(option, dict) or any(v not in CHOICES for v in option.values()):
            raise ConfigError([f"options.missing_texts: {option!r} is not one of {', '.join(CHOICES)}, or a map "
                               "of language codes to one of them"])
        self.choice = {str(code): str(value) for code, value in option.items()}
        self.known = [code for code in known if code != naming]  # the shop's languages the layout names
        self.naming = naming
        self.missing: dict[tuple[str, str, str], list[str]] = {}  # (table, language, choice) -> record keys

    def choice_for(self, language: str) -> str:
        """`german` or `leave_out` for a language the ERP sent no text in."""
        return self.choice.get(language, self.choice.get("*", "german"))

    def statements(self, spec: TableSpec, table: str, writer: TableWriter, rows: list[Row]
                   ) -> tuple[list[str], list[str]]:
        """(before the spec's own statements, after every other statement) for the chunk's `rows`."""
        owner, language = _columns(spec)
        owner_field, language_field = spec.refs[owner].field, spec.refs[language].field
        given: dict[str, set[str]] = {}
        naming_rows: dict[str, Row] = {}
        for row in rows:
            key = row.get(owner_field) or ""
            given.setdefault(key, set()).add(row.get(language_field) or "")
            if row.get(language_field) == self.naming:
                naming_rows[key] = row
        before: list[str] = []
        after: list[str] = []
        for key, row in naming_rows.items():
            for code in self.known:
                if code not in given[key]:
                    self.missing.setdefault((table, code, self.choice_for(code)), []).append(key)
            languages = self._languages(given[key])
            if languages is not None:
                before.append(_follow(spec, table, writer, row, owner, language, languages))
                after.append(_copy(spec, table, row, owner, language, languages))
        return before, after

    def _languages(self, given: set[str]) -> str | None:
        """The condition on `l` (the shop's languages) that a copy is written in; None: in none."""
        condition = f"l.languages_id <> {LANGUAGE} AND l.code NOT IN ({', '.join(map(literal, sorted(given)))})"
        named = {c: v for c, v in self.choice.items() if c != "*"}
        if self.choice_for("*") == "german":  # every language but those left out
            return condition + "".join(f" AND l.code <> {literal(c)}" for c, v in sorted(named.items())
                                       if v == "leave_out")
        wanted = sorted(c for c, v in named.items() if v == "german")
        return condition + f" AND l.code IN ({', '.join(map(literal, wanted))})" if wanted else None

    def notes(self) -> list[str]:
        """One note per table, language and choice: how many records, and the first of them."""
        notes = []
        for (table, language, choice), keys in self.missing.items():
            named = ", ".join(keys[:SHOWN]) + (", …" if len(keys) > SHOWN else "")
            notes.append(NOTES[choice].format(table=table, language=language, count=len(keys), naming=self.naming,
                                              records=named))
        return notes


def _columns(spec: TableSpec) -> tuple[str, str]:
    """The key column that names the record (products_id) and the language column."""
    language = next(c for c, ref in spec.refs.items() if ref.kind == "language")
    owner = next(c for c in spec.key if c != language)
    return owner, language


def _copy(spec: TableSpec, table: str, row: Row, owner: str, language: str, languages: str) -> str:
    """The naming language's row copied into every language of the shop (`languages`) that has none."""
    columns = list(spec.columns)
    return (f"INSERT INTO {table} ({owner}, {language}, {', '.join(columns)}) "
            f"SELECT d.{owner}, l.languages_id, {', '.join(f'd.{c}' for c in columns)} FROM {table} d "
            f"JOIN languages l ON {languages} "
            f"WHERE d.{owner} = {ref_sql(spec.refs[owner], row)} AND d.{language} = {LANGUAGE} "
            f"AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.{owner} = d.{owner} AND x.{language} = l.languages_id)")


def _follow(spec: TableSpec, table: str, writer: TableWriter, row: Row, owner: str, language: str,
            languages: str) -> str:
    """Copies of the naming language's row (still equal to it) take its new values, before it changes."""
    columns = list(spec.columns)
    sets = ", ".join(f"x.{c} = {writer.value(c, row)}" for c in columns)
    equal = " AND ".join(f"BINARY x.{c} <=> BINARY d.{c}" for c in columns)
    return (f"UPDATE {table} x JOIN {table} d ON d.{owner} = x.{owner} AND d.{language} = {LANGUAGE} "
            f"JOIN languages l ON l.languages_id = x.{language} AND {languages} SET {sets} "
            f"WHERE x.{owner} = {ref_sql(spec.refs[owner], row)} AND {equal}")
