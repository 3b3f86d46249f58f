"""The page's two actions: a refused input back to the inbox, a corrected file into it (taken like `--force`)."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from etl.config import Config
from etl.os_compat import write_atomic
from etl.shared.errors import UsageError
from etl.state.ledger import Ledger
from etl.state.lifecycle import free_name, is_candidate, restore
from etl.workspace import check_inbox


def retry_failed(config: Config, where: str) -> Path:
    """Move the refused input `where` (relative to the error folder) back to the inbox; its reason file stays."""
    source = _inside(config.folder("error"), where)
    if not source.is_file() or source.name.endswith(".reason.txt"):
        raise UsageError(f"{where} is not a refused input in the error folder (moved already?)")
    return restore(source, check_inbox(config))


def archived_inputs(config: Config, limit: int = 100) -> list[str]:
    """Inputs in the archive, newest first, relative to it: what can be dropped again."""
    archive = config.folder("archive")
    if not archive.is_dir():
        return []
    files = sorted((p for p in archive.rglob("*") if is_candidate(p)), key=lambda p: p.stat().st_mtime, reverse=True)
    return [p.relative_to(archive).as_posix() for p in files[:limit]]


def reimport_archived(config: Config, where: str) -> Path:
    """Copy an archived input (relative to the archive) into the inbox, to be taken again as with `--force`."""
    source = _inside(config.folder("archive"), where)
    if not source.is_file():
        raise UsageError(f"{where} is not a file in the archive")
    return reimport(config, source.name, source.read_bytes(), how=f"picked from the archive ({where})")


def reimport(config: Config, name: str, data: bytes, how: str = "uploaded") -> Path:
    """Drop `data` into the inbox as `name` (never over another file); the next run takes it even if seen before."""
    inbox = check_inbox(config)
    clean = PurePosixPath(name.replace("\\", "/")).name  # a browser may send a Windows path
    if not clean or clean.startswith(".") or clean.lower().endswith(".reason.txt"):
        raise UsageError(f"'{name}' cannot be dropped into the inbox: give the export's own file name")
    target = free_name(inbox, clean)
    ledger = Ledger(config.folder("state"))
    try:  # asked before the file appears, so that the run that finds it already knows
        ledger.ask_reimport(hashlib.sha256(data).hexdigest(), target.name, f"{how} on the status page")
    finally:
        ledger.close()
    return write_atomic(target, data)


def _inside(folder: Path, where: str) -> Path:
    """`folder/where`, refused if it leads out of `folder` (a crafted form)."""
    path = (folder / where).resolve()
    if not path.is_relative_to(folder.resolve()) or path == folder.resolve():
        raise UsageError(f"{where} is not inside {folder}")
    return path
