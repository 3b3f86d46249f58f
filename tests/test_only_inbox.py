"""Only the inbox: links, pipes and devices are refused unopened by `etl run` and `etl watch`, nothing of them quoted.

Real links (to a file outside the inbox, to a folder outside), real FIFOs (holding bytes written by the
test, which must still be there afterwards: nobody read them) and, where the system lets us make one,
a device.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import run_flow
from etl.watch.service import Watcher
from tests.watch.conftest import make_config, one_order

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links, FIFOs and devices")
SECRET = b"root:x:0:0:root:/root:/bin/bash\nSECRET-LINE-NOT-TO-BE-QUOTED\n"


@contextlib.contextmanager
def fifo(path: Path, content: bytes) -> Iterator[Callable[[], bytes]]:
    """A FIFO at `path` holding `content`; yields a function returning what nobody has read of it.

    The test holds a reader and a writer, so an open by the code under test would not block. Should the
    code read it anyway, a guard ends that after a while instead of hanging the suite: it closes the
    writer (a read ends) and keeps opening the pipe for writing (an open waiting for a writer ends).
    """
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # also how the guard finds the pipe after a move
    writer = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    os.write(writer, content)
    done, open_fds = threading.Event(), [reader, writer]

    def guard() -> None:
        if done.wait(60.0):
            return
        os.close(open_fds.pop())
        while not done.wait(0.2):
            with contextlib.suppress(OSError):
                os.close(os.open(f"/proc/self/fd/{reader}", os.O_WRONLY | os.O_NONBLOCK))

    thread = threading.Thread(target=guard, daemon=True)
    thread.start()

    def unread() -> bytes:
        try:
            return os.read(reader, 1 << 16)
        except BlockingIOError:
            return b""

    try:
        yield unread
    finally:
        done.set()
        thread.join()
        for fd in open_fds:
            os.close(fd)


def _everything_written(config: Config) -> bytes:
    """Every byte the run left in the working folder's own files (reasons, reports, ledger, rejects, outbox, log)."""
    data = b""
    for name in ("error", "reports", "state", "rejects", "outbox", "archive"):
        for path in config.folder(name).rglob("*"):
            if path.is_file() and not path.is_symlink() and not stat.S_ISFIFO(path.lstat().st_mode):
                data += path.read_bytes()
    return data


def _refused(config: Config) -> dict[str, tuple[int, str]]:
    """Entries in the error folder: name -> (lstat mode, reason)."""
    return {p.name: (p.lstat().st_mode, p.with_name(p.name + ".reason.txt").read_text(encoding="utf-8"))
            for p in config.folder("error").rglob("*")
            if not p.name.endswith(".reason.txt") and (p.is_symlink() or not p.is_dir())}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the inbox with a secret file and an order export in it."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "passwd").write_bytes(SECRET)
    (folder / "orders.csv").write_bytes(one_order(41001))
    return folder


@pytest.mark.parametrize("target", ["passwd", "orders.csv", "/etc/passwd"])
def test_run_refuses_a_link_to_a_file_outside_without_reading_it(workspace: Config, outside: Path, target: str) -> None:
    real = outside / target if not target.startswith("/") else Path(target)
    if not real.is_file():
        pytest.skip(f"{real} does not exist here")
    before = real.read_bytes()
    link = workspace.folder("inbox") / "export.csv"
    link.symlink_to(real)
    (workspace.folder("inbox") / "good.csv").write_bytes(one_order(41002))
    report = run_flow(workspace, "orders", "csv")
    statuses = {f.name: (f.status, f.reason or "") for f in report.files}
    assert statuses["good.csv"][0] == "archived" and report.written == 1  # the rest of the inbox goes on
    status, reason = statuses["export.csv"]
    assert status == "error" and "a symbolic link to " + str(real) in reason and "refused without opening" in reason
    (moved,) = [p for p in workspace.folder("error").rglob("export.csv")]
    assert moved.is_symlink() and os.readlink(moved) == str(real)  # the link itself, never its target
    assert real.read_bytes() == before and not link.exists()
    first_line = before.splitlines()[0]
    assert first_line not in _everything_written(workspace) or target == "orders.csv"
    assert b"41001" not in _everything_written(workspace)  # the order export behind the link was not imported


