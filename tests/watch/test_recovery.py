"""The runner's crash windows, each put in place by hand: recovery publishes exactly once and drops orphans."""

from __future__ import annotations

import os
from pathlib import Path

from etl.pipeline import recover
from etl.state.ledger import Ledger
from tests.watch.conftest import make_config


def _setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path)
    outbox = config.folder("outbox") / "sage"
    outbox.mkdir(parents=True)
    temp = outbox / ".orders_r1_header.csv.part"
    temp.write_text("complete content\n", encoding="utf-8")
    ledger = Ledger(config.folder("state"))
    ledger.commit_run("r1", "orders", "t", "ok", "{}", [("sha", "in.csv")], [(temp, outbox / "orders_r1_header.csv")])
    return config, outbox, temp, ledger


def test_crash_after_commit_before_publish_is_rolled_forward(tmp_path: Path) -> None:
    config, outbox, _temp, ledger = _setup(tmp_path)
    assert recover(config, ledger) == ["r1"]
    assert sorted(p.name for p in outbox.iterdir()) == ["orders_r1_header.csv"]
    assert recover(config, ledger) == []  # idempotent
    assert sorted(p.name for p in outbox.iterdir()) == ["orders_r1_header.csv"]
    assert ledger.seen("sha", "orders")
    ledger.close()


def test_crash_between_link_and_unlink_leaves_one_file(tmp_path: Path) -> None:
    config, outbox, temp, ledger = _setup(tmp_path)
    os.link(temp, outbox / "orders_r1_header.csv")
    recover(config, ledger)
    assert sorted(p.name for p in outbox.iterdir()) == ["orders_r1_header.csv"]
    ledger.close()


def test_temp_of_a_run_that_died_before_its_commit_is_dropped(tmp_path: Path) -> None:
    config, outbox, _temp, ledger = _setup(tmp_path)
    orphan = outbox / ".orders_r2_header.csv.part"
    orphan.write_text("half", encoding="utf-8")
    recover(config, ledger)
    assert sorted(p.name for p in outbox.iterdir()) == ["orders_r1_header.csv"]
    assert not ledger.seen("sha2", "orders")
    ledger.close()
