"""kill -9 a watcher subprocess at random moments, many times: every input exactly once, no partial output."""

from __future__ import annotations

import collections
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.watch.conftest import SET, files, one_order
from tests.watch.test_watch import order_ids

ROUNDS = int(os.environ.get("ETL_CRASH_ROUNDS", "8"))
CONFIG = """\
watch:
  quiet_seconds: 0.05
  rescan_seconds: 0.2
  batch_max: 2
"""


def _watch(config: Path, capture: bool = False) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "from etl.cli.app import main; main()", "watch", "--once",
                             "--config", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE if capture else subprocess.DEVNULL)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_at_random_moments_keeps_exactly_once(tmp_path: Path) -> None:
    config = tmp_path / "etl.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    seed = int(os.environ.get("ETL_CRASH_SEED", "0")) or random.randrange(1, 2**32)
    print(f"ETL_CRASH_SEED={seed}")  # pytest shows it with a failure: the same kills again
    rng = random.Random(seed)
    expected: list[str] = []
    (inbox / "set").mkdir()
    for path in SET.iterdir():
        (inbox / "set" / path.name).write_bytes(path.read_bytes())
    expected += ["10001", "10002", "10003", "10004", "10005", "10006", "10008"]
    number = 40000
    kills = 0
    # A watcher takes about 0.4 s to start and well under a second for three orders: the first rounds
    # kill it at fixed moments (starting, working, finishing), the rest at random ones.
    delays = [0.3, 0.5, 0.7][:ROUNDS] + [rng.uniform(0.1, 1.5) for _ in range(ROUNDS - 3)]
    for delay in delays:
        for _ in range(3):
            number += 1
            (inbox / f"order_{number}.csv").write_bytes(one_order(number))
            expected.append(str(number))
        watcher = _watch(config)
        time.sleep(delay)
        if watcher.poll() is None:
            watcher.send_signal(signal.SIGKILL)
            kills += 1
        watcher.wait()
    final = _watch(config, capture=True)
    _, err = final.communicate(timeout=60)
    assert final.returncode == 0, err.decode()

    counts = collections.Counter(order_ids(tmp_path / "outbox"))
    assert sorted(counts) == sorted(expected), "an order was lost"
    assert [order for order, seen in counts.items() if seen > 1] == [], "an order was published twice"
    outbox = tmp_path / "outbox"
    assert [p for p in outbox.rglob("*") if p.name.startswith(".") or p.suffix == ".part"] == []
    left = [p for p in inbox.rglob("*") if p.is_file() and p.name != ".etl-watch.lock"]
    assert left == []
    assert files(tmp_path / "error") == []
    names = collections.Counter(p.name for p in files(tmp_path / "archive"))
    assert len(names) == ROUNDS * 3 + 5 and max(names.values()) == 1, names
    db = sqlite3.connect(tmp_path / "state" / "ledger.sqlite")
    assert db.execute("SELECT count(*) FROM inputs").fetchone()[0] == ROUNDS * 3 + 5
    assert db.execute("SELECT count(*) FROM pending_outputs").fetchone()[0] == 0
    db.close()
    assert kills > 0


BATCH_CONFIG = """\
watch:
  quiet_seconds: 0.05
  rescan_seconds: 0.2
  batch_max: 25
"""


def _broken_rows(number: int) -> bytes:
    """An order export whose rows cannot be split: routed to the orders flow, refused whole in its run."""
    return b"\r\n".join([one_order(number).split(b"\r\n")[0], b"%d;x" % number, b"%d;y" % number, b""])


def _busy(inbox: Path, timeout: float = 20.0) -> bool:
    """Wait until the watcher has claimed a batch (a job folder exists); False if it never did."""
    deadline = time.monotonic() + timeout
    work = inbox / ".etl-work"
    while time.monotonic() < deadline:
        if work.is_dir() and any(work.iterdir()):
            return True
        time.sleep(0.005)
    return False


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_batches_keeps_every_file_and_order_exactly_once(tmp_path: Path) -> None:
    """Batches of one-order files (extracted together, pipeline/pool.py), killed while a batch is being processed."""
    config = tmp_path / "etl.yaml"
    config.write_text(BATCH_CONFIG, encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    seed = int(os.environ.get("ETL_CRASH_SEED", "0")) or random.randrange(1, 2**32)
    print(f"ETL_CRASH_SEED={seed}")
    rng = random.Random(seed)
    good: list[str] = []
    broken: list[str] = []
    kills = 0
    for round_ in range(ROUNDS):
        for number in range(50000 + 60 * round_, 50000 + 60 * round_ + 60):
            if number % 60 == 17:  # one file per round refused as a whole inside a batch run
                (inbox / f"order_{number}.csv").write_bytes(_broken_rows(number))
                broken.append(f"order_{number}.csv")
            else:
                (inbox / f"order_{number}.csv").write_bytes(one_order(number))
                good.append(str(number))
        watcher = _watch(config)
        # Killed while a batch is in hand: claimed, extracted, committed, published or archived.
        if _busy(inbox):
            time.sleep(rng.uniform(0.0, 0.8))
        if watcher.poll() is None:
            watcher.send_signal(signal.SIGKILL)
            kills += 1
        watcher.wait()
    final = _watch(config, capture=True)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()

    counts = collections.Counter(order_ids(tmp_path / "outbox"))
    assert sorted(counts) == sorted(good), "an order was lost"
    assert [order for order, seen in counts.items() if seen > 1] == [], "an order was published twice"
    assert [p for p in (tmp_path / "outbox").rglob("*") if p.name.startswith(".") or p.suffix == ".part"] == []
    assert [p for p in inbox.rglob("*") if p.is_file() and p.name != ".etl-watch.lock"] == []
    archived = collections.Counter(p.name for p in files(tmp_path / "archive"))
    refused = collections.Counter(p.name for p in files(tmp_path / "error"))
    assert sorted(archived) == sorted(f"order_{n}.csv" for n in good) and max(archived.values()) == 1
    assert sorted(refused) == sorted(broken) and max(refused.values()) == 1
    assert len(list((tmp_path / "error").rglob("*.reason.txt"))) == len(broken)
    db = sqlite3.connect(tmp_path / "state" / "ledger.sqlite")
    assert db.execute("SELECT count(*) FROM inputs").fetchone()[0] == len(good)
    assert db.execute("SELECT count(*) FROM pending_outputs").fetchone()[0] == 0
    db.close()
    assert kills > 0
