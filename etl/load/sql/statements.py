"""Statements for the records of one table spec: upserts by natural key, sets per owner, plain updates.

Every statement is idempotent (an UPDATE to the same values, an INSERT only when the key finds no row,
a DELETE of rows the ERP no longer sends), so running a script twice, or again after it stopped half
way, leaves the database as one complete run would.
"""

from __future__ import annotations

from collections.abc import Iterator

from etl.load.sql.quote import literal, same
from etl.load.sql.tables import Ref, TableSpec

Row = dict[str, str | None]
LANGUAGE = "@etl_language"  # the naming language's languages_id, set at the top of the script


def ref_sql(ref: Ref, row: Row) -> str:
    """A scalar subquery giving the shop's id for the record's natural key (NULL when none is found)."""
    value = row.get(ref.field)
    if value is None or value == "":
        return "NULL"
    if ref.kind == "article":
        return f"(SELECT products_id FROM products WHERE {same('products_model', value, True)} " \
               "ORDER BY products_id LIMIT 1)"
    if ref.kind == "language":
        return f"(SELECT languages_id FROM languages WHERE {same('code', value, True)} LIMIT 1)"
    if ref.kind == "manufacturer":
        return f"(SELECT manufacturers_id FROM manufacturers WHERE {same('manufacturers_name', value, True)} " \
               "ORDER BY manufacturers_id LIMIT 1)"
    if ref.kind == "category":
        return f"(SELECT m.categories_id FROM erp_categories m JOIN categories c ON c.categories_id = " \
               f"m.categories_id WHERE {same('m.erp_id', value, True)})"
    if ref.kind == "option":
        return option_id(value)
    if ref.kind == "option_value":
        return value_id(row.get(ref.option or "") or "", value)
    return f"(SELECT orders_id FROM orders WHERE orders_id = {literal(value)})"


def option_id(name: str) -> str:
    """The id of the option called `name` in the naming language."""
    return f"(SELECT products_options_id FROM products_options WHERE language_id = {LANGUAGE} AND " \
           f"{same('products_options_name', name, True)} ORDER BY products_options_id LIMIT 1)"


def value_id(option: str, name: str) -> str:
    """The id of the value `name` of the option `option` in the naming language."""
    return ("(SELECT v.products_options_values_id FROM products_options_values v "
            "JOIN products_options_values_to_products_options l "
            "ON l.products_options_values_id = v.products_options_values_id "
            f"WHERE l.products_options_id = {option_id(option)} AND v.language_id = {LANGUAGE} AND "
            f"{same('v.products_options_values_name', name, True)} "
            "ORDER BY v.products_options_values_id LIMIT 1)")


class TableWriter:
    """Statements for one spec's table; `text` says which record fields hold text (exact comparison)."""

    def __init__(self, spec: TableSpec, table: str, text: set[str]) -> None:
        self.spec = spec
        self.table = table
        self.text = text

    def value(self, column: str, row: Row) -> str:
        """The SQL expression for `column` of `row`: its ref, its value, or the shop's default."""
        if column in self.spec.refs:
            return ref_sql(self.spec.refs[column], row)
        value = row.get(self.spec.columns[column])
        if value is None or value == "":
            default = self.spec.null_as.get(column)
            return literal(default) if default is not None else literal(value if value == "" else None)
        return literal(value)

    def match(self, row: Row, alias: str = "") -> str:
        """The condition that finds the row's key in the table."""
        parts = []
        for column in self.spec.key:
            name = f"{alias}{column}"
            if column in self.spec.refs:
                parts.append(f"{name} = {ref_sql(self.spec.refs[column], row)}")
            else:
                field = self.spec.columns[column]
                value = row.get(field)
                if value is None and column in self.spec.null_as:
                    value = self.spec.null_as[column]
                parts.append(same(name, value, field in self.text))
        return " AND ".join(parts) or "1 = 1"

    def upsert(self, row: Row) -> Iterator[str]:
        """Update the row the key finds; insert it when there is none (and every key ref resolved)."""
        settable = [c for c in (*self.spec.columns, *self.spec.refs) if c not in self.spec.key]
        if settable:
            sets = ", ".join(f"{c} = {self.value(c, row)}" for c in settable)
            yield f"UPDATE {self.table} SET {sets} WHERE {self.match(row)}"
        if self.spec.mode == "update":
            return
        columns = list(dict.fromkeys([*self.spec.key, *self.spec.columns, *self.spec.refs]))
        values = [self.value(c, row) for c in columns]
        columns += list(self.spec.on_insert)
        values += list(self.spec.on_insert.values())
        needed = [f"{ref_sql(self.spec.refs[c], row)} IS NOT NULL" for c in self.spec.key if c in self.spec.refs]
        where = " AND ".join([*needed, f"NOT EXISTS (SELECT 1 FROM {self.table} WHERE {self.match(row)})"])
        yield f"INSERT INTO {self.table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM DUAL WHERE {where}"

    def replace_set(self, owner: Row, rows: list[Row]) -> Iterator[str]:
        """The owner's rows become exactly `rows`: others deleted, these upserted."""
        assert self.spec.owner is not None
        column = self.spec.owner
        condition = f"{column} = {ref_sql(self.spec.refs[column], owner)}"
        if rows:
            keep = " OR ".join(f"IFNULL(({self.match(r)}), 0)" for r in rows)
            condition += f" AND NOT ({keep})"
        yield f"DELETE FROM {self.table} WHERE {condition}"
        for row in rows:
            yield from self.upsert(row)
