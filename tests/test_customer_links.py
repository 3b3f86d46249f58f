"""ERP customer numbers of whole chunks (etl/state/links.py): links through any key, odd keys, main's state files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow as pa

from etl.config.customer_numbers import NumberRange
from etl.state.files import LINKS
from etl.state.links import CustomerLinks, shop_customer_ids

MAIN = NumberRange(start=10000, use_shop_numbers=False)


def _customers(*rows: tuple[str | None, str | None]) -> pa.Table:
    return pa.table({"customer_id": pa.array([c for c, _ in rows], pa.string()),
                     "email": pa.array([m for _, m in rows], pa.string()), "is_guest": [False] * len(rows),
                     "erp_customer_number": pa.nulls(len(rows), pa.string())})


def _numbers(links: CustomerLinks, *rows: tuple[str | None, str | None]) -> list[str]:
    return links.assign(_customers(*rows)).column("erp_customer_number").to_pylist()


def test_a_customer_is_found_by_any_key_an_earlier_row_linked(tmp_path: Path) -> None:
    links = CustomerLinks(tmp_path, MAIN)
    # 2 shares 1's e-mail, 2's second address reaches 3; 4 is someone else; 5 has no key and is new each time
    assert _numbers(links, ("1", "a@x.de"), ("2", " A@X.de"), ("2", "b@x.de"), ("3", "b@x.de"), ("4", "c@x.de"),
                    (None, None), (None, None)) == ["10000"] * 4 + ["10001", "10002", "10003"]
    assert _numbers(links, ("9", "B@x.DE "), ("4", "d@x.de"), ("10", "d@x.de")) == ["10000", "10001", "10001"]
    links.commit()
    again = CustomerLinks(tmp_path, MAIN)
    assert _numbers(again, ("3", None), (None, "d@x.de"), ("11", None)) == ["10000", "10001", "10004"]
    assert again.new_customers == 1
    again.commit()
    assert set(shop_customer_ids(tmp_path, ["10000", "10001", "10004"])) == {"10000", "10001", "10004"}


def test_keys_with_a_nul_or_beyond_ascii_are_linked_and_found_again(tmp_path: Path) -> None:
    rows = [("a\x00b", "Ärger@X.de"), ("c", "x\x00y@x.de"), ("İd", "ǅ@x.de")]
    first = CustomerLinks(tmp_path, MAIN)
    assert _numbers(first, *rows) == ["10000", "10001", "10002"]
    first.commit()
    db = sqlite3.connect(tmp_path / LINKS)
    emails = dict(db.execute("SELECT shop_key, erp_id FROM links WHERE kind = 'email'").fetchall())
    db.close()
    assert emails == {"ärger@x.de": "10000", "x\x00y@x.de": "10001", "ǆ@x.de": "10002"}  # Python's lower()
    later = CustomerLinks(tmp_path, MAIN)
    assert _numbers(later, *[(None, mail) for _, mail in rows], *[(cid, None) for cid, _ in rows]) == [
        "10000", "10001", "10002"] * 2
    assert later.new_customers == 0
    later.rollback()


def test_a_state_file_written_by_the_row_by_row_code_is_read_as_before(tmp_path: Path) -> None:
    """The table is the one main kept: its links and counter go on, a number linked ahead of it is skipped."""
    db = sqlite3.connect(tmp_path / LINKS)
    db.executescript("""
        CREATE TABLE links (kind TEXT NOT NULL, shop_key TEXT NOT NULL, erp_id TEXT NOT NULL, created TEXT NOT NULL,
            PRIMARY KEY (kind, shop_key));
        CREATE INDEX links_by_erp_id ON links (erp_id);
        CREATE TABLE counters (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
        INSERT INTO links VALUES ('customer', '7', '10002', '2026-01-02T03:04:05'),
            ('email', 'seven@x.de', '10002', '2026-01-02T03:04:05'), ('customer', '8', '10005', '2026-01-02T03:04:05');
        INSERT INTO counters VALUES ('customer', 10005);
    """)
    db.commit()
    db.close()
    links = CustomerLinks(tmp_path, MAIN)
    assert _numbers(links, ("70", "Seven@x.de"), ("7", "new@x.de"), ("9", None), ("8", None)) == [
        "10002", "10002", "10006", "10005"]
    links.commit()
    db = sqlite3.connect(tmp_path / LINKS)
    assert db.execute("SELECT next FROM counters").fetchall() == [(10007,)]
    assert db.execute("SELECT count(*) FROM links").fetchone() == (6,)
    db.close()
