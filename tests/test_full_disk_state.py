"""A full disk after the ledger commit, or under the state databases: told plainly, and completed later.

After the commit (publishing, archiving, the report) the run is recorded: the message says that the next
run completes it, and the next run does, writing nothing twice. A state database the disk fails
("database or disk is full", as SQLite says it when it may not grow) stops the run as a full outbox does.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import RunOptions, run_flow
from etl.shared.errors import StorageError
from etl.state import ledger as ledger_module
from etl.state.files import LEDGER, connect
from tests.conftest import drop
from tests.disk import Disk, german_command_line, ledger_inputs
from tests.flows.samples import SHOP_ORDERS
from tests.test_full_disk import FLAT
from tests.watch.conftest import files


def _outputs(config: Config) -> list[str]:
    return sorted(p.name for p in files(config.folder("outbox")))


@pytest.mark.parametrize(("folder", "what"), [("archive", "the processed inputs"), ("reports", "the run report")])
def test_a_full_disk_after_the_commit_is_told_and_the_next_run_completes_the_run(
        workspace: Config, disk: Disk, folder: str, what: str) -> None:
    dropped = drop(workspace, FLAT)
    disk.fail(workspace.folder(folder), errno.ENOSPC, at_open=True)
    with pytest.raises(StorageError) as caught:
        run_flow(workspace, "orders", "csv", RunOptions())
    message = str(caught.value)
    assert disk.failed and caught.value.exit_code == 3
    assert str(workspace.folder(folder)) in message and what in message and "the disk is full" in message
    assert "The run is recorded: the next run completes it" in message
    published = _outputs(workspace)
    assert published and not [p for p in published if p.endswith(".part")]  # committed: published whole
    assert ledger_inputs(workspace) == 1
    assert dropped[0].exists() == (folder == "archive")  # the input stays until it is archived

    disk.fail(Path("/nonexistent"))  # space again
    report = run_flow(workspace, "orders", "csv", RunOptions())
    assert report.written == 0 and _outputs(workspace) == published  # nothing written twice
    assert not dropped[0].exists() and [p.name for p in files(workspace.folder("archive"))] == [FLAT.name]
    assert len(list(workspace.folder("reports").glob("orders_*.json"))) == 2  # the first run's report too


def _fill(db: sqlite3.Connection) -> None:
    """Take the room left in the ledger's tables with short rows until SQLite finds it full."""
    for table in ("inputs", "runs", "records"):  # what a run commits first (no planned outputs to recover)
        width = len(db.execute(f"PRAGMA table_info({table})").fetchall())
        for i in range(100_000):
            try:
                db.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", [f"~{i}"] * width)
            except sqlite3.OperationalError as exc:
                assert "database or disk is full" in str(exc)
                break


def _ledger_that_cannot_grow(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ledger's pages limited to what it holds, and full: SQLite answers "database or disk is full"."""
    def limited(path: Path) -> sqlite3.Connection:
        db = connect(path)
        if path.name == LEDGER:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages + int(db.execute('PRAGMA freelist_count').fetchone()[0])}")
            _fill(db)
        return db

    monkeypatch.setattr(ledger_module, "connect", limited)


def _inputs(config: Config) -> int:
    """The inputs the ledger holds, without the filler rows."""
    with sqlite3.connect(config.folder("state") / LEDGER) as db:
        return int(db.execute("SELECT count(*) FROM inputs WHERE sha256 NOT LIKE '~%'").fetchone()[0])


def _first_run(config: Config) -> list[str]:
    """An earlier import, so that the ledger holds a run: the next run's report needs a page of its own."""
    drop(config, *SHOP_ORDERS)  # other orders than FLAT's
    run_flow(config, "orders", "csv", RunOptions())
    return _outputs(config)


def test_a_full_ledger_keeps_nothing_and_the_run_is_done_once_there_is_space(
        workspace: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    before, archived = _first_run(workspace), files(workspace.folder("archive"))
    first = _inputs(workspace)
    dropped = drop(workspace, FLAT)
    _ledger_that_cannot_grow(monkeypatch)
    with pytest.raises(StorageError) as caught:
        run_flow(workspace, "orders", "csv", RunOptions())
    message = str(caught.value)
    assert str(workspace.folder("state")) in message and "the working folder's state" in message
    assert "the disk is full" in message and "Nothing of the run was kept" in message
    assert caught.value.exit_code == 3
    assert dropped[0].read_bytes() == FLAT.read_bytes()  # the input stays
    assert _outputs(workspace) == before and files(workspace.folder("archive")) == archived
    assert _inputs(workspace) == first  # the first run's inputs alone
    monkeypatch.undo()
    report = run_flow(workspace, "orders", "csv", RunOptions())
    assert report.written == 7 and _inputs(workspace) == first + 1


def test_the_command_line_tells_a_full_ledger_in_german(workspace: Config, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _first_run(workspace)
    drop(workspace, FLAT)
    _ledger_that_cannot_grow(monkeypatch)
    said = german_command_line(workspace, monkeypatch, capsys)
    assert "der Datenträger ist voll. Nicht geschrieben: der Zustand des Arbeitsordners" in said, said
    assert "unerwarteter" not in said and "database or disk is full" not in said


def test_after_the_commit_the_german_message_says_the_next_run_completes_it(
        workspace: Config, disk: Disk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    drop(workspace, FLAT)
    disk.fail(workspace.folder("archive"), errno.EROFS, at_open=True)
    said = german_command_line(workspace, monkeypatch, capsys)
    assert "Der Lauf ist verbucht: der nächste Lauf schließt ihn ab" in said, said
    assert "unerwarteter" not in said and "Errno" not in said
