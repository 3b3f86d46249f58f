"""Closed by its writer: evidence that lets a file skip the quiet period where the platform gives it.

Linux (inotify): every open, close-after-write, close-after-read and arrival of an inbox file is an
event. A file is closed when no handle opened on it since we watch is still open, its last event was a
close after writing or an arrival (created, renamed in), nothing changed it since, and that has held for
`settle` seconds (a writer that appends in several sessions reopens it within that time).
Windows: no close events; a file unchanged for `settle` seconds is probed with an open that refuses to
share write access, which fails while any program has it open for writing.
Polling and network shares give neither: there only the quiet period counts. What a close proves (and
what not) is in docs/operations.md.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent

from etl.os_compat import is_windows
from etl.watch.stability import Signature, signature

SHARING_VIOLATION, LOCK_VIOLATION = 32, 33  # Windows error codes of a file another program holds


def _open_unshared(path: Path) -> None:
    """Open `path` for reading, refusing to share write access, and close it again (Windows only)."""
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.CreateFileW.restype = wintypes.HANDLE
        handle = kernel32.CreateFileW(str(path), 0x80000000, 0x1, None, 3, 0x80, None)  # GENERIC_READ,
        if handle == wintypes.HANDLE(-1).value:  # FILE_SHARE_READ, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL
            code = ctypes.get_last_error()
            raise OSError(0, ctypes.FormatError(code), str(path), code)
        kernel32.CloseHandle(handle)
        return
    raise NotImplementedError("an unshared open exists only on Windows")


def pair_moves_quickly(seconds: float = 0.05) -> None:
    """Let inotify's move pairing wait `seconds`, not watchdog's 0.5 s, for a rename's second half.

    Each claim renames files out of the inbox into the unwatched work folder; watchdog holds every later
    event back while it waits for that rename's other half, so a file closed just after a claim was seen
    0.5 s late. The kernel queues both halves of a rename together; an unpaired half is only reported as
    deleted and created, which the watcher treats alike.
    """
    try:
        from watchdog.observers.inotify_move_event_grouper import InotifyMoveEventGrouper
    except ImportError:  # not Linux
        return
    InotifyMoveEventGrouper.delay = seconds


def held_open(path: Path, os_name: str | None = None,
              open_unshared: Callable[[Path], None] = _open_unshared) -> bool | None:
    """Whether another program has `path` open for writing: True/False on Windows, None where no probe exists.

    The probe's handle lives for microseconds; a writer reopening in that instant sees a sharing
    violation, as it would with a virus scanner.
    """
    if not is_windows(os_name):
        return None
    try:
        open_unshared(path)
    except OSError as exc:
        if getattr(exc, "winerror", None) in (SHARING_VIOLATION, LOCK_VIOLATION):
            return True
        return None  # gone, no permission: nothing proven, the quiet period decides
    return False


@dataclass
class _File:
    handles: int = 0  # opens seen minus closes seen (never below 0: opens before we watched are unseen)
    since: float | None = None  # when the last close-after-write or arrival was seen; None after a write
    signature: Signature | None = None  # the file as it was then


@dataclass(frozen=True)
class Probe:
    """The Windows probe of whether a writer still holds a file (`held_open`); the system and opener are seams."""

    os_name: str | None = None
    open_unshared: Callable[[Path], None] = _open_unshared

    def held_open(self, path: Path) -> bool | None:
        """Whether another program has `path` open for writing (None: nothing proven)."""
        return held_open(path, self.os_name, self.open_unshared)


class Closes:
    """What the observer saw happen to each inbox file; `is_closed` answers from it (or from the probe)."""

    def __init__(self, inbox: Path, settle: float, *, events: bool, probe: Probe | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.inbox = inbox
        self.settle = settle
        self.events = events  # the observer reports opens and closes (inotify)
        self.probe = probe if probe is not None and is_windows(probe.os_name) else None
        self.clock = clock
        self._files: dict[Path, _File] = {}
        self._distrusted: dict[Path, Signature | None] = {}  # put back by us: the quiet period decides
        self._lock = threading.Lock()

    def on_event(self, event: FileSystemEvent) -> None:
        """Record one observer event (called on the observer's thread)."""
        if not self.events or event.is_directory:
            return
        kind = event.event_type
        path = Path(os.fsdecode(event.src_path))
        with self._lock:
            if kind in ("deleted", "moved"):
                self._files.pop(path, None)
                if kind == "moved":  # renamed inside the inbox: the new name has arrived
                    self._arrived(Path(os.fsdecode(event.dest_path)))
                return
            if path.parent != self.inbox:
                return
            seen = self._files.setdefault(path, _File())
            if kind == "opened":
                seen.handles += 1
            elif kind in ("closed", "closed_no_write"):
                seen.handles = max(0, seen.handles - 1)
                if kind == "closed":
                    self._arrived(path)
            elif kind == "created":  # a new file, or one renamed in from outside
                self._arrived(path)
            elif kind == "modified" and seen.handles == 0:
                seen.since = None  # written through a handle we never saw opened: trust nothing
            elif kind == "attrib" and seen.since is not None:
                self._arrived(path)  # times set after the close (a copy keeping them): same content

    def _arrived(self, path: Path) -> None:
        if path.parent == self.inbox:
            seen = self._files.setdefault(path, _File())
            seen.since, seen.signature = self.clock(), signature(path)

    def is_closed(self, path: Path, sig: Signature, unchanged_for: float) -> bool:
        """Whether `path` (now `sig`, unchanged for `unchanged_for` s by our scans) is closed by its writer.

        An empty file never counts: exporters often create the file first and fill it later.
        """
        if len(sig) != 2 or sig[0] == 0:  # folders and empty files: the quiet period decides
            return False
        if self.probe:
            return unchanged_for >= self.settle and self.probe.held_open(path) is False
        with self._lock:
            if path in self._distrusted:
                if self._distrusted[path] == sig:
                    return False
                del self._distrusted[path]  # changed since: it is a new arrival
            seen = self._files.get(path)
            return (seen is not None and seen.handles == 0 and seen.since is not None
                    and seen.signature == sig and self.clock() - seen.since >= self.settle)

    def next_due(self) -> float | None:
        """Seconds until the next closed file has settled (None if none is about to)."""
        if self.probe:
            return self.settle
        with self._lock:
            now = self.clock()
            waits = [wait for seen in self._files.values()
                     if seen.since is not None and seen.handles == 0 and (wait := seen.since + self.settle - now) > 0]
        return min(waits) if waits else None

    def distrust(self, path: Path) -> None:
        """Let only the quiet period decide for `path` until it changes (we put it back: it must wait)."""
        with self._lock:
            self._distrusted[path] = signature(path)

    def forget(self, path: Path) -> None:
        """Stop tracking `path` (claimed or moved aside)."""
        with self._lock:
            self._files.pop(path, None)
            self._distrusted.pop(path, None)

    def reset(self) -> None:
        """Forget everything (a new observer: events in between may be lost)."""
        with self._lock:
            self._files.clear()
