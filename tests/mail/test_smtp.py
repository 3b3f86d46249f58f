"""Tracking mails delivered to a real SMTP server on 127.0.0.1: exactly once, retried when refused."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from etl.config import Config
from etl.pipeline import RunOptions, run_flow
from etl.state.mail_queue import MailQueue
from tests.conftest import ORDERS, drop, run_orders
from tests.flows.test_shipments import SHIPMENTS, configure
from tests.mail import mailing
from tests.smtp_server import Inbox


def test_mails_are_sent_once_across_reruns(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = mailing(workspace, port)
    drop(config, SHIPMENTS)
    report = run_flow(config, "shipments", "csv")
    assert len(inbox.messages) == 3
    assert any("3 sent now" in note for note in report.notes)
    received = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert received["Subject"] == "Ihre Bestellung 10001 ist unterwegs"
    drop(config, SHIPMENTS)
    again = run_flow(config, "shipments", "csv", RunOptions(force=True))  # the same delivery notes imported again
    assert again.written == 5 and len(inbox.messages) == 3  # LS-50005 refused whole (its label)
    assert MailQueue(config.folder("state")).counts() == {"queued": 0, "sent": 3, "failed": 0}


def test_a_refused_send_is_retried_by_the_next_run(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    inbox.refuse = 1
    config = mailing(workspace, port)
    drop(config, SHIPMENTS)
    report = run_flow(config, "shipments", "csv")
    failures = [n for n in report.notes if n.startswith("mail not sent")]
    assert len(failures) == 1 and "451" in failures[0]
    assert len(inbox.messages) == 2  # the others went through
    later = run_flow(config, "shipments", "csv")  # nothing new in the inbox: only the retry
    assert len(inbox.messages) == 3 and any("1 sent now" in n for n in later.notes), later.notes
    subjects = sorted(message_from_bytes(m, policy=policy.default)["Subject"] for m in inbox.messages)
    assert subjects == ["Ihre Bestellung 10001 ist unterwegs", "Ihre Bestellung 10003 ist unterwegs",
                        "Your order 10002 is on its way"]


def test_the_password_comes_from_the_environment_and_is_never_reported(
        workspace: Config, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch) -> None:
    _, port = smtp
    monkeypatch.setenv("ETL_SMTP_PASSWORD", "s3cret-Passw0rd")
    config = mailing(workspace, port)
    config.mail.smtp.user = "shop"  # type: ignore[union-attr]  # aiosmtpd offers no AUTH without TLS
    drop(config, SHIPMENTS)
    report = run_flow(config, "shipments", "csv")
    assert any(n.startswith("mail not sent") for n in report.notes)
    assert "s3cret" not in report.to_json()
    assert "s3cret" not in (config.folder("state") / "mails.sqlite").read_bytes().decode("latin-1")


def test_etl_mail_retries_failed_mails(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    from etl.mail.tracking import mail_status

    inbox, port = smtp
    config = configure(workspace, mail={"sender": "shop@kaffee-co.example.de", "shop_name": "Kaffee & Co.",
                                        "max_attempts": 1,
                                        "smtp": {"host": "127.0.0.1", "port": port, "security": "none"}})
    run_orders(config, ORDERS / "xtc_csv_cp1252")
    inbox.refuse = 3
    drop(config, SHIPMENTS)
    run_flow(config, "shipments", "csv")
    assert MailQueue(config.folder("state")).counts() == {"queued": 0, "sent": 0, "failed": 3}
    lines, failing = mail_status(config)
    assert failing and not inbox.messages and any("451" in line for line in lines)
    lines, failing = mail_status(config, retry=True)
    assert not failing and len(inbox.messages) == 3
