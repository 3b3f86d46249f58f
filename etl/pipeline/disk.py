"""A run that a full disk or a folder it cannot write stops: told plainly, nothing half-written left.

Not the input's fault: the inputs stay in the inbox, nothing enters the ledger, `etl watch` tries later.
After the ledger commit (publishing, archiving, the report, the steps' committed work) the run is kept:
what is left of it is completed by the next run (`commit.recover` publishes, the inputs known to the
ledger are archived, records written are not written again), and the message says so. A state database
that the disk fails ("database or disk is full", "disk I/O error") is told the same way.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from etl.i18n import N_, language
from etl.os_compat import STORAGE_ERRNOS
from etl.pipeline.commit import fail
from etl.pipeline.context import RunContext
from etl.shared.errors import StorageError
from etl.state.files import storage_code

FULL = N_("{folder}: the disk is full, {what} could not be written (this run had written {spent}, {free} are "
          "free). Nothing of the run was kept and its inputs stay in the inbox: free some space, then run again")
READ_ONLY = N_("{folder} cannot be written (read-only, or no permission): {what} could not be written. Nothing "
               "of the run was kept and its inputs stay in the inbox: make the folder writable, then run again")
DISK_ERROR = N_("{folder}: the disk reported an error (disk I/O error), {what} could not be written. Nothing of the "
                "run was kept and its inputs stay in the inbox: check the disk and free some space, then run again")
FULL_AFTER = N_("{folder}: the disk is full, {what} could not be written ({free} are free). The run is recorded: "
                "the next run completes it (publishes its import files, archives its inputs) and imports nothing "
                "twice: free some space, then run again")
READ_ONLY_AFTER = N_("{folder} cannot be written (read-only, or no permission): {what} could not be written. The run "
                     "is recorded: the next run completes it (publishes its import files, archives its inputs) and "
                     "imports nothing twice: make the folder writable, then run again")
DISK_ERROR_AFTER = N_("{folder}: the disk reported an error (disk I/O error), {what} could not be written. The run is "
                      "recorded: the next run completes it (publishes its import files, archives its inputs) and "
                      "imports nothing twice: check the disk and free some space, then run again")
STATE = N_("the working folder's state (ledger, links, mails)")
RUN_FILES = N_("the run's files")


@contextmanager
def stops_plainly(ctx: RunContext, temps: list[Path], untagged: str | None = None) -> Iterator[None]:
    """Fail the run with a plain `StorageError` when a folder cannot take its writes; remove its temps.

    `untagged`: what a storage error that names no folder was writing (in the outbox); None leaves such
    errors alone before the ledger commit. After it (`ctx.committed`) nothing is removed: the message
    says that the next run completes the run.
    """
    try:
        yield
    except (StorageError, OSError, sqlite3.Error) as exc:
        problem = _problem(exc, ctx, RUN_FILES if ctx.committed else untagged)
        if problem is None:
            raise
        if ctx.committed:
            raise _told(problem, 0, recorded=True) from exc
        told = _told(problem, problem.spent + _clear(ctx, temps))
        with suppress(OSError):  # the reports' folder may be as full
            fail(ctx.config, ctx.report, str(told))
        raise told from exc


def _problem(exc: Exception, ctx: RunContext, what: str | None) -> StorageError | None:
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, sqlite3.Error):
        code = storage_code(exc)
        return StorageError(ctx.config.folder("state"), STATE, code) if code is not None else None
    assert isinstance(exc, OSError)
    return _tagged(exc, ctx, what)


def _tagged(exc: OSError, ctx: RunContext, what: str | None) -> StorageError | None:
    if what is None or exc.errno not in STORAGE_ERRNOS:
        return None
    if exc.filename and Path(str(exc.filename)).is_relative_to(ctx.config.folder("inbox")):
        return None  # an input another program holds (Windows) is not a folder the run cannot write
    folder = Path(str(exc.filename)).parent if exc.filename else ctx.outbox
    return StorageError(folder, what, exc.errno)


def _clear(ctx: RunContext, temps: list[Path]) -> int:
    """Remove the run's temps and its staging; return how many bytes they held."""
    spent = 0
    staging = ctx.config.folder("staging") / ctx.report.run_id
    files = [*temps, *ctx.outbox.glob(f"**/.{ctx.stem}*.part"), *(p for p in staging.rglob("*") if p.is_file())]
    for path in dict.fromkeys(files):
        with suppress(OSError):
            spent += path.stat().st_size
            path.unlink()
    shutil.rmtree(staging, ignore_errors=True)
    return spent


def _told(problem: StorageError, spent: int, recorded: bool = False) -> StorageError:
    """`problem` with its message: the folder, what, and for a full disk the space written and free;
    `recorded`: the ledger has the run (its inputs are not what stays to do)."""
    folder = Path(str(problem.folder))
    if problem.code in (errno.ENOSPC, errno.EDQUOT):
        free = _free(folder)
        message = (FULL_AFTER if recorded else FULL).format(folder=folder, what=problem.what, spent=size(spent),
                                                            free=size(free) if free is not None else "?")
    elif problem.code == errno.EIO:
        message = (DISK_ERROR_AFTER if recorded else DISK_ERROR).format(folder=folder, what=problem.what)
    else:
        message = (READ_ONLY_AFTER if recorded else READ_ONLY).format(folder=folder, what=problem.what)
    told = StorageError(folder, problem.what, problem.code, message)
    told.spent = spent
    return told


def _free(folder: Path) -> int | None:
    """Free bytes on the disk of `folder` (or of the nearest folder above it that exists)."""
    for place in (folder, *folder.parents):
        with suppress(OSError):
            return shutil.disk_usage(place).free
    return None


def size(count: int) -> str:
    """A byte count as people read it, in the current language: `512 B`, `3,4 MB` (German)."""
    from babel.numbers import format_decimal

    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if count >= scale:
            return f"{format_decimal(count / scale, format='#,##0.#', locale=language())} {unit}"
    return f"{count} B"
