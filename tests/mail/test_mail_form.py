"""Mails as the customer reads them: subjects folded without extra spaces, amounts and dates in the
mail's language, and the send results in the report on disk."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.bundled import bundled
from etl.config import Config
from etl.config.mail import MailSettings
from etl.mail.formats import filters
from etl.mail.render import message_id, render
from etl.pipeline import run_flow
from etl.state.ledger import Ledger
from tests.conftest import drop
from tests.flows.test_shipments import SHIPMENTS
from tests.mail import mailing
from tests.smtp_server import Inbox

LONG = ("Erinnerung: Zahlung Ihrer Bestellung 10002 bei Kaffee & Co. Rösterei Müller – Grüße aus Köln, "
        "Übersicht Ihrer Bestellung")
SETTINGS = MailSettings(sender="Kaffee & Co. <shop@kaffee-co.example.de>", shop_name="Kaffee & Co.")


def _message(subject: str, tmp_path: Path) -> bytes:
    """A mail whose subject template says `subject`, as saved in outbox/mail/."""
    folder = tmp_path / "mail" / "de"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t.subject.j2").write_text("{{ subject }}", encoding="utf-8")
    (folder / "t.txt.j2").write_text("Text", encoding="utf-8")
    (folder / "t.html.j2").write_text("<p>Text</p>", encoding="utf-8")
    return render((tmp_path,), "t", "de", SETTINGS, "k@example.de", {"subject": subject},
                  message_id("t:1", SETTINGS.sender)).as_bytes()


def _subjects(data: bytes) -> list[str]:
    """The subject as read from the saved file, and as read after sending (re-serialised under SMTP)."""
    sent = message_from_bytes(data, policy=policy.SMTP).as_bytes()
    return [message_from_bytes(raw, policy=policy.default)["Subject"] for raw in (data, sent)]


@pytest.mark.parametrize("subject", [
    pytest.param(LONG, id="long-german"),
    pytest.param("Ihre Bestellung 10001 ist unterwegs", id="ascii"),
    pytest.param("Grüße " * 30, id="many-umlauts"),
    pytest.param("Your order at Ünicode Störe " + "x" * 120, id="long-word"),
])
def test_subjects_fold_without_extra_spaces(subject: str, tmp_path: Path) -> None:
    data = _message(subject, tmp_path)
    assert _subjects(data) == [" ".join(subject.split())] * 2
    assert max(len(line) for line in data.split(b"\n")) <= 78


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=200)
       .filter(lambda s: s.strip()))
def test_any_subject_round_trips(subject: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        assert _subjects(_message(subject, Path(folder))) == [" ".join(subject.split())] * 2


@pytest.mark.parametrize(("language", "amount", "day"), [
    pytest.param("de", "84,70\xa0€", "18.11.2026", id="de"),
    pytest.param("en", "€84.70", "Nov 18, 2026", id="en"),
    pytest.param("de_AT", "€\xa084,70", "18.11.2026", id="de-AT"),
    pytest.param("xx", "€84.70", "Nov 18, 2026", id="unknown-language-english"),
])
def test_amounts_and_dates_in_the_mails_language(language: str, amount: str, day: str) -> None:
    from datetime import date
    from decimal import Decimal

    use = filters(language)
    assert use["money"](Decimal("84.70"), "EUR") == amount
    assert use["date"](date(2026, 11, 18)) == day


def test_tracking_mails_in_german_and_english(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = mailing(workspace, port, shop_name="Kaffee & Co.")
    drop(config, SHIPMENTS)
    run_flow(config, "shipments", "csv")
    mails = {m["To"]: m for m in (message_from_bytes(raw, policy=policy.SMTP) for raw in inbox.messages)}
    german = mails["j.mueller-luedenscheidt@example.de"]
    english = mails["katrin.schulze@example.com"]
    assert (german["Subject"], german["Content-Language"]) == ("Ihre Bestellung 10001 ist unterwegs", "de")
    assert (english["Subject"], english["Content-Language"]) == ("Your order 10002 is on its way", "en")
    assert german["Message-ID"].endswith("@kaffee-co.example.de>") and ".." not in german["Message-ID"]
    assert "Versanddatum: 21.11.2026" in german.get_body(("plain",)).get_content()
    assert "Shipped on: Nov 21, 2026" in english.get_body(("plain",)).get_content()
    for mail in mails.values():
        print(*(f"{name}: {mail[name]}" for name in ("To", "Subject", "Content-Language", "Message-ID")), sep="\n")


def test_the_report_on_disk_has_the_send_results(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    inbox.refuse = 1
    config = mailing(workspace, port, shop_name="Kaffee & Co.")
    drop(config, SHIPMENTS)
    report = run_flow(config, "shipments", "csv")
    assert report.report_file is not None
    on_disk = json.loads(Path(report.report_file).read_text(encoding="utf-8"))
    assert on_disk["notes"] == report.notes
    assert any(n.startswith("mails: 2 sent now") for n in on_disk["notes"])
    assert any(n.startswith("mail not sent, will be retried:") and "451" in n for n in on_disk["notes"])
    assert not list(Path(report.report_file).parent.glob(".*.part"))
    ledger = Ledger(config.folder("state"))
    try:  # one report: the ledger's copy is the file's text, mail notes included
        assert ledger.run_report(report.run_id) == Path(report.report_file).read_text(encoding="utf-8")
    finally:
        ledger.close()


def test_bundled_templates_format_amounts(tmp_path: Path) -> None:
    from datetime import datetime
    from decimal import Decimal

    context = {"name": "Katrin Schulze", "order_id": "10002", "order_date": datetime(2026, 11, 18, 21, 47),
               "amount": Decimal("84.70"), "currency": "EUR", "level": 1, "method_name": "PayPal",
               "payment_url": "https://pay.example/10002"}
    lines = {}
    for language in ("de", "en"):
        message = render((bundled("templates"),), "payment_request", language, SETTINGS, "k@example.de", context,
                         message_id("payment_request:10002-1", SETTINGS.sender))
        lines[language] = next(line for line in message.get_body(("plain",)).get_content().splitlines()
                               if "10002" in line and "2026" in line)
    assert "84,70\xa0€" in lines["de"] and "vom 18.11.2026" in lines["de"]
    assert "€84.70" in lines["en"] and "of Nov 18, 2026" in lines["en"]
    print(lines)


@pytest.mark.parametrize("key", ["payment_request:ª-1", "tracking:LS-5²", "payment_request:Ø 10002-1"])
def test_a_message_id_is_ascii_whatever_the_key_holds(key: str) -> None:
    # An order number with a letter outside ASCII ended the run: the header could not be written.
    made = message_id(key, SETTINGS.sender)
    assert made.isascii() and ".." not in made and made.endswith("@kaffee-co.example.de>")
    assert message_id(key, SETTINGS.sender) == made
