"""When is a drop complete? Size and mtime unchanged for a quiet period on our own clock, or a done-marker.

Only the inbox's top level is looked at: loose files, folders dropped as a whole, and `name.done`
markers. Hidden, temporary and office lock files (`.x`, `*.tmp`, `*.part`, `~$x`, ...) are ignored.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from etl.state.lifecycle import is_candidate, is_candidate_name, not_plain

MARKER = ".done"
Signature = tuple[object, ...]


def is_drop(path: Path) -> bool:
    """A top-level inbox entry that may be an export: a candidate file or a visible folder (not a link to one)."""
    if path.is_dir() and not path.is_symlink():
        return not path.name.startswith((".", "~"))
    return is_candidate(path)


def is_foreign(path: Path) -> bool:
    """A top-level inbox entry with an export's name that is a link, pipe or device: refused unopened."""
    return is_candidate_name(path.name) and not_plain(path) is not None


def signature(path: Path) -> Signature | None:
    """What must stay unchanged: (size, mtime) of a file, of every file below a folder; None if gone.

    A link, pipe or device is described by lstat: never followed.
    """
    try:
        if path.is_symlink() or not path.is_dir():
            if not_plain(path):
                stat = path.lstat()
                return ("foreign", stat.st_mode, stat.st_mtime_ns)
            stat = path.stat()
            return (stat.st_size, stat.st_mtime_ns)
        parts: list[tuple[str, int, int]] = []
        for root, _dirs, names in os.walk(path):
            for name in names:
                stat = os.lstat(os.path.join(root, name))  # a link inside is refused later, never followed
                parts.append((os.path.relpath(os.path.join(root, name), path), stat.st_size, stat.st_mtime_ns))
        return tuple(sorted(parts))
    except FileNotFoundError:
        return None


def scan(inbox: Path) -> tuple[dict[Path, Signature], set[str]]:
    """The drops in the inbox with their signatures, and the names that have a done-marker."""
    drops: dict[Path, Signature] = {}
    markers: set[str] = set()
    try:
        entries = list(inbox.iterdir())
    except FileNotFoundError:
        return drops, markers
    for path in entries:
        if path.name.lower().endswith(MARKER) and not path.name.startswith("."):
            markers.add(path.name[: -len(MARKER)])
        elif (is_drop(path) or is_foreign(path)) and (sig := signature(path)) is not None:
            drops[path] = sig
    return drops, markers


def in_inbox_for(paths: Iterable[Path], now: Callable[[], float] = time.time) -> dict[Path, float]:
    """Seconds since each file arrived or last changed, by its own times: a watcher started later knows it too.

    The change time (Linux: the inode's, set by a copy or a rename into the inbox; Windows: the creation
    time) counts, not only the modification time a copy may keep from the source.
    """
    ages: dict[Path, float] = {}
    for path in paths:
        try:
            stat = path.lstat()
        except OSError:
            continue
        ages[path] = max(0.0, now() - max(stat.st_mtime, stat.st_ctime))
    return ages


def marker_for(path: Path, markers: set[str]) -> str | None:
    """The done-marker name (without `.done`) that covers `path`: `orders.csv.done` or `orders.done`."""
    for name in (path.name, path.stem):
        if name in markers:
            return name
    return None


@dataclass
class _Seen:
    signature: Signature
    since: float  # our clock when the signature was last seen to change


class Stability:
    """Tracks each drop's signature; a drop is quiet once it has not changed for `quiet` seconds."""

    def __init__(self, quiet: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet = quiet
        self.clock = clock
        self._seen: dict[Path, _Seen] = {}

    def observe(self, drops: dict[Path, Signature]) -> None:
        """Record a scan: new or changed drops restart their quiet period, vanished ones are forgotten."""
        now = self.clock()
        for path in list(self._seen):
            if path not in drops:
                del self._seen[path]
        for path, sig in drops.items():
            seen = self._seen.get(path)
            if seen is None or seen.signature != sig:
                self._seen[path] = _Seen(sig, now)

    def is_quiet(self, path: Path) -> bool:
        """Whether `path` has been unchanged for the whole quiet period (as of the last scan)."""
        seen = self._seen.get(path)
        return seen is not None and self.clock() - seen.since >= self.quiet

    def quiet_for(self, path: Path) -> float:
        """Seconds since `path` last changed (0 if unknown)."""
        seen = self._seen.get(path)
        return self.clock() - seen.since if seen else 0.0

    def signature_of(self, path: Path) -> Signature | None:
        """The signature recorded for `path` by the last scan."""
        seen = self._seen.get(path)
        return seen.signature if seen else None

    def forget(self, path: Path) -> None:
        """Stop tracking `path` (it was claimed or moved aside)."""
        self._seen.pop(path, None)
