"""Shared fixtures: a fresh working folder per test, and the paths of the test exports."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from etl.config import Config, load_config
from etl.extract import csv_source
from etl.pipeline import RunOptions, run_flow
from etl.report.run_report import RunReport
from etl.workspace import create_workspace
from tests.disk import Disk

DATA = Path(__file__).parent / "data"
ORDERS = DATA / "orders"
GOLDEN = Path(__file__).parent / "golden"
# `smtp`: a real SMTP server on 127.0.0.1; `mariadb`, `shop_db`: a private MariaDB server with the shop tables
pytest_plugins = ["tests.smtp_server", "tests.mariadb"]

# Properties are checked for what they say, never for how fast an example runs or is made: on a busy
# machine Hypothesis's deadline and its too-slow check failed correct runs (tests/load/test_json_fast.py).
settings.register_profile("etl", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("etl")


@pytest.fixture
def workspace(tmp_path: Path) -> Config:
    """A working folder made by `etl init`, as a user gets it."""
    return load_config(create_workspace(tmp_path / "work"))


def drop(config: Config, *sources: Path) -> list[Path]:
    """Copy export files (or every file of a folder) into the inbox."""
    dropped = []
    for source in sources:
        for path in sorted(source.iterdir()) if source.is_dir() else [source]:
            dropped.append(Path(shutil.copy2(path, config.folder("inbox") / path.name)))
    return dropped


def run_orders(config: Config, *sources: Path, fmt: str = "csv", **options: bool) -> RunReport:
    """Drop `sources` into the inbox and run the orders flow."""
    drop(config, *sources)
    return run_flow(config, "orders", fmt, RunOptions(**options))


@pytest.fixture
def lock(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[Path]]:
    """Paths that cannot be opened, as a file Excel holds on Windows (a sharing violation is a PermissionError)."""
    locked: set[Path] = set()
    real_open = Path.open

    def opener(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self in locked:
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", opener)
    yield locked


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    """Writes below a chosen folder fail like a full (or read-only) disk (`disk.fail(folder, ...)`)."""
    monkeypatch.setattr(csv_source, "BLOCK_SIZE", 1)  # a chunk per read block: a write per chunk
    yield Disk(monkeypatch)
