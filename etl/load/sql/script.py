"""A run's records as one SQL script: DDL the run needs, then one transaction of idempotent statements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from etl.load.sql import create
from etl.load.sql.languages import MissingTexts
from etl.load.sql.quote import literal
from etl.load.sql.statements import LANGUAGE, Row, TableWriter
from etl.load.sql.tables import ShopTables, TableSpec
from etl.load.text import fit_encoding, format_column
from etl.shared.records import KEY, Mapped
from etl.shared.rejects import Reject, rejects_where
from etl.transform.layout import TargetLayout
from etl.transform.layout_forms import Dialect

# Numbers, dates and flags as the server reads them whatever the layout's csv says; text keeps its
# encoding rule (the shop's latin1 tables: cp1252, transliterated or refused as in etl/load/text.py).
_SQL_FORMS = {"decimal": ".", "date_format": "%Y-%m-%d", "datetime_format": "%Y-%m-%d %H:%M:%S",
              "true": "1", "false": "0"}
_CREATES = {"manufacturer": ("manufacturers",), "option": ("products_options",),
            "option_value": ("products_options_values", "products_options_values_to_products_options")}
SQL_MODE = "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"


class ScriptBuilder:
    """Turns mapped chunks into statements; `header` and `footer` frame them as one script."""

    def __init__(self, layout: TargetLayout, tables: ShopTables, extensions: dict[str, str]) -> None:
        self.layout = layout
        self.tables = tables
        self.extensions = extensions
        self.dialect = Dialect(**{**layout.dialect("sql").model_dump(), **_SQL_FORMS})
        self.ddl: dict[str, str] = {}
        self.created: set[tuple[str, ...]] = set()
        self.text_fields: dict[str, set[str]] = {}
        self.touched: set[str] = set()  # tables the statements so far write
        languages = layout.value_maps.get("languages", {})
        self.texts = MissingTexts(layout.options.get("missing_texts", "german"), [str(c) for c in languages],
                                  tables.naming_language)

    def chunk(self, mapped: Mapped) -> tuple[list[str], list[str], list[Reject]]:
        """Statements for one chunk (in order, and those to run after all others), and refused records."""
        rows, rejects = self._rows(mapped)
        body: list[str] = []
        late: list[str] = []
        for record in self.layout.records:
            for spec in self.tables.records.get(record, []):
                wanted = [r for r in rows.get(record, []) if all(r.get(f) in v for f, v in spec.when.items())]
                if spec.every_language:
                    table = spec.table_for(record)
                    writer = TableWriter(spec, table, self.text_fields.get(record, set()))
                    before, after = self.texts.statements(spec, table, writer, wanted)
                    body.extend(before)
                    late.extend(after)
                    if after:
                        self.touched.add("languages")
                (late if spec.late else body).extend(self._spec(record, spec, wanted, rows))
        return body, late, rejects

    def _rows(self, mapped: Mapped) -> tuple[dict[str, list[Row]], list[Reject]]:
        texts: dict[str, pa.Table] = {}
        rejects: list[Reject] = []
        for name, spec in self.layout.records.items():
            if name not in self.tables.records or name not in mapped.records:
                continue
            table = mapped.records[name]
            columns, text_fields = {}, []
            for f in spec.fields:
                values = table.column(f.name).combine_chunks()
                if pa.types.is_string(values.type):
                    text_fields.append(f.name)
                columns[f.name] = format_column(values, f, self.dialect)
            text = pa.table({**columns, KEY: table.column(KEY), "_file": table.column("_file"),
                             "_line": table.column("_line")})
            text, problems = fit_encoding(text, text_fields, self.dialect)
            problems += self._too_long(name, text)
            rejects += [replace(r, kind=name) for r in problems]
            texts[name] = text
            self.text_fields[name] = set(text_fields)
        refused: dict[str, set[str]] = defaultdict(set)  # as in the csv writer: a record takes its family
        for r in rejects:
            if r.record and r.kind:
                refused[self.layout.family(r.kind)].add(r.record)
        rows = {}
        for name, text in texts.items():
            keys = refused.get(self.layout.family(name))
            if keys:
                text = text.filter(pc.invert(pc.is_in(text.column(KEY), value_set=pa.array(sorted(keys)))))
            rows[name] = text.drop_columns([KEY, "_file", "_line"]).to_pylist()
        return rows, rejects

    def _too_long(self, record: str, text: pa.Table) -> list[Reject]:
        problems: list[Reject] = []
        for spec in self.tables.records[record]:
            for field, most in spec.lengths.items():
                if field not in text.column_names:
                    continue
                values = text.column(field)
                problems += rejects_where(text, pc.greater(pc.utf8_length(values), most), field, values,
                                          "too-long-for-shop", KEY, {"table": spec.table_for(record), "most": most})
        return problems

    def _spec(self, record: str, spec: TableSpec, rows: list[Row], every: dict[str, list[Row]]) -> Iterator[str]:
        table = spec.table_for(record)
        if spec.create:
            self.ddl.setdefault(table, self.extensions[table] if spec.create == "extensions"
                                else spec.create.replace("{table}", table))
        writer = TableWriter(spec, table, self.text_fields.get(record, set()))
        if rows or spec.owners_from:
            self.touched.add(table)
        for row in rows:
            yield from self._prerequisites(spec, row)
        if spec.mode == "category":
            yield from self._categories(writer, rows, every)
        elif spec.mode == "set":
            assert spec.owner is not None
            field = spec.refs[spec.owner].field
            owners: dict[str, list[Row]] = defaultdict(list)
            for row in every.get(spec.owners_from or "", []):
                owners[row.get(field) or ""] = []
            for row in rows:
                owners[row.get(field) or ""].append(row)
            for owner, members in owners.items():
                if owner:
                    yield from writer.replace_set({field: owner}, members)
        else:
            for row in rows:
                yield from writer.upsert(row)

    def _prerequisites(self, spec: TableSpec, row: Row) -> Iterator[str]:
        for ref in spec.refs.values():
            value = row.get(ref.field)
            if not value or ref.kind not in ("manufacturer", "option", "option_value"):
                continue
            option = row.get(ref.option or "") or ""
            key = (ref.kind, option, value) if ref.kind == "option_value" else (ref.kind, value)
            if key in self.created:
                continue
            self.created.add(key)
            self.touched.update(_CREATES[ref.kind])
            if ref.kind == "manufacturer":
                yield from create.manufacturer(value)
            elif ref.kind == "option":
                yield from create.option(value)
            elif option:
                yield from create.option_value(option, value)

    def _categories(self, writer: TableWriter, rows: list[Row], every: dict[str, list[Row]]) -> Iterator[str]:
        names = writer.spec.names
        assert names is not None
        self.ddl.setdefault("erp_categories", self.extensions["erp_categories"])
        self.touched.update(("categories", "categories_description", "erp_categories"))
        named: dict[str, str] = {}
        for text in every.get(names.record, []):
            cid, name = text.get(names.id) or "", text.get(names.name) or ""
            if name and (text.get(names.language) == self.tables.naming_language or cid not in named):
                named[cid] = name
        for row in sorted(rows, key=lambda r: int(r.get(names.level) or 0)):
            found = named.get(row.get(names.id) or "")
            if found:  # a category without any name cannot be found again by its path
                yield from create.category(writer, row, found)

    def header(self) -> Iterator[str]:
        """Connection settings, the tables the run needs (DDL commits, so before the transaction)."""
        yield "SET NAMES utf8mb4"
        yield f"SET SESSION sql_mode = '{SQL_MODE}'"
        yield from self.ddl.values()
        yield "START TRANSACTION"
        yield (f"SET {LANGUAGE} = IFNULL((SELECT languages_id FROM languages WHERE code = "
               f"{literal(self.tables.naming_language)}), (SELECT MIN(languages_id) FROM languages))")

    def notes(self) -> list[str]:
        """What the run report says about the statements: texts given in the naming language, or left out."""
        return self.texts.notes()

    def footer(self) -> Iterator[str]:
        """The end of the transaction."""
        yield "COMMIT"
