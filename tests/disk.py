"""Writes into one folder that fail as a full (or read-only) disk fails them, without filling a disk."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from etl.config import Config
from etl.state.files import LEDGER


class Failing:
    """A file whose writes fail once `budget` writes went through (shared by every file of one folder)."""

    def __init__(self, handle: Any, disk: Disk) -> None:
        self.handle, self.disk = handle, disk

    def write(self, data: Any) -> int:
        if self.disk.budget <= 0:
            self.disk.failed = True
            raise OSError(self.disk.code, os.strerror(self.disk.code))
        self.disk.budget -= 1
        self.disk.before += len(data)
        return int(self.handle.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> Failing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


class Disk:
    """The folder whose writes fail: `budget` writes go through first; `at_open` fails opening, and moving or
    linking a file into it (read-only, or a full disk that has no room for a new entry)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch, self.folder = monkeypatch, Path("/nonexistent")
        self.code, self.budget, self.at_open, self.failed, self.before = errno.ENOSPC, 0, False, False, 0
        real_open = Path.open

        def opener(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if "r" in mode or not path.is_relative_to(self.folder):
                return real_open(path, mode, *args, **kwargs)
            if self.at_open:
                self.failed = True
                raise OSError(self.code, os.strerror(self.code), str(path))
            return Failing(real_open(path, mode, *args, **kwargs), self)

        monkeypatch.setattr(Path, "open", opener)
        real_replace, real_link = os.replace, os.link

        def entering(real: Any) -> Any:
            def move(src: Any, dst: Any, *args: Any, **kwargs: Any) -> Any:
                if self.at_open and Path(dst).is_relative_to(self.folder):  # no new entry in the folder
                    self.failed = True
                    raise OSError(self.code, os.strerror(self.code), str(src), None, str(dst))
                return real(src, dst, *args, **kwargs)
            return move

        monkeypatch.setattr(os, "replace", entering(real_replace))
        monkeypatch.setattr(os, "link", entering(real_link))

    def fail(self, folder: Path, code: int = errno.ENOSPC, budget: int = 0, at_open: bool = False) -> None:
        self.folder, self.code, self.budget, self.at_open = folder, code, budget, at_open


def ledger_inputs(config: Config) -> int:
    path = config.folder("state") / LEDGER
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return int(db.execute("select count(*) from inputs").fetchone()[0])


def german_command_line(config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                        code: int = 3) -> str:
    """`etl run orders` on `config` in German (the default) through the command line: its exit `code` and what
    it said on stderr, whitespace folded."""
    import sys

    from etl.cli.app import main

    monkeypatch.setattr(sys, "argv", ["etl", "run", "orders", "--config", str(config.base / "etl.yaml")])
    monkeypatch.delenv("ETL_LANG", raising=False)
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == code
    return " ".join(capsys.readouterr().err.split())

