"""A run that a full disk or a folder it cannot write stops: told plainly, nothing half-written left.

Not the input's fault: the inputs stay in the inbox, nothing enters the ledger, `etl watch` tries later.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from etl.i18n import N_, language
from etl.os_compat import STORAGE_ERRNOS
from etl.pipeline.commit import fail
from etl.pipeline.context import RunContext
from etl.shared.errors import StorageError

FULL = N_("{folder}: the disk is full, {what} could not be written (this run had written {spent}, {free} are "
          "free). Nothing of the run was kept and its inputs stay in the inbox: free some space, then run again")
READ_ONLY = N_("{folder} cannot be written (read-only, or no permission): {what} could not be written. Nothing "
               "of the run was kept and its inputs stay in the inbox: make the folder writable, then run again")


@contextmanager
def stops_plainly(ctx: RunContext, temps: list[Path], untagged: str | None = None) -> Iterator[None]:
    """Fail the run with a plain `StorageError` when a folder cannot take its writes; remove its temps.

    `untagged`: what a storage error that names no folder was writing (in the outbox); None leaves such
    errors alone (after the ledger commit a failed write is not a run that kept nothing).
    """
    try:
        yield
    except (StorageError, OSError) as exc:
        problem = exc if isinstance(exc, StorageError) else _tagged(exc, ctx, untagged)
        if problem is None:
            raise
        told = _told(problem, problem.spent + _clear(ctx, temps))
        with suppress(OSError):  # the reports' folder may be as full
            fail(ctx.config, ctx.report, str(told))
        raise told from exc


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


def _told(problem: StorageError, spent: int) -> StorageError:
    """`problem` with its message: the folder, what, and for a full disk the space written and free."""
    folder = Path(str(problem.folder))
    if problem.code in (errno.ENOSPC, errno.EDQUOT):
        free = _free(folder)
        message = FULL.format(folder=folder, what=problem.what, spent=size(spent),
                              free=size(free) if free is not None else "?")
    else:
        message = READ_ONLY.format(folder=folder, what=problem.what)
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
