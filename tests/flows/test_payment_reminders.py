"""Payment reminders driven by state: due by the calendar, without a new export; the first mail is level 1;
an order the newer export no longer calls open gets no more mail. A real SMTP server, a clock we set."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from etl.config import Config
from etl.flows.payment_requests import level
from etl.pipeline import RunOptions, run_flow
from etl.state import payments as payment_state
from tests.conftest import drop
from tests.flows.test_payment_requests import OPEN, configure
from tests.smtp_server import Inbox

DAY0 = date(2026, 11, 22)  # the newest order of the export (10011) is from 2026-11-21
OPEN_ORDERS = {"10002", "10005", "10008", "10011"}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    """The day the runs see: `clock[0] = day` moves it."""
    days = [DAY0]
    monkeypatch.setattr(payment_state, "today", lambda: days[0])
    return days


@pytest.mark.parametrize(("last", "day", "expected"), [
    pytest.param(None, date(2026, 11, 1), 1, id="first-mail-at-once"),
    pytest.param(None, date(2026, 11, 16), 1, id="first-mail-of-an-old-order-is-level-1"),
    pytest.param((1, date(2026, 11, 16)), date(2026, 11, 22), 0, id="six-days-after-the-first"),
    pytest.param((1, date(2026, 11, 16)), date(2026, 11, 23), 2, id="seven-days-after-the-first"),
    pytest.param((2, date(2026, 11, 23)), date(2026, 11, 30), 3, id="seven-days-after-the-second"),
    pytest.param((3, date(2026, 11, 30)), date(2027, 1, 30), 0, id="every-level-sent"),
])
def test_levels(last: tuple[int, date] | None, day: date, expected: int) -> None:
    assert level(datetime(2026, 11, 1, 9, 0), last, [0, 7, 14], day) == expected


def test_a_late_first_mail_waits_for_its_days(clock: list[date]) -> None:
    assert level(datetime(2026, 11, 1, 9), None, [2, 9], date(2026, 11, 2)) == 0
    assert level(datetime(2026, 11, 1, 9), None, [2, 9], date(2026, 11, 3)) == 1


def _mails(inbox: Inbox, start: int = 0) -> list[tuple[str, str]]:
    found = [message_from_bytes(m, policy=policy.default) for m in inbox.messages[start:]]
    return sorted((m["To"], m["Subject"]) for m in found)


def _export(config: Config, name: str, drop_orders: set[str] = frozenset(), paid: set[str] = frozenset()) -> None:
    """A newer open-orders export: some orders paid, some gone."""
    lines = OPEN.read_text(encoding="utf-8").splitlines()
    kept = [lines[0]]
    for line in lines[1:]:
        cells = line.split(";")
        if cells[0] in drop_orders:
            continue
        if cells[0] in paid:
            cells[7] = "1"
        kept.append(";".join(cells))
    (config.folder("inbox") / name).write_text("\n".join(kept) + "\n", encoding="utf-8")


def test_reminders_fall_due_without_a_new_export(workspace: Config, smtp: tuple[Inbox, int],
                                                 clock: list[date]) -> None:
    inbox, port = smtp
    config = configure(workspace, port, reminder_days=[0, 7, 14])
    _export(config, OPEN.name, drop_orders={"10015"})  # no order without e-mail: the export is taken whole
    first = run_flow(config, "payment-requests", "csv")
    assert first.written == 4 and not any(s.startswith(("Erinnerung", "Reminder")) for _, s in _mails(inbox))
    assert run_flow(config, "payment-requests", "csv").written == 0  # nothing new, nothing due
    clock[0] = DAY0 + timedelta(days=6)
    assert run_flow(config, "payment-requests", "csv").written == 0 and len(inbox.messages) == 4
    clock[0] = DAY0 + timedelta(days=7)
    second = run_flow(config, "payment-requests", "csv")  # no file in the inbox
    assert second.written == 4 and not second.files
    reminders = _mails(inbox, 4)
    assert [s.split(":")[0] for _, s in reminders] == ["Erinnerung", "Erinnerung", "Erinnerung", "Reminder"]
    _export(config, OPEN.name, drop_orders={"10015"})  # the same export again: skipped by its hash
    clock[0] = DAY0 + timedelta(days=14)
    third = run_flow(config, "payment-requests", "csv")
    assert third.written == 4 and third.files[0].status == "skipped", third.files
    clock[0] = DAY0 + timedelta(days=60)
    last = run_flow(config, "payment-requests", "csv")
    assert last.written == 0 and any("every reminder sent" in n for n in last.notes)
    assert len(inbox.messages) == 12
    listed = json.loads(Path(second.report_file or "").read_text(encoding="utf-8"))
    assert any(n.startswith("mails: 4 sent now") for n in listed["notes"])


def test_an_old_orders_first_mail_is_no_reminder(workspace: Config, smtp: tuple[Inbox, int],
                                                 clock: list[date]) -> None:
    inbox, port = smtp
    clock[0] = date(2026, 12, 3)  # 10002 is 15 days old
    config = configure(workspace, port, reminder_days=[0, 7, 14])
    drop(config, OPEN)
    report = run_flow(config, "payment-requests", "csv")
    assert report.written == 4
    assert [s for to, s in _mails(inbox) if to == "katrin.schulze@example.com"] == [
        "Zahlung Ihrer Bestellung 10002 bei Kaffee & Co."]
    listed = Path(next(o for o in report.outputs if o.endswith(".csv"))).read_text(encoding="utf-8")
    assert {row["reminder_level"] for row in csv.DictReader(io.StringIO(listed), delimiter=";")} == {"1"}


def test_paid_and_vanished_orders_get_no_more_reminders(workspace: Config, smtp: tuple[Inbox, int],
                                                        clock: list[date]) -> None:
    inbox, port = smtp
    config = configure(workspace, port, reminder_days=[0, 7, 14])
    drop(config, OPEN)
    run_flow(config, "payment-requests", "csv")
    clock[0] = DAY0 + timedelta(days=7)
    _export(config, "offene_zahlungen_2.csv", drop_orders={"10005"}, paid={"10002"})
    newer = run_flow(config, "payment-requests", "csv")
    assert sorted(to for to, _ in _mails(inbox, 4)) == ["j.weber@example.de", "s.daubigne@example.fr"]
    assert any("1 orders no longer open" in n for n in newer.notes) and newer.written == 2
    clock[0] = DAY0 + timedelta(days=14)
    later = run_flow(config, "payment-requests", "csv")  # no export: the remembered open orders only
    assert sorted(to for to, _ in _mails(inbox, 6)) == ["j.weber@example.de", "s.daubigne@example.fr"]
    # Still open but not for a request (no online method, another store, no e-mail): remembered, skipped.
    assert (later.records_in, later.written, later.skipped, later.rejected) == (5, 2, 3, 0)


def test_a_dry_run_changes_nothing(workspace: Config, smtp: tuple[Inbox, int], clock: list[date]) -> None:
    inbox, port = smtp
    config = configure(workspace, port, reminder_days=[0, 7])
    drop(config, OPEN)
    run_flow(config, "payment-requests", "csv")
    clock[0] = DAY0 + timedelta(days=7)
    dry = run_flow(config, "payment-requests", "csv", RunOptions(dry_run=True))
    assert dry.written == 4 and len(inbox.messages) == 4
    assert run_flow(config, "payment-requests", "csv").written == 4 and len(inbox.messages) == 8


def test_etl_watch_sends_due_reminders_without_a_file(workspace: Config, smtp: tuple[Inbox, int],
                                                      clock: list[date]) -> None:
    from etl.watch.service import Watcher

    inbox, port = smtp
    config = configure(workspace, port, reminder_days=[0, 7])
    assert Watcher(config, once=True).run() == 0 and not inbox.messages  # nothing remembered: no run at all
    assert not list(config.folder("reports").glob("*.json"))
    drop(config, OPEN)
    config.watch.quiet_seconds = 0.0
    Watcher(config, once=True).run()
    assert len(inbox.messages) == 4 and not list(config.folder("inbox").glob("*.csv"))
    clock[0] = DAY0 + timedelta(days=7)
    watcher = Watcher(config, once=True)
    watcher.run()
    assert len(inbox.messages) == 8 and watcher.outcomes
    assert all(s.startswith(("Erinnerung", "Reminder")) for _, s in _mails(inbox, 4))
