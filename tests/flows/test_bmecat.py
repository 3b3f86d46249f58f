"""BMEcat 2005 from the catalog flow (`--format bmecat`): the GS-Office sample exports (tests/data/catalog/)
through T_NEW_CATALOG, T_UPDATE_PRODUCTS and T_UPDATE_PRICES, each validated with lxml against the official
schema; and a catalog written so read back by the articles flow (mappings/bmecat/articles.yaml)."""

from __future__ import annotations

import hashlib
import os
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from lxml import etree

from etl.bundled import bundled
from etl.config import Config, FlowConfig
from etl.pipeline import RunOptions, run_flow
from etl.report.run_report import RunReport
from etl.state.staging import staged
from etl.validate import validate_file
from tests.conftest import GOLDEN, drop
from tests.flows.test_catalog import CATALOG, run_catalog
from tests.test_cli import etl

NS = {"b": "http://www.bmecat.org/bmecat/2005fd"}
OFFICIAL_BLOB = "94abf3f2c28a9b9f1002ffcc81c95ec84715949d"  # BME's bmecat_2005.xsd (schemas/bmecat2005/SOURCES.md)
_RUN = re.compile(rb"catalog_\d{8}-\d{6}-[0-9a-f]{6}")
_TIME = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def official_schema() -> etree.XMLSchema:
    """The bundled official BMEcat 2005 XSD, loaded as the reference README says (lxml, no network)."""
    path = bundled("schemas") / "bmecat2005" / "bmecat_2005.xsd"
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True)))


def valid(path: Path) -> etree._ElementTree:
    """The document at `path`, asserted valid against the official schema."""
    doc = etree.parse(str(path))
    schema = official_schema()
    assert schema.validate(doc), f"{path.name}: {schema.error_log}"
    return doc


def documents(report: RunReport) -> dict[str, Path]:
    """The run's XML outputs by their name without the run id (catalog.xml, catalog_products.xml, ...)."""
    return {_RUN.sub(b"catalog", Path(p).name.encode()).decode(): Path(p) for p in report.outputs
            if p.endswith(".xml")}


