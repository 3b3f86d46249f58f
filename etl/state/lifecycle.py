"""The file system as a state machine: inbox -> archive | error, outputs published atomically.

Every move is a rename within one file system; nothing is ever deleted; names never collide.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from etl.i18n import N_
from etl.os_compat import fsync_folder, replace_atomic, retry_held, write_atomic

IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".done", ".lock", ".swp")

CODE = "code: "  # the line of a reason file that names its reject code (docs/rejects.md)
RETRIED = "moved back to the inbox"  # what a retry appends to the reason file (the reason file stays)


@dataclass(frozen=True)
class ReasonFile:
    """What a reason file beside a refused input says: the input's name, when, the code, the reason, a retry."""

    name: str
    at: str
    code: str
    reason: str
    retried: str  # "moved back to the inbox as …", or ""


def read_reason(path: Path) -> ReasonFile | None:
    """The reason file `path` as `refuse` (and `restore`) wrote it; None when it is not one."""
    try:
        head, _, body = path.read_text(encoding="utf-8", errors="replace").strip().partition("\n\n")
    except OSError:
        return None
    lines = head.splitlines()
    if len(lines) < 2 or not body:
        return None
    code = next((line.removeprefix(CODE) for line in lines[2:] if line.startswith(CODE)), "")
    reason, _, retried = body.strip().partition(f"\n{RETRIED}")
    return ReasonFile(lines[0], lines[1], code, reason.strip(), RETRIED + retried if retried else "")


def is_candidate_name(name: str) -> bool:
    """A name an export may have (not hidden, temporary, a marker or a readme)."""
    return (not name.startswith((".", "~$", "~")) and not name.lower().endswith(IGNORED_SUFFIXES)
            and not name.lower().startswith("readme"))


def is_candidate(path: Path) -> bool:
    """A plain file (no link, pipe or device) that may be an export (not hidden, temporary or a marker)."""
    mode = _lstat_mode(path)
    return mode is not None and stat.S_ISREG(mode) and is_candidate_name(path.name)


def _lstat_mode(path: Path) -> int | None:
    try:
        return path.lstat().st_mode
    except OSError:
        return None


# What an entry is, by lstat: never followed, never opened (a pipe's open blocks; a link leads outside).
_NOT_PLAIN = ((stat.S_ISLNK, N_("a symbolic link")), (stat.S_ISFIFO, N_("a named pipe (FIFO)")),
              (stat.S_ISCHR, N_("a device")), (stat.S_ISBLK, N_("a device")), (stat.S_ISSOCK, N_("a socket")))


def not_plain(path: Path) -> str | None:
    """Why `path` is refused without being opened (a link, pipe, device or socket), or None for files and folders.

    Only what lstat says is named (a link's target too), never anything read through it.
    """
    mode = _lstat_mode(path)
    if mode is None or stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    what = next(text for test, text in _NOT_PLAIN if test(mode))
    if stat.S_ISLNK(mode):
        try:
            return N_("{name}: {what} to {target}, not a file in the inbox; refused without opening it: copy the "
                      "file itself into the inbox").format(name=path.name, what=what, target=os.readlink(path))
        except OSError:
            pass
    return N_("{name}: {what}, not a file; refused without opening it").format(name=path.name, what=what)


def inbox_entries(folder: Path) -> list[Path]:
    """Entries of `folder` with an export's name that are not real folders (files, links, pipes), oldest first."""
    if not folder.is_dir():
        return []
    found = [(p, s) for p in folder.iterdir() if is_candidate_name(p.name)
             and (s := _lstat(p)) is not None and not stat.S_ISDIR(s.st_mode)]
    return [p for p, _ in sorted(found, key=lambda item: (item[1].st_mtime, item[0].name))]


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except OSError:
        return None


def inbox_files(inbox: Path) -> list[Path]:
    """Candidate files directly in the inbox, oldest first."""
    return [p for p in inbox_entries(inbox) if is_candidate(p)]


def free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `stem-2.ext`, `stem-3.ext`, ... if that exists already."""
    target = folder / name
    stem, suffix = Path(name).stem, "".join(Path(name).suffixes[-1:])
    counter = 2
    while os.path.lexists(target):  # a dangling link refused earlier holds its name too
        target = folder / f"{stem}-{counter}{suffix}"
        counter += 1
    return target


def move_aside(path: Path, folder: Path) -> Path:
    """Move `path` into `folder` (dated subfolder) without overwriting anything; return the new path."""
    day = folder / datetime.now().strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True)
    target = free_name(day, path.name)
    retry_held(lambda: os.replace(path, target))
    return target


def refuse(path: Path, error_folder: Path, reason: str, code: str | None = None) -> Path:
    """Move a refused input to the error folder with a plain-text reason file beside it (name, time, code)."""
    target = move_aside(path, error_folder)
    reason_file = target.with_name(target.name + ".reason.txt")
    head = f"{path.name}\n{datetime.now().isoformat(timespec='seconds')}\n" + (f"{CODE}{code}\n" if code else "")
    write_atomic(reason_file, f"{head}\n{reason}\n")
    return target


def restore(path: Path, inbox: Path) -> Path:
    """Move a refused input back into the inbox (under a free name) and note it in its reason file."""
    target = free_name(inbox, path.name)
    retry_held(lambda: os.replace(path, target))
    reason_file = path.with_name(path.name + ".reason.txt")
    if reason_file.exists():  # the reason stays beside where the file was, saying where it went
        note = f"{RETRIED} as {target.name} at {datetime.now():%Y-%m-%dT%H:%M:%S}\n"
        write_atomic(reason_file, reason_file.read_bytes() + note.encode("utf-8"))
    return target


def publish_planned(temp: Path, target: Path) -> Path:
    """Publish `temp` as exactly `target`; idempotent, so a recovery may repeat it after a crash.

    If `temp` is gone it was published already; if `target` already is `temp` (hard link made,
    temp not yet removed) only the temp name is dropped. Never creates a second copy.
    """
    if not temp.exists():
        return target
    try:
        os.link(temp, target)
    except FileExistsError:
        if not os.path.samefile(temp, target):
            raise
    except OSError:  # file systems without hard links: one atomic rename instead (the temp is on disk already)
        return replace_atomic(temp, target, durable=False)
    # On Windows a scanner or an import wizard may hold the new file for a moment: retry briefly.
    retry_held(lambda: temp.unlink(missing_ok=True))
    fsync_folder(target.parent)
    return target
