"""Every text column of every xt:Commerce order table holds separators, quotes, CR, LF, CR LF, tabs,
backslashes, `\\N` and the euro sign; the real server writes the tables as `mariadb-dump --tab` and as
`SELECT ... INTO OUTFILE ... ENCLOSED BY '"' ESCAPED BY '"'`, and the orders flow writes every order with
the exact values. The columns and their lengths come from the server's table definitions.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from etl.config import Config
from etl.extract import read_file
from etl.extract.base import BROKEN
from etl.flows import FLOWS
from etl.pipeline import run_flow
from etl.pipeline.layouts import load_layouts
from tests.conftest import drop
from tests.extract.test_tool_exports import UTF8, _dump_tab
from tests.mariadb import MariaDB

TABLES = ("orders", "orders_products", "orders_products_attributes", "orders_total", "orders_status_history")
PIECES = ["a;b", 'say "hi"', "CR\rin", "C\r\nD", "L\nF", "T\tab", "back\\slash", "26, 40 €", "\\N", '"N',
          "Müller", '""', "x,y|z", "ends\\"]
ORDERS = [30001 + n for n in range(len(PIECES))]  # each order starts the pieces at another one
BAD_CODES = 39999  # the order whose code columns (payment, country, total class) hold hostile text too
TEXT_TYPES = {"char", "varchar", "text", "tinytext", "mediumtext", "longtext"}
# Money and keys: one order line of 11.90 gross at 19 %, its subtotal, summed tax and grand total.
NUMBERS = {"orders_products": {"products_price": "11.9", "final_price": "11.9", "products_tax": "19",
                               "products_quantity": "1", "allow_tax": "1"},
           "orders_products_attributes": {"options_values_price": "0"}}
TOTALS = [("ot_subtotal", "11.9", 10), ("ot_tax", "1.9", 50), ("ot_total", "11.9", 99)]


def hostile(n: int, length: int) -> str:
    """A text of the pieces from the n-th on, cut to the column's length (CHAR drops trailing spaces)."""
    text = "".join(PIECES[(n + i) % len(PIECES)] for i in range(len(PIECES)))
    return text[:min(length, 40)]


def _columns(mariadb: MariaDB, db: str) -> dict[str, list[tuple[str, str, int]]]:
    """Per order table its columns in order: name, data type, character length (0 for no text)."""
    out = mariadb.client("--batch", "--skip-column-names", database=db, sql=(
        "SELECT table_name, column_name, data_type, COALESCE(character_maximum_length, 0) "
        "FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position"))
    columns: dict[str, list[tuple[str, str, int]]] = {table: [] for table in TABLES}
    for line in out.decode().splitlines():
        table, name, kind, length = line.split("\t")
        if table in columns:
            columns[table].append((name, kind, int(length)))
    return columns


def _codes(config: Config) -> dict[str, set[str]]:
    """Per table the columns whose text is a code checked against a list (value maps, total classes)."""
    source = load_layouts(config, FLOWS["orders"]).source
    codes: dict[str, set[str]] = {}
    for name, table in source.tables.items():
        # The first column of a field is the one these tables have (they carry every column).
        codes[name] = {spec.column[0] for spec in table.fields.values() if spec.map}
    codes["orders_total"].add(source.tables["orders_total"].fields["class"].column[0])
    return codes


def _rows(columns: dict[str, list[tuple[str, str, int]]], codes: dict[str, set[str]]
          ) -> dict[str, list[dict[str, str]]]:
    """The rows of every table: hostile text in every text column, codes and numbers that reconcile."""
    legit = {"payment_class": "invoice", "class": "", "billing_country_iso_code_2": "DE",
             "delivery_country_iso_code_2": "DE"}
    rows: dict[str, list[dict[str, str]]] = {table: [] for table in TABLES}
    for n, order in enumerate([*ORDERS, BAD_CODES]):
        for table in TABLES:
            for sub, (cls, value, sort) in enumerate(TOTALS if table == "orders_total" else [("", "", 0)]):
                row = {}
                for k, (name, kind, length) in enumerate(columns[table]):
                    if kind in TEXT_TYPES:
                        text = hostile(n + k + sub, length)
                        if name in codes.get(table, ()) and order != BAD_CODES:
                            text = cls if name == "class" else legit[name]
                        row[name] = text.rstrip(" ") if kind == "char" else text
                    else:
                        row[name] = {"datetime": "2026-11-20 10:00:00", "date": "2026-11-20"}.get(kind, "1")
                row.update(NUMBERS.get(table, {}))
                ids = {f"{table}_id": order * 10 + sub, "orders_products_id": order * 10, "orders_id": order}
                row.update({k: str(v) for k, v in ids.items() if k in row})
                if table == "orders_total":
                    row.update(value=value, sort_order=str(sort))
                rows[table].append(row)
    return rows


