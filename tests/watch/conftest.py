"""Watch tests: real watchdog observers on temporary folders, a watcher thread per test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from etl.config import Config, WatchConfig

ORDERS = Path(__file__).parent.parent / "data" / "orders"
FLAT = ORDERS / "flat_cp1252.csv"
SET = ORDERS / "xtc_csv_cp1252"
# A stock list: no built flow reads it (stock is not built yet).
NO_FLOW = "Artikelnummer;Lagerort;Bestand\r\nKM-2000;1;12\r\n".encode("cp1252")


def make_config(base: Path, **watch: object) -> Config:
    """A working folder with the bundled layouts and fast watch settings."""
    settings = {"quiet_seconds": 0.3, "rescan_seconds": 0.5, **watch}
    return Config(base=base, watch=WatchConfig(**settings))


def one_order(number: int) -> bytes:
    """A flat export (cp1252) holding one valid order with its own id and content."""
    lines = FLAT.read_bytes().split(b"\r\n") if b"\r\n" in FLAT.read_bytes() else FLAT.read_bytes().split(b"\n")
    body = [line for line in lines if line.startswith(b"10008;")]
    return b"\r\n".join([lines[0], *(b"%d;" % number + line[len(b"10008;"):] for line in body), b""])


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll `condition` until true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def files(folder: Path, pattern: str = "*") -> list[Path]:
    """Files below `folder` matching `pattern`, without reason files."""
    return sorted(p for p in folder.rglob(pattern) if p.is_file() and not p.name.endswith(".reason.txt"))


def settled(config: Config) -> bool:
    """No job claimed: every run the watcher began has written its report (a run's last write) and ended."""
    work = config.folder("inbox") / ".etl-work"
    return not work.is_dir() or not any(work.iterdir())


class Running:
    """A watcher running in a thread, stopped at teardown."""

    def __init__(self, config: Config) -> None:
        from etl.watch.service import Watcher

        self.config = config
        self.watcher = Watcher(config)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.watcher.observer is not None)

    def _run(self) -> None:
        try:
            self.watcher.run()
        except BaseException as exc:
            self.error = exc

    def stop(self) -> None:
        self.watcher.stop()
        self.thread.join(timeout=20)
        assert not self.thread.is_alive()
        if self.error:
            raise self.error


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """`start(**watch_settings)`: a watcher on a fresh working folder."""
    running: list[Running] = []

    def starter(**watch: object) -> Running:
        config = make_config(tmp_path / "work", **watch)
        config.folder("inbox").mkdir(parents=True, exist_ok=True)
        running.append(Running(config))
        return running[-1]

    yield starter
    for item in running:
        item.stop()
