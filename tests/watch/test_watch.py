"""`etl watch` with real observers: arrivals, completeness, sets, bad files, locks, observer restarts."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
import time
import zipfile
from pathlib import Path

import pytest

from etl.state.locks import LockBusy
from etl.status import collect
from etl.watch.service import Watcher
from tests.watch.conftest import FLAT, NO_FLOW, ORDERS, SET, files, one_order, settled, wait_for


def order_ids(outbox: Path) -> list[str]:
    """Shop order numbers in every published header file."""
    ids = []
    for path in files(outbox, "*_header.csv"):
        for line in path.read_text(encoding="cp1252").splitlines()[1:]:
            ids.append(line.split(";")[1].strip('"'))
    return ids


def archived(config) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.name for p in files(config.folder("archive"))]


def test_dropped_file_is_processed_and_published(start) -> None:  # type: ignore[no-untyped-def]
    w = start()
    shutil.copy(FLAT, w.config.folder("inbox") / "export.csv")
    wait_for(lambda: "export.csv" in archived(w.config))
    assert sorted(order_ids(w.config.folder("outbox"))) == [f"1000{i}" for i in (1, 2, 3, 4, 5, 6, 8)]
    assert not list(w.config.folder("outbox").rglob(".*"))  # no temp left behind


def test_rename_in_counts_as_arrival_and_temp_names_are_ignored(start, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = start()
    inbox = w.config.folder("inbox")
    (inbox / "export.csv.part").write_bytes(one_order(21001))
    (inbox / "~$locked.csv").write_bytes(one_order(21002))
    (inbox / ".hidden.csv").write_bytes(one_order(21003))
    outside = tmp_path / "outside.csv"
    outside.write_bytes(one_order(21004))
    time.sleep(1.0)
    assert archived(w.config) == []
    os.replace(inbox / "export.csv.part", inbox / "export.csv")
    os.replace(outside, inbox / "moved.csv")
    wait_for(lambda: sorted(archived(w.config)) == ["export.csv", "moved.csv"])
    assert sorted(order_ids(w.config.folder("outbox"))) == ["21001", "21004"]
    assert (inbox / "~$locked.csv").exists() and (inbox / ".hidden.csv").exists()


def test_slow_copy_is_never_read_early(start) -> None:  # type: ignore[no-untyped-def]
    w = start(quiet_seconds=0.6)
    data = FLAT.read_bytes()
    target = w.config.folder("inbox") / "slow.csv"
    with target.open("wb") as handle:
        for start_at in range(0, len(data), len(data) // 6):
            handle.write(data[start_at:start_at + len(data) // 6])
            handle.flush()
            time.sleep(0.3)  # pauses shorter than the quiet period
            assert archived(w.config) == []
    wait_for(lambda: "slow.csv" in archived(w.config))
    assert files(w.config.folder("archive"))[0].read_bytes() == data
    assert len(order_ids(w.config.folder("outbox"))) == 7


def test_done_marker_mode_waits_for_the_marker(start) -> None:  # type: ignore[no-untyped-def]
    w = start(done_marker=True, quiet_seconds=0)
    inbox = w.config.folder("inbox")
    (inbox / "export.csv").write_bytes(one_order(22001))
    time.sleep(1.0)
    assert (inbox / "export.csv").exists()
    (inbox / "export.csv.done").write_text("")
    wait_for(lambda: "export.csv" in archived(w.config))
    wait_for(lambda: not (inbox / "export.csv.done").exists())
    assert order_ids(w.config.folder("outbox")) == ["22001"]


def test_files_present_at_start_are_processed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.watch.conftest import make_config

    config = make_config(tmp_path / "work", quiet_seconds=0.1)
    inbox = config.folder("inbox")
    inbox.mkdir(parents=True)
    shutil.copy(FLAT, inbox / "flat.csv")
    for path in SET.iterdir():
        shutil.copy(path, inbox / path.name)
    assert Watcher(config, once=True).run() == 0
    assert len(archived(config)) == 6
    # the set holds the same 7 orders as the flat file: each order reaches the ERP once
    assert sorted(order_ids(config.folder("outbox"))) == ["10001", "10002", "10003", "10004", "10005", "10006",
                                                          "10008"]
    assert not any(p for p in inbox.iterdir() if not p.name.startswith("."))


def test_set_dropped_one_by_one_is_taken_whole(start) -> None:  # type: ignore[no-untyped-def]
    w = start(quiet_seconds=0.8)
    inbox = w.config.folder("inbox")
    runs_before = 0
    for path in sorted(SET.iterdir()):
        shutil.copy(path, inbox / path.name)
        time.sleep(0.2)
    wait_for(lambda: len(archived(w.config)) == 5 and settled(w.config))
    reports = files(w.config.folder("reports"), "*.json")
    assert len(reports) == runs_before + 1  # one run for the whole set
    assert len(order_ids(w.config.folder("outbox"))) == 7


def test_incomplete_set_is_refused_after_the_timeout(start) -> None:  # type: ignore[no-untyped-def]
    w = start(set_timeout_seconds=1.0)
    inbox = w.config.folder("inbox")
    shutil.copy(SET / "orders.csv", inbox / "orders.csv")
    shutil.copy(SET / "orders_status_history.csv", inbox / "orders_status_history.csv")
    # the reason file is written (whole) just after its file is moved: wait for both
    wait_for(lambda: len(files(w.config.folder("error"))) == 2
             and len(list(w.config.folder("error").rglob("*.reason.txt"))) == 2)
    reason = next(w.config.folder("error").rglob("orders.csv.reason.txt")).read_text(encoding="utf-8")
    assert "incomplete export" in reason and "orders_total" in reason and "\ncode: incomplete-set\n" in reason
    assert order_ids(w.config.folder("outbox")) == []


def test_folder_and_zip_drops(start, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = start()
    inbox = w.config.folder("inbox")
    packed = tmp_path / "export.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        for path in SET.iterdir():
            archive.write(path, f"export/{path.name}")
    shutil.copytree(SET, tmp_path / "folder")
    # A folder or zip counts once it is complete: build it outside, move it in.
    os.replace(tmp_path / "folder", inbox / "folder")
    os.replace(packed, inbox / "export.zip")
    wait_for(lambda: "export.zip" in archived(w.config) and not (inbox / "folder").exists())
    wait_for(lambda: len(order_ids(w.config.folder("outbox"))) == 7)  # the zip is the same content: skipped
    assert files(w.config.folder("error")) == []


def test_content_already_in_the_ledger_is_archived_not_imported(start) -> None:  # type: ignore[no-untyped-def]
    w = start()
    inbox = w.config.folder("inbox")
    (inbox / "first.csv").write_bytes(one_order(23001))
    wait_for(lambda: "first.csv" in archived(w.config))
    (inbox / "again.csv").write_bytes(one_order(23001))
    wait_for(lambda: "again.csv" in archived(w.config))
    assert order_ids(w.config.folder("outbox")) == ["23001"]


def test_poisonous_files_go_to_error_and_the_rest_goes_on(start) -> None:  # type: ignore[no-untyped-def]
    w = start()
    inbox = w.config.folder("inbox")
    (inbox / "empty.csv").write_bytes(b"")
    (inbox / "garbage.xml").write_bytes(b"<orders><order>\x00\xff broken")
    (inbox / "binary.csv").write_bytes(os.urandom(2048))
    (inbox / "stock.csv").write_bytes(NO_FLOW)
    for number in range(5):
        (inbox / f"good{number}.csv").write_bytes(one_order(24000 + number))
    wait_for(lambda: len(archived(w.config)) == 5 and len(files(w.config.folder("error"))) == 4)
    reasons = {p.name: p.read_text(encoding="utf-8") for p in w.config.folder("error").rglob("*.reason.txt")}
    assert "no flow reads this file; it looks like a table" in reasons["stock.csv.reason.txt"]
    assert "tried: orders" in reasons["stock.csv.reason.txt"]
    assert "empty" in reasons["empty.csv.reason.txt"]
    assert sorted(order_ids(w.config.folder("outbox"))) == [str(24000 + n) for n in range(5)]
    (inbox / "later.csv").write_bytes(one_order(24010))  # the watcher lives on
    wait_for(lambda: "later.csv" in archived(w.config))


def test_500_files_at_once(start) -> None:  # type: ignore[no-untyped-def]
    w = start(quiet_seconds=0.5)
    inbox = w.config.folder("inbox")
    for number in range(500):
        (inbox / f"order_{number:03}.csv").write_bytes(one_order(30000 + number))
    wait_for(lambda: len(archived(w.config)) == 500, timeout=120)
    assert sorted(order_ids(w.config.folder("outbox"))) == [str(30000 + n) for n in range(500)]
    db = sqlite3.connect(w.config.folder("state") / "ledger.sqlite")
    assert db.execute("SELECT count(*) FROM inputs").fetchone()[0] == 500
    db.close()


def test_a_second_watcher_on_the_same_inbox_says_so(start) -> None:  # type: ignore[no-untyped-def]
    w = start()
    with pytest.raises(LockBusy, match="watcher for this inbox"):
        Watcher(w.config).run()


def test_dead_observer_is_restarted_and_logged(start, caplog) -> None:  # type: ignore[no-untyped-def]
    w = start(rescan_seconds=1)
    caplog.set_level(logging.ERROR, logger="etl.watch")
    assert w.watcher.observer is not None
    w.watcher.observer.stop()
    w.watcher.observer.join()
    (w.config.folder("inbox") / "after.csv").write_bytes(one_order(25001))
    wait_for(lambda: "after.csv" in archived(w.config))
    assert w.watcher.observer_restarts >= 1
    assert "observer stopped" in caplog.text


def test_polling_observer(start) -> None:  # type: ignore[no-untyped-def]
    w = start(poll=True, poll_interval=0.2, rescan_seconds=30)
    (w.config.folder("inbox") / "share.csv").write_bytes(one_order(26001))
    wait_for(lambda: "share.csv" in archived(w.config))


def test_scheduled_flow_waits_for_its_turn(start) -> None:  # type: ignore[no-untyped-def]
    w = start(schedule=[{"flow": "orders", "every_seconds": 2.0}], quiet_seconds=0.1)
    inbox = w.config.folder("inbox")
    (inbox / "a.csv").write_bytes(one_order(27001))
    time.sleep(0.8)
    assert (inbox / "a.csv").exists()
    wait_for(lambda: "a.csv" in archived(w.config), timeout=5)


def test_status_shows_waiting_failed_and_runs(start) -> None:  # type: ignore[no-untyped-def]
    w = start()
    inbox = w.config.folder("inbox")
    (inbox / "stock.csv").write_bytes(NO_FLOW)
    (inbox / "ok.csv").write_bytes(one_order(28001))
    wait_for(lambda: "ok.csv" in archived(w.config) and files(w.config.folder("error")))
    snapshot = collect(w.config)
    assert snapshot.watcher.startswith("running")
    assert snapshot.done == 1 and snapshot.waiting == []
    assert "no flow reads this file" in snapshot.failed[0]["reason"]
    assert snapshot.runs[0]["counts"] == {"in": 1, "written": 1, "rejected": 0, "skipped": 0}


def test_a_stock_list_alone_goes_to_the_stock_flow(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.watch.conftest import make_config

    config = make_config(tmp_path / "work", quiet_seconds=0.1)
    inbox = config.folder("inbox")
    inbox.mkdir(parents=True)
    shutil.copy(ORDERS.parent / "catalog" / "lagerbestand.csv", inbox / "bestand.csv")
    assert Watcher(config, once=True).run() == 0
    assert "bestand.csv" in archived(config)  # the catalog reads it too, but only beside its articles
    assert [p.name.split("_", 1)[0] for p in files(config.folder("outbox") / "shop")] == ["stock", "stock"]


def test_once_processes_what_is_ready_and_names_the_incomplete_set(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    from tests.watch.conftest import make_config

    config = make_config(tmp_path / "work", quiet_seconds=0.1, set_timeout_seconds=100_000)
    inbox = config.folder("inbox")
    inbox.mkdir(parents=True)
    (inbox / "single.csv").write_bytes(one_order(23001))
    for name in ("orders.csv", "orders_products.csv"):  # orders_total.csv never comes
        shutil.copy(SET / name, inbox / name)
    watcher, codes = Watcher(config, once=True), []
    with caplog.at_level(logging.INFO, logger="etl.watch"):
        thread = threading.Thread(target=lambda: codes.append(watcher.run()), daemon=True)
        thread.start()
        thread.join(timeout=120)  # the set may wait 600 s for its last table: --once must not
        watcher.stop()
    assert codes == [0], "watch --once waited for the incomplete set"
    assert order_ids(config.folder("outbox")) == ["23001"]
    assert (inbox / "orders.csv").exists() and (inbox / "orders_products.csv").exists()
    waiting = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting")]
    assert waiting == ["waiting  orders.csv, orders_products.csv  the orders tables orders_total have not arrived; "
                       "left in the inbox for a later run"]