def test_run_refuses_a_link_to_a_folder(workspace: Config, outside: Path) -> None:
    link = workspace.folder("inbox") / "exports"
    link.symlink_to(outside, target_is_directory=True)
    report = run_flow(workspace, "orders", "csv")
    assert [(f.name, f.status) for f in report.files] == [("exports", "error")]
    assert report.exit_code == 1  # not an export: refused, but the run itself did not fail
    assert "a symbolic link to " in (report.files[0].reason or "") and report.written == 0
    assert sorted(p.name for p in outside.iterdir()) == ["orders.csv", "passwd"]  # nothing moved out of it
    written = _everything_written(workspace)
    assert b"41001" not in written and SECRET.splitlines()[0] not in written


def test_run_refuses_a_fifo_without_opening_it(workspace: Config) -> None:
    inbox = workspace.folder("inbox")
    (inbox / "good.csv").write_bytes(one_order(41003))
    with fifo(inbox / "orders.csv", SECRET) as unread:
        report = run_flow(workspace, "orders", "csv")
        assert unread() == SECRET  # nobody read a byte of it
    statuses = {f.name: (f.status, f.reason or "") for f in report.files}
    assert statuses["good.csv"][0] == "archived"
    assert statuses["orders.csv"] == ("error",
                                      "orders.csv: a named pipe (FIFO), not a file; refused without opening it")
    (moved,) = [p for p in workspace.folder("error").rglob("orders.csv")]
    assert stat.S_ISFIFO(moved.lstat().st_mode)
    assert b"SECRET-LINE" not in _everything_written(workspace)


def test_run_refuses_a_device(workspace: Config) -> None:
    device = workspace.folder("inbox") / "orders.csv"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is
    except (PermissionError, OSError) as exc:
        pytest.skip(f"no devices can be made here: {exc}")
    report = run_flow(workspace, "orders", "csv")
    assert [(f.name, f.status, f.reason) for f in report.files] == [
        ("orders.csv", "error", "orders.csv: a device, not a file; refused without opening it")]
    (moved,) = [p for p in workspace.folder("error").rglob("orders.csv")]
    assert stat.S_ISCHR(moved.lstat().st_mode)


def test_watch_refuses_links_fifos_and_linked_folders_and_what_a_dropped_folder_holds_of_them(
        tmp_path: Path, outside: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = make_config(tmp_path / "work", quiet_seconds=0.1)
    inbox = config.folder("inbox")
    inbox.mkdir(parents=True)
    (inbox / "passwd.csv").symlink_to(outside / "passwd")
    (inbox / "orders.csv").symlink_to(outside / "orders.csv")
    (inbox / "dangling.csv").symlink_to(outside / "gone.csv")
    (inbox / "linked").symlink_to(outside, target_is_directory=True)
    (inbox / "good.csv").write_bytes(one_order(41004))
    dropped = inbox / "dropped"
    dropped.mkdir()
    (dropped / "inside.csv").write_bytes(one_order(41005))
    (dropped / "link.csv").symlink_to(outside / "passwd")
    with fifo(inbox / "pipe.csv", SECRET) as unread, fifo(dropped / "pipe.csv", SECRET) as unread_inside:
        watcher, codes = Watcher(config, once=True), []
        with caplog.at_level(logging.INFO, logger="etl.watch"):
            thread = threading.Thread(target=lambda: codes.append(watcher.run()), daemon=True)
            thread.start()
            thread.join(timeout=120)  # a guard, not a measure: a watcher stuck on a pipe must fail, not hang
            watcher.stop()
            thread.join()
        assert codes == [0], "watch --once did not finish"
        assert unread() == SECRET and unread_inside() == SECRET
    refused = _refused(config)
    assert sorted(refused) == ["dangling.csv", "link.csv", "linked", "orders.csv", "passwd.csv", "pipe.csv",
                               "pipe.csv"] or sorted(refused) == ["dangling.csv", "link.csv", "linked", "orders.csv",
                                                                  "passwd.csv", "pipe-2.csv", "pipe.csv"]
    for name, (mode, reason) in refused.items():
        assert not stat.S_ISREG(mode) and "refused without opening it" in reason, name
    assert stat.S_ISLNK(refused["linked"][0]) and "a symbolic link to " + str(outside) in refused["linked"][1]
    written = _everything_written(config)
    assert b"41004" in written and b"41005" in written  # the regular files went on
    assert b"41001" not in written and b"SECRET-LINE" not in written and SECRET.splitlines()[0] not in written
    assert "pipe.csv" in caplog.text and "SECRET-LINE" not in caplog.text and "root:x" not in caplog.text
    assert sorted(p.name for p in outside.iterdir()) == ["orders.csv", "passwd"]
    assert not [p for p in inbox.iterdir() if not p.name.startswith(".")]
