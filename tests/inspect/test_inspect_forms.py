"""`etl inspect` on the forms the tools write: the encoding of an XML export (declared in its XML declaration, or
detected), and a `mariadb-dump --tab` data file read with the table definition beside it, as a run reads it."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from etl.config import Config
from etl.examine import inspect_files
from tests.extract.test_tool_exports import _dump_tab, _xml, orders_db  # noqa: F401 (orders_db: a fixture)
from tests.mariadb import MariaDB
from tests.test_cli import etl


def test_an_xml_export_names_its_encoding_declared_or_detected(mariadb: MariaDB, orders_db: str,  # noqa: F811
                                                                tmp_path: Path) -> None:
    (orders, *_) = _xml(mariadb, orders_db, tmp_path / "xml")  # `mariadb --xml`: no encoding in its declaration
    latin = tmp_path / "orders_latin1.xml"  # the same document as lxml writes it in ISO-8859-1
    latin.write_bytes(etree.tostring(etree.parse(str(orders)), encoding="ISO-8859-1", xml_declaration=True))
    assert b"encoding='ISO-8859-1'" in latin.read_bytes()[:60] and "Müller".encode("latin-1") in latin.read_bytes()
    seen = {item.file: item for item in inspect_files(Config(base=tmp_path), [orders, latin], "orders").files}
    assert (seen["orders.xml"].encoding, seen["orders.xml"].encoding_how) == ("utf-8", "decodes as UTF-8")
    assert (seen["orders_latin1.xml"].encoding, seen["orders_latin1.xml"].encoding_how) == (
        "iso-8859-1", "declared in the XML declaration")
    german = etl("inspect", latin, "--flow", "orders", cwd=tmp_path)
    assert german.returncode == 0, german.stderr
    assert re.search(r"gelesen als +strukturiert \(xml, json, xlsx\), Zeichensatz iso-8859-1 \(Sicherheit 1,00, in "
                     r"der XML-Deklaration angegeben\)", german.stdout), german.stdout
    english = etl("inspect", orders, "--flow", "orders", "--lang", "en", cwd=tmp_path)
    assert "read as      structured (xml, json, xlsx), encoding utf-8 (sure 1.00, decodes as UTF-8)" in english.stdout


def test_a_tab_dump_data_file_is_read_with_the_table_definition_beside_it(mariadb: MariaDB, orders_db: str,  # noqa: F811
                                                                         tmp_path: Path) -> None:
    folder = _dump_tab(mariadb, orders_db)
    data = folder / "orders.txt"  # named alone: the orders.sql beside it gives its columns, as in a run
    assert not data.read_bytes().startswith(b"orders_id")
    (item,) = inspect_files(Config(base=tmp_path), [data], "orders").files
    assert item.reason is None and item.tables[0]["columns"][:2] == ["orders_id", "customers_id"]
    assert item.dialect is not None and item.dialect["name"] == "mysql-outfile" and item.encoding == "utf-8"
    assert [(taken.flow, taken.table) for taken in item.taken] == [("orders", "orders")]
    shown = etl("inspect", data, "--flow", "orders", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"Kopfzeile +orders_id, customers_id, ", shown.stdout), shown.stdout
    assert re.search(r"genommen für +orders: Tabelle orders von mappings/shop/orders.yaml", shown.stdout)
    assert re.search(r"Ablauf orders \(orders.txt\): 3 Datensätze gelesen", shown.stdout), shown.stdout
