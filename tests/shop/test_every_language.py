"""Every active article and category in every language of the shop, by the storefront's own listing.

xt:Commerce lists an article only through its products_description row in the visitor's language (a
category through its categories_description row). The ERP export below has no English text for two
articles and two categories, and the shop has a third language (French) the ERP has no text in at all.
Both routes into the database are tried: the script run by the real `mariadb` client, and the direct target.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from etl.config import Config
from etl.config.shop import DatabaseSettings, ShopSettings
from etl.i18n import translate
from etl.report.run_report import RunReport
from tests.mariadb import PASSWORD, USER, MariaDB
from tests.shop.helpers import CATALOG, query, run_catalog, snapshot

UNTRANSLATED = ["PF-201", "GW-300"]  # active articles whose English text is taken out of the ERP export
# BU-400 (inactive) has no English text in the example either
UNTRANSLATED_CATEGORIES = ["220", "300"]


def _export(tmp_path: Path, rename: dict[str, str] | None = None, price: tuple[str, str] | None = None) -> Path:
    """The example catalog without the English texts of UNTRANSLATED (and with German names or a price changed)."""
    source = tmp_path / "catalog"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(CATALOG, source)
    for name, keys in (("artikel_texte.csv", UNTRANSLATED), ("warengruppen_texte.csv", UNTRANSLATED_CATEGORIES)):
        path = source / name
        lines = path.read_bytes().split(b"\r\n")
        path.write_bytes(b"\r\n".join(line for line in lines if line.split(b";")[0].decode() not in keys))
    articles = source / "artikel.csv"
    text = articles.read_text(encoding="cp1252")
    for old, new in (rename or {}).items():
        text = text.replace(old, new)
    if price:
        text = text.replace(*price)
    articles.write_text(text, encoding="cp1252", newline="")
    return source


def _french(mariadb: MariaDB, database: str) -> None:
    mariadb.client(database=database, sql="INSERT INTO languages VALUES (3,'Français','fr','icon.gif','french',3,"
                                          "'iso-8859-15',1)")


def _run(route: str, config: Config, mariadb: MariaDB, database: str, source: Path, **options: Any) -> RunReport:
    """One catalog run into the shop: the script through the `mariadb` client, or the direct target."""
    if route == "database":
        config.shop = ShopSettings(database=DatabaseSettings(host="127.0.0.1", port=mariadb.port, user=USER,
                                                             database=database))
        return run_catalog(config, "csv", source=source, **options)
    report = run_catalog(config, "sql", source=source, **options)
    script = next(p for p in report.outputs if p.endswith(".sql"))
    mariadb.client(database=database, sql=Path(script).read_text(encoding="utf-8"))
    return report


def listing(mariadb: MariaDB, database: str) -> dict[str, set[str]]:
    """Per language code, the active articles the storefront lists (its query: products joined with
    products_description on the visitor's language_id, products_status = 1 only)."""
    return {code: {m for (m,) in query(mariadb, database, (
        "SELECT p.products_model FROM products p, products_description pd WHERE p.products_status = '1' "
        f"AND pd.products_id = p.products_id AND pd.language_id = '{lid}'"))}
        for lid, code in query(mariadb, database, "SELECT languages_id, code FROM languages")}


def category_listing(mariadb: MariaDB, database: str) -> dict[str, set[int]]:
    """Per language code, the active categories the storefront's category box finds."""
    return {code: {c for (c,) in query(mariadb, database, (
        "SELECT c.categories_id FROM categories c, categories_description cd WHERE c.categories_status = '1' "
        f"AND cd.categories_id = c.categories_id AND cd.language_id = '{lid}'"))}
        for lid, code in query(mariadb, database, "SELECT languages_id, code FROM languages")}


def _names(mariadb: MariaDB, database: str, model: str) -> dict[str, str]:
    return dict(query(mariadb, database, "SELECT l.code, d.products_name FROM products_description d JOIN products p "
                      "USING (products_id) JOIN languages l ON l.languages_id = d.language_id "
                      f"WHERE p.products_model = '{model}'"))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ETL_SHOP_DB_PASSWORD", PASSWORD)


ROUTES = ["script", "database"]


@pytest.mark.parametrize("route", ROUTES)
def test_every_active_article_is_listed_in_every_language(route: str, workspace: Config, mariadb: MariaDB,
                                                         shop_db: str, tmp_path: Path, env: None) -> None:
    _french(mariadb, shop_db)
    report = _run(route, workspace, mariadb, shop_db, _export(tmp_path))
    active = {m for (m,) in query(mariadb, shop_db, "SELECT products_model FROM products WHERE products_status = 1")}
    assert set(UNTRANSLATED) < active and len(active) >= 6
    assert listing(mariadb, shop_db) == {"de": active, "en": active, "fr": active}
    categories = {c for (c,) in query(mariadb, shop_db, "SELECT categories_id FROM categories "
                                                        "WHERE categories_status = 1")}
    assert len(categories) >= 5 and category_listing(mariadb, shop_db) == dict.fromkeys(("de", "en", "fr"), categories)
    # the German text where the ERP has none; the ERP's English where it has one
    assert _names(mariadb, shop_db, "PF-201") == dict.fromkeys(("de", "en", "fr"), "Glasdeckel 28 cm")
    assert _names(mariadb, shop_db, "PF-200") == {"de": "Edelstahl-Bräter 28 cm", "en": "Stainless steel roaster 28 cm",
                                                  "fr": "Edelstahl-Bräter 28 cm"}
    assert ("texts of products_description: the ERP has none in language en for 3 record(s); their text in de is "
            "written there, unless the shop has its own (PF-201, GW-300, BU-400)") in report.notes
    assert ("texts of categories_description: the ERP has none in language en for 2 record(s); their text in de is "
            "written there, unless the shop has its own (220, 300)") in report.notes
    assert all(translate(n, "de").startswith("Texte in ") for n in report.notes if n.startswith("texts of"))
    # a second run changes nothing
    first = snapshot(mariadb, shop_db)
    _run(route, workspace, mariadb, shop_db, _export(tmp_path), force=True)
    assert snapshot(mariadb, shop_db) == first


@pytest.mark.parametrize("route", ROUTES)
def test_a_layout_may_leave_untranslated_articles_out_of_a_language(route: str, workspace: Config, mariadb: MariaDB,
                                                                    shop_db: str, tmp_path: Path, env: None) -> None:
    layout = workspace.base / "mappings" / "shop" / "catalog.yaml"
    text = layout.read_text(encoding="utf-8")
    assert "  missing_texts: german\n" in text
    layout.write_text(text.replace("  missing_texts: german\n", "  missing_texts: {en: leave_out}\n"),
                      encoding="utf-8")
    _french(mariadb, shop_db)
    report = _run(route, workspace, mariadb, shop_db, _export(tmp_path))
    shown = listing(mariadb, shop_db)
    assert shown["en"] == shown["de"] - set(UNTRANSLATED) and shown["fr"] == shown["de"]
    assert ("texts of products_description: the ERP has none in language en for 3 record(s); they are left out of "
            "that language, as options.missing_texts says (PF-201, GW-300, BU-400)") in report.notes


@pytest.mark.parametrize("route", ROUTES)
def test_a_shop_translation_stays_and_a_copy_follows_the_german_text(route: str, workspace: Config, mariadb: MariaDB,
                                                                     shop_db: str, tmp_path: Path, env: None) -> None:
    _run(route, workspace, mariadb, shop_db, _export(tmp_path))
    mariadb.client(database=shop_db, sql=(
        "UPDATE products_description d JOIN products p USING (products_id) SET d.products_name = 'Glass lid 28 cm' "
        "WHERE p.products_model = 'PF-201' AND d.language_id = 1"))
    renamed = {"Glasdeckel 28 cm;": "Glasdeckel 28 cm rund;", 'Gewürzmischung „Schmortopf“': "Gewürzmischung „Braten“"}
    assert all(old in (CATALOG / "artikel.csv").read_text(encoding="cp1252") for old in renamed)
    # a delta run: only the renamed articles are sent, each whole
    report = _run(route, workspace, mariadb, shop_db, _export(tmp_path, renamed))
    assert report.skipped > 0
    assert _names(mariadb, shop_db, "PF-201") == {"de": "Glasdeckel 28 cm rund", "en": "Glass lid 28 cm"}
    assert _names(mariadb, shop_db, "GW-300") == dict.fromkeys(("de", "en"), "Gewürzmischung „Braten“ 50 g")


@pytest.mark.parametrize("route", ROUTES)
def test_a_delta_run_keeps_the_sets_of_a_changed_article(route: str, workspace: Config, mariadb: MariaDB,
                                                         shop_db: str, tmp_path: Path, env: None) -> None:
    """A changed price sends the whole article: its group prices, category links, texts stay in the shop."""
    _run(route, workspace, mariadb, shop_db, _export(tmp_path))
    before = snapshot(mariadb, shop_db)
    report = _run(route, workspace, mariadb, shop_db, _export(tmp_path, price=(";49,58;", ";49,60;")))
    assert report.skipped > 0
    after = snapshot(mariadb, shop_db)
    changed = {t for t in before if before[t] != after[t]}
    assert changed == {"products"}, changed
