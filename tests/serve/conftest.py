"""A working folder after a partial run: one refused record (flat_cp1252.csv line 19) and one refused file."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.config import Config, load_config
from etl.workspace import create_workspace
from tests.conftest import ORDERS, run_orders


def make_partial(folder: Path) -> Config:
    """The orders flow ran on flat_cp1252.csv (order 10007 does not add up) and junk.bin (no export)."""
    config = load_config(create_workspace(folder))
    (config.folder("inbox") / "junk.bin").write_bytes(b"garbage\x00\x01\x02")
    report = run_orders(config, ORDERS / "flat_cp1252.csv")
    assert report.status == "partial" and report.rejected == 1 and len(report.failed_files) == 1
    return config


@pytest.fixture
def partial(tmp_path: Path) -> Config:
    """A working folder after a partial run, for a test that changes it."""
    return make_partial(tmp_path / "work")


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A working folder after a partial run, shared by the tests of a module that only look."""
    return make_partial(tmp_path_factory.mktemp("seen") / "work")


def correct(config: Config, folder: Path) -> Path:
    """Order 10007 corrected at its source (its total made to add up), exported on its own and run: it is written."""
    lines = (ORDERS / "flat_cp1252.csv").read_bytes().splitlines()
    fixed = [line.replace(b";67,85", b";67,75") for line in lines if line.startswith(b"10007;")]
    path = folder / "flat_10007_corrected.csv"
    path.write_bytes(b"\r\n".join([lines[0], *fixed, b""]))
    report = run_orders(config, path)
    assert report.status == "ok" and report.written == 1, report.to_json()
    return path


def refused(config: Config) -> Path:
    """The refused input in the error folder."""
    (path,) = (p for p in config.folder("error").rglob("*") if p.is_file() and not p.name.endswith(".reason.txt"))
    return path


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The status page's texts are English: these tests read pages and commands in English."""
    monkeypatch.setenv("ETL_LANG", "en")
