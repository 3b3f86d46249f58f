"""Readers turn any export form into text batches with the right line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.extract import read_file
from etl.extract.csv_source import detect_delimiter, detect_encoding
from etl.shared.errors import InputFileError
from tests.conftest import ORDERS


def _rows(path: Path) -> dict[str, list[dict]]:
    return {raw.name or raw.path.name: raw.read_all().to_pylist()
            for raw in read_file(path)}


@pytest.mark.parametrize(("name", "encoding"), [
    pytest.param("xtc_csv_cp1252/orders.csv", "cp1252", id="cp1252"),
    pytest.param("xtc_csv_utf8bom/export_2026-11-20_b.csv", "utf-8", id="utf8-bom"),
    pytest.param("cases/flat_not_cp1252.csv", "utf-8", id="utf8"),
])
def test_detect_encoding(name: str, encoding: str) -> None:
    assert detect_encoding(ORDERS / name) == encoding


@pytest.mark.parametrize(("sample", "sep"), [
    pytest.param('a;b;c\n1;"x;y";3\n', ";", id="semicolon-quoted"),
    pytest.param('"a","b"\n"1,5","2"\n', ",", id="comma-all-quoted"),
    pytest.param("a\tb\n1\t2\n", "\t", id="tab"),
])
def test_detect_delimiter(sample: str, sep: str) -> None:
    assert detect_delimiter(sample) == sep


def test_csv_keeps_umlauts_nulls_and_embedded_newlines_with_true_line_numbers() -> None:
    rows = _rows(ORDERS / "xtc_csv_cp1252/orders.csv")["orders.csv"]
    first = rows[0]
    assert first["customers_lastname"] == "Müller-Lüdenscheidt"
    assert first["comments"] == ('Bitte beim Nachbarn "Schmidt" abgeben; falls niemand da ist,\n'
                                 "bitte in die Garage stellen.")
    assert first["_line"] == 2
    assert rows[1]["_line"] == 4  # the comment above spans two lines
    guest = next(r for r in rows if r["orders_id"] == "10002")
    assert guest["customers_cid"] is None  # the literal NULL


def test_utf8_bom_header_is_clean() -> None:
    raw = read_file(ORDERS / "xtc_csv_utf8bom/export_2026-11-20_b.csv")[0]
    assert raw.columns[0] == "orders_id"


@pytest.mark.parametrize("path", [
    pytest.param("mysql_xml/orders.xml", id="mysql-xml"),
    pytest.param("mysqldump_xml/mysqldump_all.xml", id="mysqldump-xml"),
    pytest.param("phpmyadmin_xml/shop.xml", id="phpmyadmin-xml"),
    pytest.param("phpmyadmin_json/shop.json", id="phpmyadmin-json"),
])
def test_structured_exports_name_their_tables_and_nulls(path: str) -> None:
    tables = _rows(ORDERS / path)
    orders = tables["orders"]
    assert [r["orders_id"] for r in orders][:2] == ["10001", "10002"]
    guest = next(r for r in orders if r["orders_id"] == "10002")
    assert guest["customers_cid"] is None
    assert orders[0]["_line"] > 0


def test_broken_xml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "orders.xml"
    path.write_text('<resultset statement="SELECT * FROM orders">\n<row><field name="a">1</row>\n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"orders.xml, line 2"):
        read_file(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        read_file(path)


def test_a_row_with_an_extra_separator_is_a_broken_row_naming_its_line_and_text(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text('orders_id;name;city\n1;"Müller";Köln\n2;Meier; Sohn;Bonn\n3;Ott;Ulm\n', encoding="utf-8")
    rows = _rows(path)["orders.csv"]
    assert [(r["orders_id"], r["_line"], r.get("_broken")) for r in rows] == [
        ("1", 2, None), ("2", 3, "the row has 4 fields where the header has 3"), ("3", 4, None)]
    assert rows[1]["_raw"] == "2;Meier; Sohn;Bonn"


def test_a_file_whose_rows_mostly_break_is_refused_naming_the_dialect(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("orders_id;name\n1;a;b\n2;c;d\n3;e\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 2: most rows \(2 of 3\) cannot be split as csv \(separator ;"):
        for raw in read_file(path):
            list(raw.batches())


def test_excel_unicode_text_utf16_tab_separated(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes("orders_id\tname\r\n1\tJürgen Weiß\r\n".encode("utf-16"))
    (raw,) = read_file(path)
    rows = raw.read_all().to_pylist()
    assert rows == [{"orders_id": "1", "name": "Jürgen Weiß", "_line": 2}]
