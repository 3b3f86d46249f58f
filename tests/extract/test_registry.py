"""The reader registry: one ordered list, a reader chosen by the file's first bytes, each file sniffed once."""

from __future__ import annotations

import ast
import codecs
import shutil
from pathlib import Path

import pytest

import etl.extract
from etl.extract import READERS, read_file
from etl.extract.registry import reader_for
from etl.shared.errors import InputFileError
from tests.conftest import DATA, ORDERS

EXTRACT = Path(etl.extract.__file__).parent


@pytest.mark.parametrize(("head", "reader"), [
    pytest.param(codecs.BOM_UTF16_LE + "<a>".encode("utf-16-le"), "utf16-text", id="utf16-le-before-xml"),
    pytest.param(codecs.BOM_UTF16_BE + b"\x00a", "utf16-text", id="utf16-be"),
    pytest.param(codecs.BOM_UTF8 + b"\r\n  <?xml version='1.0'?>", "xml", id="xml-after-bom-and-blanks"),
    pytest.param(b"\n[{\"a\": 1}]", "json", id="json-array"),
    pytest.param(b"{\"orders\": []}", "json", id="json-object"),
    pytest.param(b"PK\x03\x04rest of a zip", "xlsx", id="zip"),
    pytest.param(b"orders_id;name\n1;x\n", "csv", id="semicolon-text"),
    pytest.param(b"\x80\x81 cp1252 noise", "csv", id="anything-else"),
])
def test_reader_is_chosen_by_the_first_bytes(head: bytes, reader: str) -> None:
    spec = reader_for(head)
    assert spec is not None and spec.name == reader


def test_registry_names_are_unique_and_the_fallback_is_last() -> None:
    names = [spec.name for spec in READERS]
    assert len(names) == len(set(names))
    assert READERS[-1].sniff(b"whatever") and not any(spec.sniff(b"whatever") for spec in READERS[:-1])


@pytest.mark.parametrize(("source", "name", "table"), [
    pytest.param(ORDERS / "xtc_csv_utf8bom/export_2026-11-20_b.csv", "orders.xml", "orders.xml", id="csv-named-xml"),
    pytest.param(ORDERS / "phpmyadmin_json/shop.json", "orders.csv", "orders", id="json-named-csv"),
    pytest.param(ORDERS / "mysql_xml/orders.xml", "orders.json", "orders", id="xml-named-json"),
    pytest.param(DATA / "customers/template_filled.xlsx", "kunden.csv", None, id="xlsx-named-csv"),
])
def test_content_not_name_picks_the_reader(tmp_path: Path, source: Path, name: str, table: str | None) -> None:
    path = Path(shutil.copy(source, tmp_path / name))
    tables = read_file(path)
    assert tables and all(len(list(raw.batches())) for raw in tables)
    if table is not None:
        assert table in {raw.name or raw.path.name for raw in tables}


@pytest.mark.parametrize("name", ["cases/flat_not_cp1252.csv", "xtc_csv_cp1252/orders.csv",
                                  "phpmyadmin_json/shop.json"])
def test_a_small_file_is_opened_once_to_pick_and_prepare_its_reader(name: str, monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    opened: list[Path] = []
    real_open = Path.open

    def counting_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", counting_open)
    read_file(ORDERS / name)
    assert opened == [ORDERS / name]


@pytest.mark.parametrize("content", [b"", b"  \r\n\t", codecs.BOM_UTF8 + b"\n"], ids=["empty", "blank", "bom-only"])
def test_a_file_without_content_is_refused_as_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match="the file is empty"):
        read_file(path)


def test_a_cp1252_character_after_the_head_still_makes_the_file_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"id;name\n" + b"1;Meier\n" * 20_000 + "2;Müller\n".encode("cp1252"))
    (raw,) = read_file(path)
    rows = raw.read_all().to_pylist()
    assert rows[-1]["name"] == "Müller"


def _extract_imports(module: Path) -> set[str]:
    """The etl.extract modules `module` imports anywhere in its body, functions included."""
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "etl.extract":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("etl.extract."):
            found.add(node.module.removeprefix("etl.extract."))  # type: ignore[union-attr]
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("etl.extract.") for a in node.names if a.name.startswith("etl.extract.")}
    return found & {p.stem for p in EXTRACT.glob("*.py")}


def test_no_import_cycle_inside_extract() -> None:
    graph = {p.stem: _extract_imports(p) for p in EXTRACT.glob("*.py") if p.stem != "__init__"}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in graph[start])

    assert [name for name in graph if reaches(name, name, {name})] == []
