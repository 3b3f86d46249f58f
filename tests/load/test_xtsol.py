"""The XTSOL file (`--format xtsol`) read back by a re-implementation of xt:Commerce 3's importer."""

from __future__ import annotations

import csv
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.config import Config, load_config
from etl.load.xtsol_rules import XtsolSettings, category_paths, check_line
from etl.report.run_report import RunReport
from etl.transform.layout_forms import Dialect
from etl.workspace import create_workspace
from tests.conftest import GOLDEN
from tests.flows.test_catalog import run_catalog
from tests.load.xtc3_importer import Shop

SETTINGS = XtsolSettings.of({}, Dialect(delimiter="\t", line_ending="\n"))
LANGUAGES = [(2, "de"), (1, "en")]  # the xt:Commerce installer's ids; a German shop sorts de first


def _table(report: RunReport, name: str) -> list[dict[str, str]]:
    path = next(p for p in report.outputs if p.endswith(f"_{name}.csv"))
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _xtsol(report: RunReport) -> bytes:
    return Path(next(p for p in report.outputs if p.endswith(".csv"))).read_bytes()


def test_the_shops_import_takes_every_article_price_text_and_category(workspace: Config, tmp_path: Path) -> None:
    xtsol = run_catalog(workspace, "xtsol")
    tables = run_catalog(load_config(create_workspace(tmp_path / "tables")), "csv")
    shop = Shop(LANGUAGES, [0, 1, 2, 3])
    shop.import_file(_xtsol(xtsol))
    shop.import_file(_xtsol(xtsol))  # xt:Commerce 3 files group prices of new products on the second import
    assert shop.errors == []
    products = {p["products_model"]: p for p in _table(tables, "products")}
    ids = {p["products_model"]: pid for pid, p in shop.products.items()}
    # Their English names hold '"', which xt:Commerce 3's import would store as '\"' (refused, with why).
    assert set(ids) == set(products) - {"TS-100", "PF-210", "GW-300"}
    names = {(c["categories_id"], c["language_code"]): c["categories_name"]
             for c in _table(tables, "categories_description")}
    parents = {c["categories_id"]: c["parent_id"] for c in _table(tables, "categories")}
    category_of = {link["products_model"]: link["categories_id"] for link in _table(tables, "products_to_categories")}
    for model, pid in ids.items():
        ours, theirs = products[model], shop.products[pid]
        assert theirs["products_price"] == ours["products_price"]
        assert Decimal(theirs["products_quantity"]) == Decimal(ours["products_quantity"])
        assert (theirs["products_ean"], theirs["products_weight"]) == (ours["products_ean"], ours["products_weight"])
        assert theirs["products_tax_class_id"] == ours["products_tax_class_id"]
        assert theirs["products_status"] == ours["products_status"]
        assert shop.manufacturers[theirs["manufacturers_id"]] == ours["manufacturers_name"]
        assert all(theirs[f"group_permission_{g}"] == "1" for g in (1, 2, 3))
        path, node = [], category_of[model]
        while node != "0":
            path.insert(0, names[(node, "de")])
            node = parents[node]
        assert [shop.path(c) for p, c in shop.links if p == pid] == [path]
    for text in _table(tables, "products_description"):
        if text["products_model"] in ids:
            language_id = {code: i for i, code in LANGUAGES}[text["language_code"]]
            arrived = shop.descriptions[(ids[text["products_model"]], language_id)]
            assert arrived["products_name"] == text["products_name"]
            assert arrived["products_description"] == text["products_description"]
            assert arrived["products_short_description"] == text["products_short_description"]
            assert arrived["products_meta_title"] == text["products_meta_title"]
    for group in (1, 2, 3):
        expected = sorted((ids[o["products_model"]], o["quantity"], o["personal_offer"])
                          for o in _table(tables, f"personal_offers_by_customers_status_{group}")
                          if o["products_model"] in ids)
        arrived = sorted((pid, q, p) for pid, q, p in shop.offers[group] if pid != "" and q != "")
        assert arrived == expected and expected


