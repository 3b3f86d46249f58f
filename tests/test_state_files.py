"""The working folder's state databases are opened one way (etl/state/files.py): WAL, a busy timeout, explicit
transactions; `etl status` reads the ledger through the ledger's own API, never creating or changing it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from etl.config import Config
from etl.config.customer_numbers import NumberRange
from etl.pipeline import run_flow
from etl.state import files
from etl.state.delta import DeltaState
from etl.state.files import connect, transaction
from etl.state.ledger import Ledger
from etl.state.links import CustomerLinks
from etl.state.mail_queue import MailQueue
from etl.state.notify_log import NotifyLog
from etl.state.payments import PaymentMemory
from etl.status import collect
from tests.conftest import drop

ROOT = Path(__file__).resolve().parent
OPENERS = {  # every state database, opened (and closed) by the class that owns it
    files.LEDGER: lambda state: Ledger(state).close(),
    files.LINKS: lambda state: CustomerLinks(state, NumberRange()).rollback(),
    files.DELTA: lambda state: DeltaState(state, "articles").close(),
    files.MAILS: lambda state: MailQueue(state).close(),
    files.PAYMENTS: lambda state: PaymentMemory(state, None).commit(),  # type: ignore[arg-type]
    files.NOTIFY: lambda state: NotifyLog(state).close(),
}


@pytest.mark.parametrize("name", sorted(OPENERS))
def test_every_state_database_is_a_wal_database_under_its_name(tmp_path: Path, name: str) -> None:
    state = tmp_path / "state"
    OPENERS[name](state)
    assert sorted(p.name for p in state.glob("*.sqlite")) == [name]
    db = sqlite3.connect(state / name)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # kept in the file once set
    db.close()


def test_the_names_are_all_opened_here() -> None:
    """Each .sqlite name of files.py has its opener above: a new database cannot miss the list."""
    assert {v for k, v in vars(files).items() if k.isupper() and str(v).endswith(".sqlite")} == set(OPENERS)


def test_a_failed_transaction_leaves_nothing_and_the_next_one_commits(tmp_path: Path) -> None:
    db = connect(tmp_path / "state" / "t.sqlite")
    db.execute("CREATE TABLE t (n INTEGER)")
    with pytest.raises(ZeroDivisionError), transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        _ = 1 / 0
    with transaction(db, immediate=True):
        db.execute("INSERT INTO t VALUES (2)")
    db.close()
    other = sqlite3.connect(tmp_path / "state" / "t.sqlite")
    assert other.execute("SELECT n FROM t").fetchall() == [(2,)]
    other.close()


def test_status_shows_the_ledgers_runs_and_leaves_it_as_it_was(workspace: Config) -> None:
    assert collect(workspace).runs == []
    assert not (workspace.folder("state") / files.LEDGER).exists()  # looking created nothing
    for export in ("data/orders/flat_cp1252.csv", "data/orders/xtc_csv_utf8bom"):
        drop(workspace, ROOT / export)
        run_flow(workspace, "orders", "csv")
    ledger = Ledger(workspace.folder("state"))
    runs = ledger.last_runs()
    ledger.close()
    before = (workspace.folder("state") / files.LEDGER).read_bytes()
    shown = collect(workspace).runs
    assert [(r["run_id"], r["flow"], r["finished"], r["status"]) for r in shown] == [r[:4] for r in runs]
    assert len(shown) == 2 and all(r["counts"] for r in shown) and any(r["outputs"] for r in shown)
    assert (workspace.folder("state") / files.LEDGER).read_bytes() == before


# The records table as versions up to f38a2c6 made it: with a rowid, its key a second B-tree.
_OLD_RECORDS = ("CREATE TABLE records (flow TEXT NOT NULL, record TEXT NOT NULL, run_id TEXT NOT NULL, "
                "PRIMARY KEY (flow, record))")


def test_a_ledger_of_an_older_version_keeps_its_records_when_migrated(workspace: Config) -> None:
    """Its records go into the table without a rowid when a run opens it; `etl status` reads it either way."""
    drop(workspace, ROOT / "data/orders/xtc_csv_cp1252")
    assert run_flow(workspace, "orders", "csv").written == 7
    path = workspace.folder("state") / files.LEDGER
    db = sqlite3.connect(path)
    with db:  # back to the older table, rows and all
        rows = db.execute("SELECT flow, record, run_id FROM records ORDER BY record").fetchall()
        db.execute("DROP TABLE records")
        db.execute(_OLD_RECORDS)
        db.executemany("INSERT INTO records VALUES (?, ?, ?)", rows)
    db.close()
    assert len(rows) == 7
    shown = collect(workspace).runs  # read only: nothing migrated
    assert len(shown) == 1 and "WITHOUT" not in _records_sql(path)
    drop(workspace, ROOT / "data/orders/flat_cp1252.csv")  # the same orders, another export form
    again = run_flow(workspace, "orders", "csv")
    assert (again.written, again.rejected, again.skipped) == (0, 1, 7)
    assert "WITHOUT ROWID" in _records_sql(path)
    ledger = Ledger(workspace.folder("state"))
    assert sorted(ledger.db.execute("SELECT flow, record, run_id FROM records").fetchall()) == rows
    ledger.close()


def _records_sql(path: Path) -> str:
    db = sqlite3.connect(path)
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name='records'").fetchone()[0]
    db.close()
    return str(sql)
