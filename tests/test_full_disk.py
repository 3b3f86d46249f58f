"""A full disk or a read-only outbox: told plainly, nothing half-written left, the input stays, watch retries.

The disk is not really filled: the writes into one folder fail as the OS fails them (OSError with ENOSPC or
EROFS), at the first write or after some chunks were written.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from etl.config import Config
from etl.pipeline import RunOptions, run_flow
from etl.shared.errors import StorageError
from tests.conftest import ORDERS, drop
from tests.disk import Disk, german_command_line, ledger_inputs
from tests.watch.conftest import files

FLAT = ORDERS / "flat_cp1252.csv"


def assert_nothing_kept(config: Config, dropped: list[Path]) -> None:
    """The input in the inbox as dropped, no temp or half file in outbox or staging, nothing in the ledger."""
    for path in dropped:
        assert path.read_bytes() == FLAT.read_bytes()
    assert files(config.folder("outbox")) == []
    assert files(config.folder("staging")) == []
    assert ledger_inputs(config) == 0
    assert files(config.folder("archive")) == [] and files(config.folder("error")) == []


@pytest.mark.parametrize("budget", [0, 3], ids=["first-write", "later-chunk"])
def test_a_full_outbox_fails_the_run_plainly_and_keeps_nothing(workspace: Config, disk: Disk, budget: int) -> None:
    dropped = drop(workspace, FLAT)
    outbox = workspace.folder("outbox")
    disk.fail(outbox, errno.ENOSPC, budget)
    with pytest.raises(StorageError) as caught:
        run_flow(workspace, "orders", "csv", RunOptions())
    assert disk.failed and (disk.before > 0) == (budget > 0)
    message = str(caught.value)
    assert str(outbox / "sage") in message or str(outbox) in message
    assert "the disk is full" in message and "the import files" in message and " free" in message
    assert caught.value.exit_code == 3
    assert_nothing_kept(workspace, dropped)
    disk.fail(Path("/nonexistent"))  # space again: the same input is taken
    report = run_flow(workspace, "orders", "csv", RunOptions())
    assert report.written == 7 and ledger_inputs(workspace) == 1


def test_a_read_only_outbox_is_named(workspace: Config, disk: Disk) -> None:
    dropped = drop(workspace, FLAT)
    disk.fail(workspace.folder("outbox"), errno.EROFS, at_open=True)
    with pytest.raises(StorageError, match=r"cannot be written \(read-only") as caught:
        run_flow(workspace, "orders", "csv", RunOptions())
    assert str(workspace.folder("outbox")) in str(caught.value)
    assert_nothing_kept(workspace, dropped)


def test_a_full_rejects_folder_keeps_nothing_either(workspace: Config, disk: Disk) -> None:
    dropped = drop(workspace, FLAT)  # the sample has a rejected order: a rejects file is written
    disk.fail(workspace.folder("rejects"), errno.ENOSPC, budget=1)
    with pytest.raises(StorageError, match="the rejects file") as caught:
        run_flow(workspace, "orders", "csv", RunOptions())
    assert str(workspace.folder("rejects")) in str(caught.value)
    assert files(workspace.folder("rejects")) == []
    assert_nothing_kept(workspace, dropped)


def test_a_full_staging_folder_keeps_nothing(workspace: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    dropped = drop(workspace, FLAT)
    real = pq.ParquetWriter.write_table
    calls = []

    def write_table(self: pq.ParquetWriter, *args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) > 1:  # as pyarrow tells a full disk
            raise OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device")
        real(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", write_table)
    with pytest.raises(StorageError, match="the staged tables") as caught:
        run_flow(workspace, "orders", "csv", RunOptions())
    assert str(workspace.folder("staging")) in str(caught.value)
    assert_nothing_kept(workspace, dropped)


def test_the_command_line_says_it_in_german_and_exits_3(workspace: Config, disk: Disk,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    dropped = drop(workspace, FLAT)
    disk.fail(workspace.folder("outbox"), errno.ENOSPC, budget=2)
    said = german_command_line(workspace, monkeypatch, capsys)
    assert "der Datenträger ist voll. Nicht geschrieben: die Importdateien" in said
    assert str(workspace.folder("outbox")) in said.replace(" ", "") or "outbox" in said
    assert "unerwarteter" not in said and "Errno" not in said
    assert_nothing_kept(workspace, dropped)
