"""`--format sql`: the script, run with the real `mariadb` client, leaves the shop as the ERP said."""

from __future__ import annotations

import shutil
from pathlib import Path

import pymysql
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.bundled import bundled
from etl.config import Config
from etl.load.base import Resources
from etl.load.sql.quote import literal
from etl.load.sql_writer import script_builder
from etl.shared.errors import UsageError
from etl.transform.layout import TargetLayout, load_layout
from tests.mariadb import PASSWORD, USER, MariaDB
from tests.shop.helpers import CATALOG, assert_catalog, query, run_catalog, snapshot


def _script(report_outputs: list[str]) -> str:
    return Path(next(p for p in report_outputs if p.endswith(".sql"))).read_text(encoding="utf-8")


def test_script_loads_the_catalog_and_a_second_run_changes_nothing(workspace: Config, mariadb: MariaDB,
                                                                  shop_db: str) -> None:
    report = run_catalog(workspace)
    script = _script(report.outputs)
    assert script.startswith("-- ") and "SET NAMES utf8mb4;" in script and script.endswith("COMMIT;\n")
    mariadb.client(database=shop_db, sql=script)
    assert_catalog(mariadb, shop_db)
    first = snapshot(mariadb, shop_db)
    mariadb.client(database=shop_db, sql=script)
    assert snapshot(mariadb, shop_db) == first


def test_script_finds_what_the_shop_has_by_natural_keys(workspace: Config, mariadb: MariaDB, shop_db: str) -> None:
    """A manufacturer, option and category made by hand are reused, not doubled; ids are the shop's."""
    mariadb.client(database=shop_db, sql=(
        "SET NAMES utf8mb4;"
        "INSERT INTO manufacturers (manufacturers_id, manufacturers_name) VALUES (40, 'Kochgut GmbH');"
        "INSERT INTO products_options VALUES (7, 2, 'Farbe', 0), (7, 1, 'Colour', 0);"
        "INSERT INTO categories (categories_id, parent_id, group_permission_0, group_permission_1, group_permission_2,"
        " group_permission_3) VALUES (50, 0, 1, 1, 1, 1);"
        "INSERT INTO categories_description (categories_id, language_id, categories_name, categories_heading_title,"
        " categories_description, categories_meta_title, categories_meta_description, categories_meta_keywords)"
        " VALUES (50, 2, 'Bücher', '', '', '', '', '');"
        # latin1_german1_ci takes 'Kuche' for 'Küche': an exact comparison must not
        "INSERT INTO manufacturers (manufacturers_id, manufacturers_name) VALUES (41, 'Grunfaden GmbH');"))
    mariadb.client(database=shop_db, sql=_script(run_catalog(workspace).outputs))
    makers = query(mariadb, shop_db, "SELECT manufacturers_name, manufacturers_id FROM manufacturers ORDER BY 2")
    assert ("Kochgut GmbH", 40) in makers and ("Grunfaden GmbH", 41) in makers
    assert [name for name, _ in makers].count("Kochgut GmbH") == 1 and ("Grünfaden GmbH", 42) in makers
    assert query(mariadb, shop_db, "SELECT DISTINCT options_id FROM products_attributes a JOIN products_options o "
                 "ON o.products_options_id = a.options_id WHERE o.products_options_name = 'Farbe'") == [(7,)]
    assert query(mariadb, shop_db, "SELECT categories_id FROM erp_categories WHERE erp_id = '300'") == [(50,)]


HOSTILE = ["O'Brien \\ \"x\" '; DROP TABLE products; --", "Zeile 1\nZeile 2\r\n\tEnde", "Grüße aus Köln – 5 €",
           "back\\slash at end\\", "nul\x00byte", "\x1a ctrl-z", "Łódź"]