def test_the_xtsol_file_matches_golden(workspace: Config) -> None:
    text = _xtsol(run_catalog(workspace, "xtsol"))
    golden = GOLDEN / "catalog" / "catalog.xtsol.csv"
    if os.environ.get("ETL_UPDATE_GOLDEN"):
        golden.write_bytes(text)
    assert text == golden.read_bytes()


def _cells(**values: str) -> dict[str, str]:
    return {"XTSOL": "XTSOL", "p_model": "A-1", "p_manufacturer": "", "p_name.de": "Topf", "p_desc.de": "",
            "p_meta_title.de": "", "p_cat.0": "Küche", **values}


@pytest.mark.parametrize(("cells", "field", "code"), [
    pytest.param(_cells(**{"p_desc.de": "a\tb"}), "p_desc.de", "xtsol-separator", id="separator-in-text"),
    pytest.param(_cells(**{"p_name.de": 'Topf 28"'}), "p_name.de", "xtsol-quotes", id="quote-in-name"),
    pytest.param(_cells(**{"p_name.de": "O'Neil"}), "p_name.de", "xtsol-quotes", id="apostrophe-in-name"),
    pytest.param(_cells(p_manufacturer="O'Neil"), "p_manufacturer", "xtsol-manufacturer-quote",
                 id="apostrophe-in-manufacturer"),
    pytest.param(_cells(**{"p_desc.de": "eins\nXTSOL zwei"}), "p_desc", "xtsol-line-starts-xtsol",
                 id="line-starting-xtsol"),
    pytest.param(_cells(**{"p_name.de": "Topf \U0001F372"}), "p_name.de", "xtsol-charset", id="emoji"),
    pytest.param(_cells(_too_many_images="x.jpg"), "p_image", "xtsol-too-many-images", id="too-many-images"),
])
def test_what_the_shops_import_would_read_otherwise_is_refused(cells: dict[str, str], field: str,
                                                                code: str) -> None:
    problem = check_line(cells, SETTINGS)
    assert isinstance(problem, tuple)
    assert problem[0] == field and problem[2] == code


@pytest.mark.parametrize(("categories", "names", "code"), [
    pytest.param({"1": "0"}, {"1": "ID"}, "xtsol-category-id", id="named-ID"),
    pytest.param({"1": "0", "2": "0"}, {"1": "Töpfe", "2": "TOPFE"}, "xtsol-category-same-name", id="siblings-alike"),
    pytest.param({"1": "0"}, {}, "xtsol-category-unnamed", id="no-name-in-first-language"),
    pytest.param({}, {}, "xtsol-category-unnamed", id="category-not-in-run"),
])
def test_category_paths_the_import_cannot_find_are_refused(categories: dict[str, str], names: dict[str, str],
                                                           code: str) -> None:
    rows = [{"categories_id": c, "parent_id": p} for c, p in categories.items()]
    texts = [{"categories_id": c, "categories_name": n, "language_code": "de"} for c, n in names.items()]
    paths, problems = category_paths(rows, texts, [{"_key": "A-1", "categories_id": "1"}], SETTINGS)
    assert paths == {} and problems["A-1"][2] == code


_ALLOWED = st.text(st.characters(codec="cp1252", exclude_characters="\t\"'\\\0\r"), max_size=40).filter(
    lambda t: all("XTSOL" not in piece[:6] for piece in t.split("\n")[1:]))


@given(name=_ALLOWED, meta=_ALLOWED, category=_ALLOWED.map(str.strip).filter(lambda c: c not in ("", "ID")))
def test_any_text_the_writer_lets_through_arrives_unchanged(name: str, meta: str, category: str) -> None:
    cells = _cells(**{"p_name.de": name, "p_meta_title.de": meta, "p_cat.0": category})
    line = check_line(cells, SETTINGS)
    assert isinstance(line, str)
    header = "".join(f"{c}\t" for c in cells) + "\n"
    shop = Shop([(2, "de")], [0, 1])
    shop.import_file((header + line).encode("cp1252"))
    (pid, _product), = shop.products.items()
    assert shop.descriptions[(pid, 2)]["products_name"] == name
    assert shop.descriptions[(pid, 2)]["products_meta_title"] == meta
    assert [shop.path(c) for _, c in shop.links] == [[category]]
