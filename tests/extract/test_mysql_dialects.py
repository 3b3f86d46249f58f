"""Every MySQL/MariaDB text dialect, made by the real client and server, reads as its `--xml` export does."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.extract import read_file
from etl.extract.base import BROKEN, LINE, RAW_TEXT
from tests.mariadb import MariaDB

UTF8 = "--default-character-set=utf8mb4"
# Hostile text: separators, line ends, escapes, quotes, umlauts, the euro sign, NULL and empty.
# The text 'NULL' is left out: the client's batch output writes it as it writes NULL (MySQL's own ambiguity).
HOSTILE = [
    "Tab\there", "Zeile 1\nZeile 2", "CR\rinside", "CRLF\r\nend", "back\\slash", "ends with \\",
    'say "hi"', '"quoted"', "Müller ÄÖÜ ß", "Preis 5 € netto", "semi;colon, comma", "\\N", "", None,
    "\\t not a tab", "x\\\\y",
]
COLUMNS = "orders_status_history_id, orders_id, orders_status_id, date_added, customer_notified, comments"


def _sql(text: str | None) -> str:
    if text is None:
        return "NULL"
    return "'" + text.replace("\\", "\\\\").replace("'", "''").replace("\n", "\\n").replace("\r", "\\r") \
        .replace("\t", "\\t") + "'"


@pytest.fixture
def history(mariadb: MariaDB, shop_db: str) -> str:
    """orders_status_history rows with hostile comments (one row per text)."""
    values = ", ".join(f"({n}, {10000 + n}, 1, '2026-11-0{1 + n % 9} 10:1{n % 10}:00', {n % 2}, {_sql(text)})"
                       for n, text in enumerate(HOSTILE, start=1))
    mariadb.client(UTF8, database=shop_db, sql=f"INSERT INTO orders_status_history ({COLUMNS}) VALUES {values}")
    return shop_db


def _xml(mariadb: MariaDB, db: str, tmp_path: Path) -> list[dict]:
    """The `--xml` export's rows; XML turns a raw CR into LF (line-end normalisation), so the comments
    are checked against that and then taken as inserted."""
    rows = _rows(_client(mariadb, db, tmp_path, "history.xml", "--xml"))
    texts = {str(n): text for n, text in enumerate(HOSTILE, start=1)}
    as_xml = [None if t is None else t.replace("\r\n", "\n").replace("\r", "\n") for t in texts.values()]
    assert [r["comments"] for r in rows] == [as_xml[int(r["orders_status_history_id"]) - 1] for r in rows]
    return [{**r, "comments": texts[r["orders_status_history_id"]]} for r in rows]


def _rows(path: Path) -> list[dict]:
    (raw,) = read_file(path)
    table = raw.read_all()
    assert BROKEN not in table.column_names
    return table.drop_columns([LINE]).to_pylist()


def _client(mariadb: MariaDB, db: str, tmp_path: Path, name: str, *options: str) -> Path:
    path = tmp_path / name
    path.write_bytes(mariadb.client(UTF8, *options, database=db,
                                    sql=f"SELECT {COLUMNS} FROM orders_status_history ORDER BY 1"))
    return path


def _outfile(mariadb: MariaDB, db: str, name: str, options: str) -> Path:
    path = mariadb.files / name
    header = ", ".join(f"'{c.strip()}'" for c in COLUMNS.split(","))
    mariadb.client(UTF8, database=db, sql=(
        f"SELECT {header} UNION ALL (SELECT {COLUMNS} FROM orders_status_history ORDER BY 1) "
        f"INTO OUTFILE '{path}' CHARACTER SET utf8mb4 {options}"))
    return path


@pytest.mark.parametrize(("options", "dialect"), [
    pytest.param("", "mysql-outfile", id="outfile-defaults"),
    pytest.param("LINES TERMINATED BY '\\r\\n'", "mysql-outfile", id="outfile-crlf"),
    pytest.param("FIELDS OPTIONALLY ENCLOSED BY '\"'", "mysql-outfile", id="outfile-optionally-enclosed"),
    pytest.param("FIELDS ENCLOSED BY '\"'", "mysql-outfile", id="outfile-enclosed"),
    pytest.param("FIELDS ENCLOSED BY '\"' ESCAPED BY '\"' LINES TERMINATED BY '\\r\\n'",
                 "mysql-outfile-quote-escaped", id="outfile-escaped-by-quote-crlf"),
    pytest.param("FIELDS TERMINATED BY ';' ENCLOSED BY '\"' ESCAPED BY '\"'",
                 "mysql-outfile-quote-escaped", id="outfile-semicolon-escaped-by-quote-lf"),
    pytest.param("FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\r\\n'",
                 "mysql-outfile", id="outfile-comma-csv"),
    pytest.param("FIELDS TERMINATED BY ';' ENCLOSED BY '\"'", "mysql-outfile", id="outfile-semicolon-enclosed"),
])
def test_into_outfile_reads_as_the_xml_export(mariadb: MariaDB, history: str, tmp_path: Path, options: str,
                                              dialect: str) -> None:
    expected = _xml(mariadb, history, tmp_path)
    path = _outfile(mariadb, history, f"{tmp_path.name}.txt", options)
    assert read_file(path)[0].dialect.name == dialect  # type: ignore[union-attr]
    assert _rows(path) == expected


def test_client_batch_output_reads_as_the_xml_export(mariadb: MariaDB, history: str, tmp_path: Path) -> None:
    expected = _xml(mariadb, history, tmp_path)
    path = _client(mariadb, history, tmp_path, "history.txt", "--batch")
    assert read_file(path)[0].dialect.name == "mysql-batch"  # type: ignore[union-attr]
    assert _rows(path) == expected


def test_raw_batch_output_keeps_clean_rows_and_marks_the_rows_it_cannot_split(
        mariadb: MariaDB, history: str, tmp_path: Path) -> None:
    expected = _xml(mariadb, history, tmp_path)
    path = _client(mariadb, history, tmp_path, "history.txt", "--batch", "--raw")
    (raw,) = read_file(path)
    assert raw.dialect is not None and raw.dialect.name == "tab-raw"
    table = raw.read_all()
    rows = table.to_pylist()
    good = [{k: v for k, v in r.items() if k not in (LINE, BROKEN, RAW_TEXT)} for r in rows if not r[BROKEN]]
    clean = [r for r in expected if not any(c in (r["comments"] or "") for c in "\t\n")]
    # A line break inside a value: the row before the break is as broken as the rest after it.
    assert good == clean
    broken = [r for r in rows if r[BROKEN]]
    assert broken and all(r[RAW_TEXT] and r[LINE] > 1 for r in broken)
    assert any(r[RAW_TEXT].startswith("1\t10001\t") for r in broken)  # the tab row, named by its own text


def test_escaped_by_nothing_marks_rows_with_separators_as_broken(mariadb: MariaDB, history: str) -> None:
    path = _outfile(mariadb, history, "plain.txt", "FIELDS ESCAPED BY ''")
    (raw,) = read_file(path)
    table = raw.read_all()
    ids = [r["orders_status_history_id"] for r in table.to_pylist() if not r.get(BROKEN)]
    assert "3" in ids and "1" not in ids and "2" not in ids  # a CR is data; tab and LF split the row
