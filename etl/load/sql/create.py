"""What a record names that the shop must have first: manufacturers, options and values, categories.

Each is looked up by its name (categories: by the ERP's id, then by the path of names) and created
only when missing, the way the shop's admin creates it, so that a second run finds and reuses it.
"""

from __future__ import annotations

from collections.abc import Iterator

from etl.load.sql.quote import literal, same
from etl.load.sql.statements import LANGUAGE, Row, TableWriter, option_id, value_id


def manufacturer(name: str) -> Iterator[str]:
    """The manufacturer called `name`, created when missing."""
    yield (f"INSERT INTO manufacturers (manufacturers_name, date_added) SELECT {literal(name)}, NOW() FROM DUAL "
           f"WHERE NOT EXISTS (SELECT 1 FROM manufacturers WHERE {same('manufacturers_name', name, True)})")


def option(name: str) -> Iterator[str]:
    """The option `name` in every language of the shop (the next free id when it is new)."""
    yield f"SET @etl_id = IFNULL({option_id(name)}, " \
          "(SELECT IFNULL(MAX(products_options_id), 0) + 1 FROM products_options))"
    yield ("INSERT INTO products_options (products_options_id, language_id, products_options_name, "
           f"products_options_sortorder) SELECT @etl_id, l.languages_id, {literal(name)}, 0 FROM languages l "
           "WHERE NOT EXISTS (SELECT 1 FROM products_options o WHERE o.products_options_id = @etl_id "
           "AND o.language_id = l.languages_id)")


def option_value(option_name: str, name: str) -> Iterator[str]:
    """The value `name` of option `option_name` in every language, linked to its option."""
    yield f"SET @etl_option = {option_id(option_name)}"
    yield f"SET @etl_id = IFNULL({value_id(option_name, name)}, " \
          "(SELECT IFNULL(MAX(products_options_values_id), 0) + 1 FROM products_options_values))"
    yield ("INSERT INTO products_options_values (products_options_values_id, language_id, "
           f"products_options_values_name) SELECT @etl_id, l.languages_id, {literal(name)} FROM languages l "
           "WHERE @etl_option IS NOT NULL AND NOT EXISTS (SELECT 1 FROM products_options_values v "
           "WHERE v.products_options_values_id = @etl_id AND v.language_id = l.languages_id)")
    yield ("INSERT INTO products_options_values_to_products_options (products_options_id, "
           "products_options_values_id) SELECT @etl_option, @etl_id FROM DUAL WHERE @etl_option IS NOT NULL "
           "AND NOT EXISTS (SELECT 1 FROM products_options_values_to_products_options "
           "WHERE products_options_id = @etl_option AND products_options_values_id = @etl_id)")


def category(writer: TableWriter, row: Row, name: str) -> Iterator[str]:
    """The ERP category `row` in the shop: by the ERP id remembered in erp_categories, else by its
    path of names (under its parent, in the naming language); created when missing, then updated."""
    names = writer.spec.names
    assert names is not None
    erp_id, parent = row.get(names.id) or "", row.get(names.parent)
    if parent in (None, "", "0"):
        yield "SET @etl_parent = 0"
    else:
        yield ("SET @etl_parent = (SELECT m.categories_id FROM erp_categories m JOIN categories c "
               f"ON c.categories_id = m.categories_id WHERE {same('m.erp_id', parent, True)})")
    yield ("SET @etl_id = IFNULL((SELECT m.categories_id FROM erp_categories m JOIN categories c ON "
           f"c.categories_id = m.categories_id WHERE {same('m.erp_id', erp_id, True)}), "
           "(SELECT c.categories_id FROM categories c JOIN categories_description d ON d.categories_id = "
           f"c.categories_id AND d.language_id = {LANGUAGE} WHERE c.parent_id = @etl_parent AND "
           f"{same('d.categories_name', name, True)} ORDER BY c.categories_id LIMIT 1))")
    columns = ["parent_id", *writer.spec.columns, *writer.spec.on_insert]
    values = ["@etl_parent", *(writer.value(c, row) for c in writer.spec.columns), *writer.spec.on_insert.values()]
    yield (f"INSERT INTO categories ({', '.join(columns)}) SELECT {', '.join(values)} FROM DUAL "
           "WHERE @etl_id IS NULL AND @etl_parent IS NOT NULL")
    yield "SET @etl_id = IFNULL(@etl_id, IF(@etl_parent IS NULL, NULL, LAST_INSERT_ID()))"
    sets = ", ".join(f"{c} = {writer.value(c, row)}" for c in writer.spec.columns)
    yield f"UPDATE categories SET parent_id = @etl_parent, {sets} WHERE categories_id = @etl_id"
    yield (f"INSERT INTO erp_categories (erp_id, categories_id) SELECT {literal(erp_id)}, @etl_id FROM DUAL "
           "WHERE @etl_id IS NOT NULL ON DUPLICATE KEY UPDATE categories_id = VALUES(categories_id)")
    # the name in the naming language, now, so that a child looked up by path below finds its parent
    yield (f"INSERT INTO categories_description (categories_id, language_id, categories_name, "
           "categories_heading_title, categories_description, categories_meta_title, "
           f"categories_meta_description, categories_meta_keywords) SELECT @etl_id, {LANGUAGE}, {literal(name)}, "
           "'', '', '', '', '' FROM DUAL WHERE @etl_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
           f"categories_description WHERE categories_id = @etl_id AND language_id = {LANGUAGE})")