def test_hostile_text_arrives_unchanged(workspace: Config, mariadb: MariaDB, shop_db: str, tmp_path: Path) -> None:
    """Quotes, backslashes, NUL, line breaks, umlauts and SQL arrive as written; an emoji is refused, not '?'."""
    source = tmp_path / "catalog"
    shutil.copytree(CATALOG, source)
    lines = ["Artikelnummer;Sprache;Bezeichnung;Kurztext;Langtext;Meta-Titel;Meta-Beschreibung;Meta-Stichworte"]
    targets = [("PF-200", "en"), ("PF-201", "en"), ("PF-202", "en"), ("PF-200", "de"), ("PF-201", "de"),
               ("PF-202", "de"), ("GW-300", "de")]
    for i, (text, (model, language)) in enumerate(zip(HOSTILE, targets, strict=True)):
        quoted = '"' + text.replace('"', '""') + '"'
        lines.append(f"{model};{language};Name {i};{quoted};;;;")
    lines.append('PF-210;en;Set 😀;kurz;;;;')
    (source / "artikel_texte.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    report = run_catalog(workspace, source=source)
    mariadb.client(database=shop_db, sql=_script(report.outputs))
    # GW-300 has no English text: its German one is copied there, the same bytes
    stored = query(mariadb, shop_db, "SELECT d.products_short_description, COUNT(*) FROM products_description d "
                   "WHERE d.products_name LIKE 'Name %' GROUP BY d.products_name, BINARY d.products_short_description "
                   "ORDER BY d.products_name")
    # Ł is outside cp1252 (the shop's latin1): spelled L by the rule of load/text.py, never '?'
    assert [row[0] for row in stored] == [*HOSTILE[:-1], "Lódz"]
    assert [row[1] for row in stored] == [1, 1, 1, 1, 1, 1, 2]
    assert query(mariadb, shop_db, "SELECT COUNT(*) FROM products")[0][0] > 0
    assert any(r.value == "Set 😀" for r in report.rejects)
    assert not query(mariadb, shop_db, "SELECT 1 FROM products_description WHERE products_name LIKE 'Set%'")


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(codec="cp1252"), max_size=40))
def test_literal_round_trips_through_the_server(mariadb: MariaDB, text: str) -> None:
    """Any text the shop's latin1 tables hold reads back from its literal unchanged."""
    connection = pymysql.connect(host="127.0.0.1", port=mariadb.port, user=USER, password=PASSWORD, charset="utf8mb4")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT CONVERT({literal(text)} USING latin1)")
            assert cursor.fetchone()[0] == text
    finally:
        connection.close()


def test_sql_is_refused_for_a_flow_to_the_erp() -> None:
    """The script is for the shop's database; a layout for GS-Office has no table knowledge."""
    layout = load_layout(bundled("mappings") / "sage" / "articles.yaml", TargetLayout)
    with pytest.raises(UsageError, match="table knowledge"):
        script_builder(layout, Resources((), (bundled("schemas"),)))


def test_a_value_longer_than_its_column_is_refused_not_cut(workspace: Config, mariadb: MariaDB, shop_db: str,
                                                           tmp_path: Path) -> None:
    """Strict mode would fail the whole script; the record is refused with the column's size instead."""
    source = tmp_path / "catalog"
    shutil.copytree(CATALOG, source)
    variants = (source / "varianten.csv").read_text(encoding="cp1252")
    long_name = "Farbe des Obermaterials laut Hersteller"
    (source / "varianten.csv").write_text(variants.replace("TS-100;Farbe;", f"TS-100;{long_name};", 1),
                                          encoding="cp1252")
    report = run_catalog(workspace, source=source)
    refused = [r for r in report.rejects if r.field == "products_options_name"]
    assert [(r.value, r.record) for r in refused] == [(long_name, "TS-100-WEI-S")]
    assert "32 characters" in refused[0].reason
    mariadb.client(database=shop_db, sql=_script(report.outputs))
    assert query(mariadb, shop_db, "SELECT COUNT(*) FROM products_attributes") == [(16,)]
