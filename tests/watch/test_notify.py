"""`etl watch` tells the merchant by mail (a real SMTP server on 127.0.0.1) what it refused, what failed and
which set timed out: in German (English when configured), each event once across restarts, one mail per kind
per hour with the events gathered in between."""

from __future__ import annotations

import shutil
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from etl.config import Config, load_config
from etl.config.mail import SmtpSettings
from etl.mail.notify import Notifier
from etl.shared.errors import ConfigError
from etl.state.lifecycle import refuse
from etl.state.notify_log import NotifyLog
from etl.state.page_token import page_token
from etl.watch.service import Watcher
from tests.smtp_server import Inbox
from tests.watch.conftest import NO_FLOW, SET, Running, make_config, wait_for

HOUR = 3600.0


def notifying(base: Path, port: int, **notify: object) -> Config:
    """A working folder whose watcher mails the merchant through 127.0.0.1:`port`."""
    config = make_config(base)
    config.mail = config.mail.model_copy(update={"sender": "ETL Kaffee & Co. <etl@kaffee-co.example.de>",
                                                 "shop_name": "Kaffee & Co."})
    config.mail.smtp = SmtpSettings(host="127.0.0.1", port=port, security="none")
    config.notify = config.notify.model_copy(update={"recipients": ["inhaber@kaffee-co.example.de"], **notify})
    config.folder("inbox").mkdir(parents=True, exist_ok=True)
    return config


def mails(inbox: Inbox) -> list[EmailMessage]:
    return [message_from_bytes(m, policy=policy.default) for m in inbox.messages]  # type: ignore[misc]


def body(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_refused_file_reaches_the_merchant_once_in_german(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = notifying(tmp_path / "work", port)
    (config.folder("inbox") / "lager.csv").write_bytes(NO_FLOW)
    assert Watcher(config, once=True).run() == 0
    (mail,) = mails(inbox)
    assert mail["Subject"] == "[ETL] etl watch hat eine Datei abgelehnt"
    assert mail["To"] == "inhaber@kaffee-co.example.de" and "etl@kaffee-co.example.de" in mail["From"]
    text = body(mail)
    (where,) = config.folder("error").rglob("lager.csv")
    assert "lager.csv" in text and str(where) in text  # which file, and where it is now
    assert "Grund:" in text and "Nächster Schritt:" in text and "Erneut versuchen" in text
    assert f"http://127.0.0.1:8080/?token={page_token(config.folder('state'))}#failed" in text
    assert "Guten Tag" in text and "Wann: " + time.strftime("%d.%m.%Y") in text
    assert Watcher(config, once=True).run() == 0  # a restart: nothing new, nothing mailed twice
    assert len(inbox.messages) == 1


def test_one_mail_per_kind_per_hour_the_rest_gathered_into_the_next(tmp_path: Path,
                                                                   smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = notifying(tmp_path / "work", port)
    notifier = Notifier(config, started=time.time() - 1)
    error = config.folder("error")
    for name in ("a.csv", "b.csv"):
        refuse(_dropped(config, name), error, "no flow reads this file", "no-flow-reads-it")
        notifier.tick()
    refuse(_dropped(config, "set.csv"), error, "processing failed: ValueError: broken", "processing-failed")
    notifier.tick()
    subjects = [m["Subject"] for m in mails(inbox)]
    assert subjects == ["[ETL] etl watch hat eine Datei abgelehnt", "[ETL] Ein Lauf von etl watch ist fehlgeschlagen"]
    assert "ValueError: broken" in body(mails(inbox)[1])  # another kind: its own mail at once
    notifier.tick(now=time.time() + HOUR - 60)  # b.csv waits: a refused-file mail went out less than an hour ago
    assert len(inbox.messages) == 2
    restarted = Notifier(config)  # gathered events outlive the watcher
    restarted.tick(now=time.time() + HOUR + 1)
    (later,) = mails(inbox)[2:]
    assert later["Subject"] == "[ETL] etl watch hat eine Datei abgelehnt" and "b.csv" in body(later)
    assert "a.csv" not in body(later)
    restarted.tick(now=time.time() + 3 * HOUR)
    assert len(inbox.messages) == 3
    log = NotifyLog(config.folder("state"))
    assert log.waiting() == {}
    log.close()


def test_a_send_the_server_refuses_is_tried_again_and_nothing_is_lost(tmp_path: Path,
                                                                     smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    inbox.refuse = 1
    config = notifying(tmp_path / "work", port)
    notifier = Notifier(config)  # a refusal in the watcher's first second (reason files say when to the second)
    refuse(_dropped(config, "x.csv"), config.folder("error"), "no flow reads this file", "no-flow-reads-it")
    notifier.tick()
    assert inbox.messages == []
    notifier.tick(now=time.time() + 301)  # after the pause between tries
    (mail,) = mails(inbox)
    assert "x.csv" in body(mail)


def test_a_set_that_timed_out_is_mailed_in_english_when_configured(tmp_path: Path,
                                                                   smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = notifying(tmp_path / "work", port, language="en", status_url="http://shop-pc:8080/")
    config.watch = config.watch.model_copy(update={"set_timeout_seconds": 1.0})
    running = Running(config)
    try:
        shutil.copy(SET / "orders.csv", config.folder("inbox") / "orders.csv")
        wait_for(lambda: len(inbox.messages) == 1)
    finally:
        running.stop()
    (mail,) = mails(inbox)
    assert mail["Subject"] == "[ETL] An export arrived incomplete"
    text = body(mail)
    assert "orders.csv" in text and "did not arrive within 1 s" in text and "Next step: Export the tables" in text
    assert f"http://shop-pc:8080/?token={page_token(config.folder('state'))}#failed" in text


def test_without_recipients_nothing_is_kept_or_sent(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = notifying(tmp_path / "work", port, recipients=[])
    (config.folder("inbox") / "lager.csv").write_bytes(NO_FLOW)
    Watcher(config, once=True).run()
    assert inbox.messages == [] and not (config.folder("state") / "notify.sqlite").exists()


@pytest.mark.parametrize(("notify", "problem"), [
    pytest.param("  recipients: [inhaber]\n", "not a mail address: inhaber", id="no-address"),
    pytest.param("  kinds: [everything]\n", "notify.kinds", id="unknown-kind"),
    pytest.param("  every_minutes: 0\n", "notify.every_minutes", id="never-again"),
])
def test_a_wrong_notify_section_is_refused(tmp_path: Path, notify: str, problem: str) -> None:
    (tmp_path / "etl.yaml").write_text("notify:\n" + notify, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_config(tmp_path / "etl.yaml")


def _dropped(config: Config, name: str) -> Path:
    path = config.folder("inbox") / name
    path.write_bytes(NO_FLOW)
    return path
