"""`etl watch` and a full disk: the file stays in the inbox (not the error folder), a later cycle takes it."""

from __future__ import annotations

import errno
from pathlib import Path

from tests.conftest import ORDERS
from tests.disk import Disk, ledger_inputs
from tests.watch.conftest import files, settled, wait_for


def test_watch_leaves_the_file_in_the_inbox_and_takes_it_when_there_is_space(start, disk: Disk) -> None:  # type: ignore[no-untyped-def]
    w = start()
    inbox = w.config.folder("inbox")
    disk.fail(w.config.folder("outbox"), errno.ENOSPC, budget=1)
    (inbox / "export.csv").write_bytes((ORDERS / "flat_cp1252.csv").read_bytes())
    wait_for(lambda: disk.failed)
    wait_for(lambda: (inbox / "export.csv").exists() and settled(w.config))
    assert files(w.config.folder("error")) == [] and files(w.config.folder("archive")) == []
    assert files(w.config.folder("outbox")) == [] and ledger_inputs(w.config) == 0
    disk.fail(Path("/nonexistent"))  # space again
    wait_for(lambda: [p.name for p in files(w.config.folder("archive"))] == ["export.csv"])
    assert ledger_inputs(w.config) == 1 and files(w.config.folder("outbox"), "*_header.csv")


def test_watch_completes_a_run_the_disk_stopped_after_its_commit(start, disk: Disk) -> None:  # type: ignore[no-untyped-def]
    w = start()
    inbox = w.config.folder("inbox")
    disk.fail(w.config.folder("archive"), errno.ENOSPC, at_open=True)  # no room for the archived input
    (inbox / "export.csv").write_bytes((ORDERS / "flat_cp1252.csv").read_bytes())
    wait_for(lambda: disk.failed)
    wait_for(lambda: (inbox / "export.csv").exists() and settled(w.config))
    assert files(w.config.folder("error")) == [] and files(w.config.folder("archive")) == []
    published = files(w.config.folder("outbox"), "*_header.csv")
    assert len(published) == 1 and ledger_inputs(w.config) == 1  # the run is recorded, its files published
    disk.fail(Path("/nonexistent"))  # space again
    wait_for(lambda: [p.name for p in files(w.config.folder("archive"))] == ["export.csv"])
    assert files(w.config.folder("outbox"), "*_header.csv") == published  # nothing written twice
    assert ledger_inputs(w.config) == 1 and files(w.config.folder("error")) == []