def _sql(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''").replace("\n", "\\n").replace("\r", "\\r") \
        .replace("\t", "\\t") + "'"


Rows = dict[str, list[dict[str, str]]]


@pytest.fixture
def hostile_db(mariadb: MariaDB, shop_db: str, workspace: Config) -> tuple[str, Rows, Rows]:
    """The order tables filled with hostile text; the rows as inserted, and their text columns alone."""
    columns = _columns(mariadb, shop_db)
    rows = _rows(columns, _codes(workspace))
    texts = {table: [{name: row[name] for name, kind, _ in columns[table] if kind in TEXT_TYPES} for row in table_rows]
             for table, table_rows in rows.items()}
    for table, table_rows in rows.items():
        names = ", ".join(table_rows[0])
        values = ", ".join("(" + ", ".join(_sql(v) for v in row.values()) + ")" for row in table_rows)
        mariadb.client(UTF8, database=shop_db, sql=f"INSERT INTO {table} ({names}) VALUES {values}")
    return shop_db, rows, texts


def _tab(mariadb: MariaDB, db: str, folder: Path) -> list[Path]:
    dumped = _dump_tab(mariadb, db, TABLES)
    return [Path(shutil.copy(path, folder / path.name)) for path in sorted(dumped.iterdir())]


def _outfile(options: str) -> Callable[[MariaDB, str, Path], list[Path]]:
    def export(mariadb: MariaDB, db: str, folder: Path) -> list[Path]:
        paths = []
        for table in TABLES:
            path = mariadb.files / f"{uuid.uuid4().hex[:8]}-{table}.txt"
            columns = mariadb.client("--batch", "--skip-column-names", database=db, sql=(
                "SELECT GROUP_CONCAT(QUOTE(column_name) ORDER BY ordinal_position) FROM information_schema.columns "
                f"WHERE table_schema = DATABASE() AND table_name = '{table}'")).decode().strip()
            mariadb.client(UTF8, database=db, sql=(
                f"SELECT {columns} UNION ALL (SELECT * FROM {table} ORDER BY 1) INTO OUTFILE '{path}' "
                f"CHARACTER SET utf8mb4 {options}"))
            paths.append(Path(shutil.copy(path, folder / f"{table}.csv")))
        return paths
    return export


EXPORTS = [
    pytest.param(_tab, "mysql-outfile", id="mariadb-dump-tab"),
    pytest.param(_outfile("FIELDS TERMINATED BY ';' ENCLOSED BY '\"' ESCAPED BY '\"'"),
                 "mysql-outfile-quote-escaped", id="outfile-semicolon-escaped-by-quote-lf"),
    pytest.param(_outfile("FIELDS TERMINATED BY ';' ENCLOSED BY '\"' ESCAPED BY '\"' LINES TERMINATED BY '\\r\\n'"),
                 "mysql-outfile-quote-escaped", id="outfile-semicolon-escaped-by-quote-crlf"),
]


@pytest.mark.parametrize(("export", "dialect"), EXPORTS)
def test_every_hostile_text_reads_back_exactly(mariadb: MariaDB, hostile_db: tuple[str, Rows, Rows],
                                               tmp_path: Path, export: Callable[[MariaDB, str, Path], list[Path]],
                                               dialect: str) -> None:
    db, _, texts = hostile_db
    for path in export(mariadb, db, tmp_path):
        if path.suffix == ".sql":
            continue
        (raw,) = read_file(path)
        assert raw.dialect is not None and raw.dialect.name == dialect
        table = raw.read_all()
        assert BROKEN not in table.column_names
        assert table.select(list(texts[path.stem][0])).to_pylist() == texts[path.stem], path.name


def _text(value: str) -> str | None:
    """A text as the flow keeps it: trimmed, empty as none."""
    return value.strip() or None


@pytest.mark.parametrize(("export", "dialect"), EXPORTS)
def test_the_orders_flow_writes_every_order_with_its_exact_texts(
        mariadb: MariaDB, hostile_db: tuple[str, Rows, Rows], workspace: Config, tmp_path: Path,
        export: Callable[[MariaDB, str, Path], list[Path]], dialect: str) -> None:
    db, rows, texts = hostile_db
    drop(workspace, *export(mariadb, db, tmp_path))
    report = run_flow(workspace, "orders", "json")
    (output,) = report.outputs
    records = {r["Shopbestellnummer"]: r for r in json.loads(Path(output).read_text(encoding="utf-8"))["records"]}
    assert sorted(records) == [str(o) for o in ORDERS]
    assert {r.record for r in report.rejects} == {str(BAD_CODES)}
    codes = _codes(workspace)
    hostile_codes = {row[c] for table in codes for row in rows[table] if row["orders_id"] == str(BAD_CODES)
                     for c in codes[table]}
    bad = {r.value for r in report.rejects if r.field != "ot_total"}  # no grand total: its class is hostile
    assert bad and bad <= hostile_codes | {v.strip() for v in hostile_codes}  # each hostile code, read exactly

    # Every output field that is a source column as it is (no compute, no value map) holds its exact text.
    layouts = load_layouts(workspace, FLOWS["orders"])
    source = layouts.source.tables
    checked = 0
    for spec, table, record_of in (("header", "orders", lambda r: [r]), ("positions", "orders_products",
                                                                          lambda r: r["positions"][:1])):
        plain = {f.name: source[table].fields[f.source].column[0] for f in layouts.target.records[spec].fields
                 if f.source in source[table].fields and not f.compute and not f.map and not f.type
                 and not source[table].fields[f.source].map and not source[table].fields[f.source].type
                 and source[table].fields[f.source].column[0] in texts[table][0]}
        for row in rows[table]:
            if row["orders_id"] == str(BAD_CODES):
                continue
            (record,) = record_of(records[row["orders_id"]])
            for name, column in plain.items():
                assert record.get(name) == _text(row[column]), (row["orders_id"], name, column)
                checked += 1
    assert checked >= 15 * len(ORDERS)  # names, addresses, mail, phone, comment, article name...
    attributes = {r["orders_id"]: r for r in rows["orders_products_attributes"]}
    for order, record in records.items():
        attribute = attributes[order]
        assert record["positions"][0]["Variante"] == (
            f"{_text(attribute['products_options']) or ''}: {_text(attribute['products_options_values']) or ''}")
