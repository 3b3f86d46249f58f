"""A run's mails wait in the queue, marked as its own, until it queues them before its commit
(etl/state/mail_queue.py): nobody sends or counts them before; a dry or failed run takes them out; a run
that crashed leaves them to the next run, which takes them out and queues its own."""

from __future__ import annotations

import sqlite3

from etl.config import Config
from etl.state.files import MAILS
from etl.state.mail_queue import MailQueue
from tests.mail.test_held_rows import _taken


def _queue(config: Config) -> MailQueue:
    return MailQueue(config.folder("state"))


def test_a_crashed_runs_mails_are_not_sent_and_the_next_run_queues_them(workspace: Config) -> None:
    crashed = _taken(workspace, "run-1")
    crashed.flush()
    assert crashed.count
    crashed.queue.close()  # killed before its commit: nothing else happens
    seen = _queue(workspace)
    assert seen.counts() == {"queued": 0, "sent": 0, "failed": 0}
    assert seen.due(5) == [] and seen.problems() == []
    seen.close()
    rerun = _taken(workspace, "run-2")
    assert rerun.count == crashed.count, "the crashed run's mails did not count as queued"
    rerun.commit()
    queue = _queue(workspace)
    assert queue.counts()["queued"] == rerun.count
    assert {mail.key for mail in queue.due(5)} and all(row == ("run-2",) for row in queue.db.execute(
        "SELECT run_id FROM mails"))
    queue.close()


def test_a_dry_run_takes_its_mails_out_and_a_queued_mail_stays(workspace: Config) -> None:
    dry = _taken(workspace, "run-1")
    dry.discard()
    assert _queue(workspace).db.execute("SELECT count(*) FROM mails UNION ALL SELECT count(*) FROM spooling") \
        .fetchall() == [(0,), (0,)]
    run = _taken(workspace, "run-2")
    run.commit()
    run.discard()  # the run failed after queueing its mails (its ledger commit): they stay queued
    assert _queue(workspace).counts()["queued"] == run.count > 0


def test_a_queue_of_the_version_before_is_read_and_spooled_into(workspace: Config) -> None:
    state = workspace.folder("state")
    state.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(state / MAILS)
    db.executescript("""
        CREATE TABLE mails (key TEXT PRIMARY KEY, kind TEXT NOT NULL, recipient TEXT NOT NULL, run_id TEXT NOT NULL,
            message BLOB NOT NULL, eml TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT, queued_at TEXT NOT NULL, sent_at TEXT, language TEXT, context TEXT, rendered_with TEXT);
        INSERT INTO mails (key, kind, recipient, run_id, message, status, queued_at)
            VALUES ('tracking:old:1', 'tracking', 'a@example.com', 'old', X'', 'queued', '2026-12-01T10:00:00');
    """)
    db.commit()
    db.close()
    run = _taken(workspace, "run-1")
    run.commit()
    queue = _queue(workspace)
    assert queue.counts()["queued"] == run.count + 1
    assert queue.due(5)[0].key == "tracking:old:1", "the older mail first"
    queue.close()