def matches_golden(path: Path, name: str) -> None:
    """The file equals tests/golden/bmecat/<name>, its run id and time left out."""
    golden = GOLDEN / "bmecat" / name
    text = _TIME.sub(b"<created>", _RUN.sub(b"<run>", path.read_bytes()))
    if os.environ.get("ETL_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(text)
    assert text == golden.read_bytes(), f"{path.name} differs from {golden.name}"


def texts(doc: etree._ElementTree, xpath: str) -> list[str]:
    """The text of every element `xpath` finds (prefix b: BMEcat's namespace)."""
    return [str(e.text) if isinstance(e, etree._Element) else str(e) for e in doc.xpath(xpath, namespaces=NS)]


def test_the_bundled_schema_is_the_official_one_unchanged() -> None:
    data = (bundled("schemas") / "bmecat2005" / "bmecat_2005.xsd").read_bytes()
    assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == OFFICIAL_BLOB
    root = etree.parse(str(bundled("schemas") / "bmecat2005" / "bmecat_2005.xsd")).getroot()
    assert root.get("targetNamespace") == NS["b"]


def test_the_samples_make_a_new_catalog_valid_against_the_official_schema(workspace: Config) -> None:
    report = run_catalog(workspace, "bmecat")
    assert (report.records_in, report.written, report.rejected) == (8, 7, 1)  # XX-999: its category is missing
    (name, path), = documents(report).items()
    assert name == "catalog.xml" and path.parent == workspace.folder("outbox") / "shop"
    doc = valid(path)
    assert validate_file(workspace, path) == []  # `etl validate` finds the official XSD by the namespace
    matches_golden(path, "new_catalog.xml")
    new = "/b:BMECAT/b:T_NEW_CATALOG"
    assert texts(doc, f"{new}/b:PRODUCT/b:SUPPLIER_PID") == ["TS-100", "PF-200", "PF-201", "PF-202", "PF-210",
                                                            "GW-300", "BU-400"]
    # Warengruppen: one tree below BMEcat's root group, names per language.
    groups = f"{new}/b:CATALOG_GROUP_SYSTEM/b:CATALOG_STRUCTURE"
    assert texts(doc, f"{groups}[@type='root']/b:GROUP_ID") == ["root"]
    assert texts(doc, f"{groups}[b:GROUP_ID='111']/b:PARENT_ID") == ["110"]
    assert texts(doc, f"{groups}[b:GROUP_ID='100']/b:GROUP_NAME/@lang") == ["deu", "eng"]
    assert texts(doc, f"{new}/b:PRODUCT_TO_CATALOGGROUP_MAP[b:PROD_ID='GW-300']/b:CATALOG_GROUP_ID") == ["220"]
    product = f"{new}/b:PRODUCT[b:SUPPLIER_PID='%s']"
    details = product % "TS-100" + "/b:PRODUCT_DETAILS"
    assert texts(doc, f"{details}/b:DESCRIPTION_SHORT") == ["Bio-T-Shirt „Classic“", 'Organic T-shirt "Classic"']
    assert texts(doc, f"{details}/b:DESCRIPTION_SHORT/@lang") == ["deu", "eng"]
    # Price groups with quantity breaks, customer prices, a promotion with its dates.
    price = product % "PF-200" + "/b:PRODUCT_PRICE_DETAILS/b:PRODUCT_PRICE[@price_type='%s']"
    assert [(p, Decimal(b)) for p, b in zip(texts(doc, price % "udp_group2" + "/b:PRICE_AMOUNT"),
                                            texts(doc, price % "udp_group2" + "/b:LOWER_BOUND"), strict=True)
            ] == [("44.50", 1), ("42.00", 5)]
    assert texts(doc, price % "udp_cust10023" + "/b:PRICE_AMOUNT") == ["38.50"]
    promotion = product % "PF-202" + "/b:PRODUCT_PRICE_DETAILS[b:VALID_START_DATE]"
    assert texts(doc, f"{promotion}/b:VALID_START_DATE | {promotion}/b:VALID_END_DATE") == ["2024-01-01", "2099-12-31"]
    assert texts(doc, f"{promotion}/b:PRODUCT_PRICE/b:PRICE_AMOUNT") == ["52.94"]
    # Images and documents, the bill of material, accessories, variants.
    assert texts(doc, product % "PF-200" + "/b:MIME_INFO/b:MIME/b:MIME_PURPOSE") == ["normal", "normal", "data_sheet"]
    bom = product % "PF-210" + "/b:PRODUCT_REFERENCE[@type='consists_of']"
    assert list(zip(texts(doc, f"{bom}/b:PROD_ID_TO"), texts(doc, f"{bom}/@quantity"), strict=True)) == [
        ("PF-200", "1"), ("PF-201", "1"), ("GW-300", "2")]
    assert texts(doc, product % "PF-200" + "/b:PRODUCT_REFERENCE[@type='accessories']/b:PROD_ID_TO") == ["PF-201"]
    features = product % "TS-100" + "/b:PRODUCT_FEATURES/b:FEATURE"
    assert len(doc.xpath(features, namespaces=NS)) == 18
    assert set(texts(doc, f"{features}/b:FVALUE_DETAILS")) == {f"TS-100-{c}-{s}" for c in ("WEI", "SWZ", "BLA")
                                                               for s in "SML"}


def test_a_run_that_sends_changes_writes_update_documents(workspace: Config) -> None:
    valid(documents(run_catalog(workspace, "bmecat"))["catalog.xml"])
    drop(workspace, *sorted(CATALOG.glob("*.csv")))
    prices = workspace.folder("inbox") / "preise.csv"
    prices.write_bytes(prices.read_bytes().replace(b"TS-100;1;10;15,08", b"TS-100;1;10;14,99"))
    articles = workspace.folder("inbox") / "artikel.csv"
    articles.write_bytes(articles.read_bytes().replace(b"Kochgut GmbH;Kochgut GmbH;19,00;49,58",
                                                       b"Kochgut AG;Kochgut GmbH;19,00;49,58"))
    report = run_flow(workspace, "catalog", "bmecat")
    assert (report.written, report.skipped) == (2, 5)
    outputs = documents(report)
    assert sorted(outputs) == ["catalog_price_updates.xml", "catalog_products.xml"]
    products, prices_doc = valid(outputs["catalog_products.xml"]), valid(outputs["catalog_price_updates.xml"])
    matches_golden(outputs["catalog_products.xml"], "update_products.xml")
    matches_golden(outputs["catalog_price_updates.xml"], "update_prices.xml")
    update = "/b:BMECAT/b:T_UPDATE_PRODUCTS/b:PRODUCT[@mode='update']"
    assert texts(products, f"{update}/b:SUPPLIER_PID") == ["TS-100", "PF-200"]
    assert texts(products, f"{update}[b:SUPPLIER_PID='PF-200']/b:PRODUCT_DETAILS/b:MANUFACTURER_NAME") == [
        "Kochgut AG"]
    assert not products.xpath("//b:CATALOG_GROUP_SYSTEM", namespaces=NS)  # only a new catalog carries the tree
    changed = ("/b:BMECAT/b:T_UPDATE_PRICES/b:PRODUCT[b:SUPPLIER_PID='TS-100']/b:PRODUCT_PRICE_DETAILS"
               "/b:PRODUCT_PRICE[@price_type='udp_group1']/b:PRICE_AMOUNT")
    assert texts(prices_doc, changed) == ["16.76", "14.99"]
    drop(workspace, *sorted(CATALOG.glob("*.csv")))
    unchanged = run_flow(workspace, "catalog", "bmecat")  # nothing to send: no update (it must hold a product)
    assert (unchanged.written, unchanged.skipped, documents(unchanged)) == (0, 7, {})
    drop(workspace, *sorted(CATALOG.glob("*.csv")))
    again = run_flow(workspace, "catalog", "bmecat", RunOptions(full=True))
    assert again.written == 7 and list(documents(again)) == ["catalog.xml"]
    valid(documents(again)["catalog.xml"])


def test_values_bmecat_cannot_carry_are_refused_with_field_and_reason(workspace: Config) -> None:
    drop(workspace, *sorted(CATALOG.glob("*.csv")))
    articles = workspace.folder("inbox") / "artikel.csv"
    long_name = "Glasdeckel " + "x" * 150
    data = articles.read_bytes().replace(b"Glasdeckel 28 cm;", long_name.encode("cp1252") + b";", 1)
    articles.write_bytes(data.replace(b";300;Stk.;", b";300;Bund;", 1))
    report = run_flow(workspace, "catalog", "bmecat")
    refused = {(r.record, r.field): (r.value, r.reason) for r in report.rejects}
    assert refused[("BU-400", "order_unit")][0] == "Bund"
    assert "value map 'units'" in refused[("BU-400", "order_unit")][1]
    assert refused[("PF-201", "description_short")] == (long_name, "is longer than 150 characters")
    doc = valid(documents(report)["catalog.xml"])
    pids = texts(doc, "//b:PRODUCT/b:SUPPLIER_PID")
    assert "BU-400" not in pids and "PF-201" not in pids and "PF-200" in pids  # never cut, never guessed


def test_a_consultant_adapts_the_catalog_in_the_layout(workspace: Config) -> None:
    layout = workspace.find_mapping("bmecat/catalog.yaml")
    assert layout.is_relative_to(workspace.base)  # `etl init` copied it into the working folder
    text = layout.read_text(encoding="utf-8").replace("value: HHG-CATALOG", "value: B2B-2026")
    text = text.replace("value: Händler GmbH", "value: Kochgut Handel KG")
    layout.write_text(text.replace("udp_cust{customer_number}", "udp_K{customer_number}"), encoding="utf-8")
    doc = valid(documents(run_catalog(workspace, "bmecat"))["catalog.xml"])
    assert texts(doc, "/b:BMECAT/b:HEADER/b:CATALOG/b:CATALOG_ID") == ["B2B-2026"]
    assert texts(doc, "/b:BMECAT/b:HEADER/b:SUPPLIER/b:SUPPLIER_NAME") == ["Kochgut Handel KG"]
    assert texts(doc, "//b:PRODUCT_PRICE[@price_type='udp_K10023']/b:PRICE_AMOUNT") == ["38.50", "2.49"]


def _neutral(config: Config, report: RunReport, entity: str, columns: list[str]) -> list[tuple]:
    folder = config.folder("staging") / report.run_id / "tables"
    table = pa.concat_tables(list(staged(folder, entity)))
    return sorted(tuple(row[c] for c in columns) for row in table.select(columns).to_pylist())


def test_a_bmecat_catalog_comes_back_into_the_articles_flow(workspace: Config, tmp_path: Path) -> None:
    catalog = run_catalog(workspace, "bmecat")
    written = documents(catalog)["catalog.xml"]
    shop = _neutral(workspace, catalog, "articles", ["sku", "price", "tax_rate", "ean", "unit", "category_id"])
    texts_in = _neutral(workspace, catalog, "article_texts", ["sku", "language", "name", "long_text"])
    groups = [p for p in _neutral(workspace, catalog, "prices", ["kind", "sku", "price_group", "min_quantity",
                                                                 "price", "valid_from", "valid_to", "active"])
              if p[0] == "group" or (p[0] == "special" and p[-1])]  # GS-Office takes running promotions
    categories = _neutral(workspace, catalog, "categories", ["category_id", "parent_id", "level"])
    workspace.flows["articles"] = FlowConfig(source="bmecat/articles.yaml")
    drop(workspace, written)
    back = run_flow(workspace, "articles", "csv")
    assert (back.records_in, back.written) == (7, 7)
    assert _neutral(workspace, back, "articles", ["sku", "price", "tax_rate", "ean", "unit", "category_id"]) == shop
    assert _neutral(workspace, back, "article_texts", ["sku", "language", "name", "long_text"]) == texts_in
    assert [p for p in _neutral(workspace, back, "prices", ["kind", "sku", "price_group", "min_quantity", "price",
                                                            "valid_from", "valid_to", "active"])] == groups
    assert _neutral(workspace, back, "categories", ["category_id", "parent_id", "level"]) == categories
    # A customer's price has no place in GS-Office's Artikelstamm: refused, with its price type.
    assert sorted((r.field, r.value) for r in back.rejects) == [("price_type", "udp_cust10023")] * 2


def test_etl_flows_offers_bmecat_for_the_catalog_only() -> None:
    result = etl("flows")
    assert result.returncode == 0, result.stderr
    offering = {line.split("\t")[0] for line in result.stdout.splitlines() if "bmecat" in line.split("\t")[3]}
    assert offering == {"catalog"}


def test_a_wrong_head_item_or_order_is_a_layout_problem_by_key(tmp_path: Path) -> None:
    from etl.shared.errors import ConfigError
    from etl.transform.layout import TargetLayout, load_layout

    text = (bundled("mappings") / "bmecat" / "catalog.yaml").read_text(encoding="utf-8")
    text = text.replace("{xml: HEADER/GENERATOR_INFO,", "{xml: HEADER/@x/GENERATOR_INFO,")
    text = text.replace("{xml: GROUP_SYSTEM_ID,", "{xml: 'GROUP_SYSTEM_ID[0]',")
    layout = tmp_path / "catalog.yaml"
    layout.write_text(text.replace("order: [groups, products, maps]", "order: [groups, products, map]"),
                      encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_layout(layout, TargetLayout)
    problems = str(refused.value.problems)
    for problem in ("xml.head[0].xml: '@x' is not an XML element name",
                    "xml.records.groups.head[0].xml: 'GROUP_SYSTEM_ID[0]' is neither an element nor an attribute",
                    "xml.order: no record type 'map'"):
        assert problem in problems
