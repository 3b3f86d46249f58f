"""Close events with a real inotify watcher: a closed file is taken without its quiet period, an open one never.

The quiet period is a minute here, longer than any deadline: whatever is taken was taken by a close.
"""

from __future__ import annotations

import os
import shutil
import sys
import time

import pytest

from tests.watch.conftest import FLAT, SET, files, one_order, settled, wait_for
from tests.watch.test_watch import archived, order_ids

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify close events")
LONG = 60.0


def test_slow_copy_is_taken_once_its_writer_closes_it(start) -> None:  # type: ignore[no-untyped-def]
    w = start(quiet_seconds=LONG)
    assert w.watcher.closes.events
    data = FLAT.read_bytes()
    with (w.config.folder("inbox") / "slow.csv").open("wb") as handle:
        for begin in range(0, len(data), len(data) // 4):
            handle.write(data[begin:begin + len(data) // 4])
            handle.flush()
            time.sleep(0.5)  # longer than closed_settle_seconds: an open handle is what holds it back
            assert archived(w.config) == []
    wait_for(lambda: "slow.csv" in archived(w.config))
    assert files(w.config.folder("archive"))[0].read_bytes() == data
    assert len(order_ids(w.config.folder("outbox"))) == 7


def test_rename_in_is_taken_at_once(start, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = start(quiet_seconds=LONG)
    inbox = w.config.folder("inbox")
    (tmp_path / "outside.csv").write_bytes(one_order(31001))
    (inbox / "inside.csv.part").write_bytes(one_order(31002))
    os.replace(tmp_path / "outside.csv", inbox / "outside.csv")
    os.replace(inbox / "inside.csv.part", inbox / "inside.csv")
    wait_for(lambda: sorted(archived(w.config)) == ["inside.csv", "outside.csv"])
    assert sorted(order_ids(w.config.folder("outbox"))) == ["31001", "31002"]


def test_a_writer_appending_in_sessions_is_not_cut(start) -> None:  # type: ignore[no-untyped-def]
    # Reopened at once after each close: within the settle time, so the file is taken whole, once.
    w = start(quiet_seconds=LONG, closed_settle_seconds=3.0)
    data = FLAT.read_bytes()
    lines = data.split(b"\r\n")
    target = w.config.folder("inbox") / "appended.csv"
    for line in lines[:-1]:
        with target.open("ab") as handle:
            handle.write(line + b"\r\n")
    wait_for(lambda: "appended.csv" in archived(w.config))
    assert [p.read_bytes() for p in files(w.config.folder("archive"))] == [data]
    assert sorted(order_ids(w.config.folder("outbox"))) == [f"1000{i}" for i in (1, 2, 3, 4, 5, 6, 8)]
    assert files(w.config.folder("error")) == []


def test_a_file_held_open_waits_for_its_close(start) -> None:  # type: ignore[no-untyped-def]
    w = start(quiet_seconds=LONG)
    target = w.config.folder("inbox") / "held.csv"
    with target.open("wb") as handle:
        handle.write(one_order(31003))
        handle.flush()
        time.sleep(1.5)  # all bytes are there, but the writer has not said it is done
        assert target.exists() and archived(w.config) == []
    wait_for(lambda: "held.csv" in archived(w.config))
    assert order_ids(w.config.folder("outbox")) == ["31003"]


def test_a_set_copied_table_by_table_is_taken_whole_once_every_table_is_there(start) -> None:  # type: ignore[no-untyped-def]
    w = start(quiet_seconds=LONG)
    inbox = w.config.folder("inbox")
    names = sorted(p.name for p in SET.iterdir())
    for name in names:  # the three required tables first would not do either: optional ones may follow
        shutil.copyfile(SET / name, inbox / name)
    wait_for(lambda: sorted(archived(w.config)) == names and settled(w.config))
    assert len(files(w.config.folder("reports"), "*.json")) == 1  # one run for the whole set
    assert sorted(order_ids(w.config.folder("outbox"))) == [f"1000{i}" for i in (1, 2, 3, 4, 5, 6, 8)]


def test_a_set_of_only_the_required_tables_waits_for_the_quiet_period(start) -> None:  # type: ignore[no-untyped-def]
    w = start(quiet_seconds=4.0)
    inbox = w.config.folder("inbox")
    for name in ("orders.csv", "orders_products.csv", "orders_total.csv"):
        shutil.copyfile(SET / name, inbox / name)
    time.sleep(1.5)  # every file is closed, yet orders_status_history may still be on its way
    assert archived(w.config) == []
    wait_for(lambda: len(archived(w.config)) == 3 and settled(w.config))
    assert len(files(w.config.folder("reports"), "*.json")) == 1


def test_polling_keeps_the_quiet_period(start) -> None:  # type: ignore[no-untyped-def]
    w = start(poll=True, poll_interval=0.2, quiet_seconds=4.0, rescan_seconds=30)
    assert not w.watcher.closes.events
    (w.config.folder("inbox") / "share.csv").write_bytes(one_order(31004))
    time.sleep(1.5)  # closed long ago, but a share gives no close events: only the quiet period counts
    assert archived(w.config) == []
    wait_for(lambda: "share.csv" in archived(w.config))


def test_close_events_can_be_switched_off(start) -> None:  # type: ignore[no-untyped-def]
    w = start(close_events=False, quiet_seconds=4.0)
    assert not w.watcher.closes.events
    (w.config.folder("inbox") / "late.csv").write_bytes(one_order(31005))
    time.sleep(1.5)
    assert archived(w.config) == []
    wait_for(lambda: "late.csv" in archived(w.config))
