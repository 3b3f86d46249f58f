"""An exclusive lock on a file, released by the operating system when the holder dies (even kill -9)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import TracebackType

from etl.shared.errors import EtlError


class LockBusy(EtlError):
    """Another process holds the lock."""

    exit_code = 2


class FileLock:
    """`with FileLock(path, timeout=...)`: flock on POSIX, msvcrt.locking on Windows."""

    def __init__(self, path: Path, timeout: float | None = None, what: str = "lock") -> None:
        self.path = path
        self.timeout = timeout  # None: wait for ever; 0: fail at once
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting up to `timeout` seconds; raise LockBusy if it stays taken."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while not _try_lock(fd):
            if deadline is not None and time.monotonic() >= deadline:
                holder = self.holder()
                os.close(fd)
                raise LockBusy(f"{self.what} is held by another process{f' ({holder})' if holder else ''}: "
                               f"{self.path}")
            time.sleep(0.05)
        # The holder's pid is only information for the message above; the lock itself is the OS lock.
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"pid {os.getpid()}".encode().ljust(16))
        self._fd = fd

    def holder(self) -> str:
        """What the current holder wrote into the lock file (its pid), or ''."""
        try:
            return self.path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            return ""

    def release(self) -> None:
        """Give the lock up (the file stays: deleting it would race with the next taker)."""
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
