"""What differs between Windows and the rest: consoles, text files saved by Notepad, files other programs hold,
what a write must do to be atomic and durable.

Each difference is one small function; the OS is a parameter where it decides, so both branches are tested.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from etl.shared.errors import ConfigError, StorageError

T = TypeVar("T")
# A folder that cannot take a write, whatever is written: full, over quota, read-only, not writable.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES})


@contextlib.contextmanager
def writing_to(folder: Path, what: str) -> Iterator[None]:
    """Turn a write that fails for want of space or permission into a `StorageError` naming `folder` and `what`."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in STORAGE_ERRNOS:
            raise
        raise StorageError(folder, what, exc.errno) from exc


def safe_console(*streams: object) -> None:
    """Let the console replace what its encoding cannot show (cp1252, a redirect on Windows), never fail.

    Reports, rejects and logs are files of their own and stay UTF-8; only what is shown is degraded.
    """
    for stream in streams or (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def read_text_file(path: Path) -> str:
    """A config or layout file's text: UTF-8 (with or without BOM), else cp1252 (Notepad's "ANSI").

    Anything else is a ConfigError that names the file and says how to save it.
    """
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ConfigError([f"{path}: saved as UTF-16 (\"Unicode\"); save it again as UTF-8"])
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: neither UTF-8 nor Windows-1252 text (byte {exc.start + 1}); "
                           "save it again as UTF-8"]) from None


def is_windows(name: str | None = None) -> bool:
    """True on Windows (`name` stands in for os.name in tests)."""
    return (name or os.name) == "nt"


def why_unreadable(path: Path, os_name: str | None = None) -> str | None:
    """Why `path` cannot be read now (another program holds it, no permission), or None if it can.

    On Windows, Excel opens a workbook with a share lock: reading fails, and so would archiving it.
    Elsewhere a file is only unreadable without read permission. Either way it is retried on the next run.
    """
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except PermissionError:
        if is_windows(os_name):
            return "the file is open in another program (Excel?) or not readable; close it, it is retried next run"
        return "no permission to read the file; it is retried next run"
    except OSError as exc:
        return f"cannot be read now ({exc.strerror or exc}); it is retried next run"
    return None


def retry_held(action: Callable[[], T], os_name: str | None = None, attempts: int = 10,
               wait: float = 0.2, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run a rename or link; on Windows retry briefly while another program (a virus scanner, an
    import wizard) holds the target. Elsewhere a PermissionError is not transient: raised at once."""
    tries = attempts if is_windows(os_name) else 1
    for attempt in range(1, tries + 1):
        try:
            return action()
        except PermissionError:
            if attempt == tries:
                raise
            sleep(wait * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def temp_name(target: Path) -> Path:
    """A hidden `.part` name beside `target`, its own per writer: no run or watcher takes it half written."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")


def fsync_file(path: Path) -> None:
    """Force a file's content to disk (before its name or a ledger entry says it is complete)."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path, os_name: str | None = None) -> None:
    """Force a folder's entries (a rename into it) to disk, where the platform can: Windows cannot open a
    folder for it, and some network shares refuse it (the rename itself stands either way)."""
    if is_windows(os_name):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_atomic(temp: Path, target: Path, durable: bool = True) -> Path:
    """Give a finished temp (a file, or a folder of files) the name `target` in one rename, replacing it.

    `durable`: the content is forced to disk first and the rename after, so that after a power cut the
    name holds all of it or the old state. Retried briefly while Windows' scanners hold the target.
    """
    if durable and temp.is_dir():
        for path in sorted(temp.iterdir()):
            fsync_file(path)
        fsync_folder(temp)
    elif durable:
        fsync_file(temp)
    retry_held(lambda: os.replace(temp, target))
    if durable:
        fsync_folder(target.parent)
    return target


def write_atomic(target: Path, data: bytes | str) -> Path:
    """Write `data` (text as UTF-8, line ends as given) to `target`: a reader sees the old file or the new
    one whole, never half of it, also after a crash or a power cut."""
    temp = temp_name(target)
    try:
        temp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return replace_atomic(temp, target)
    finally:
        temp.unlink(missing_ok=True)  # gone after the rename; left only by a failed write
