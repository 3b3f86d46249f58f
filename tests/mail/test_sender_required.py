"""No mail reaches a customer from the placeholder sender: mails are held until etl.yaml names the sender and
shop name, then rendered with the settings of send time and sent; the run goes on (issue 28)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path

from etl.config import Config
from etl.i18n import translate
from etl.mail.tracking import mail_status
from etl.pipeline import run_flow
from etl.state.mail_queue import MailQueue
from tests.conftest import ORDERS, drop, run_orders
from tests.flows.test_payment_requests import OPEN
from tests.flows.test_payment_requests import configure as allow_payment_requests
from tests.flows.test_shipments import SHIPMENTS, configure, outputs, rows
from tests.mail import mailing
from tests.smtp_server import Inbox


def _smtp(port: int) -> dict[str, object]:
    return {"host": "127.0.0.1", "port": port, "security": "none"}


def _body(message: Message) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def test_without_sender_and_shop_name_the_mails_are_held_and_go_out_once_they_are_set(
        workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = configure(workspace, mail={"smtp": _smtp(port)})  # sender and shop name left at their defaults
    run_orders(config, ORDERS / "xtc_csv_cp1252")
    drop(config, SHIPMENTS)
    report = run_flow(config, "shipments", "csv")
    # held: queued for the shipped notes, nothing sent and nothing rendered with the placeholder
    assert not inbox.messages and not list((config.folder("outbox") / "mail").glob("*.eml"))
    assert MailQueue(config.folder("state")).counts() == {"queued": 3, "sent": 0, "failed": 0}
    notes = [n for n in report.notes if "mail" in n]
    assert notes == ["tracking mails held: 3 queued, not sent while etl.yaml sets no mail.sender, mail.shop_name "
                     "(the sender and shop name customers see); fill them in under mail: and they go out with "
                     "the next run or `etl mail`"]
    assert translate(notes[0], "de").startswith("tracking-Mails zurückgehalten: 3 vorgemerkt")
    # the rest of the run as with a sender: shop status, tracking, labels; the same exit code
    assert (report.written, report.rejected, report.status) == (5, 3, "partial")
    assert {r["delivery_note"] for r in rows(outputs(report, "_status.csv"))} == {
        "LS-50001", "LS-50002", "LS-50003", "LS-50006", "LS-50008"}
    assert len(rows(outputs(report, "_tracking.csv"))) == 5
    assert any("dhl" in o.lower() for o in report.outputs)
    lines, _ = mail_status(config)  # `etl mail` while still unset: nothing goes out
    assert lines[0].startswith("mails not sent: etl.yaml sets no mail.sender, mail.shop_name") and not inbox.messages

    fixed = configure(config, mail={"sender": "Kaffee & Co. <versand@kaffee-co.example.de>",
                                    "shop_name": "Kaffee & Co.", "smtp": _smtp(port)})
    lines, failing = mail_status(fixed)
    assert not failing and len(inbox.messages) == 3, lines
    saved = sorted((config.folder("outbox") / "mail").glob("*.eml"))
    assert len(saved) == 3  # outbox/mail/ holds what went out
    for raw in inbox.messages:
        message = message_from_bytes(raw, policy=policy.default)
        assert message["From"].addresses[0].addr_spec == "versand@kaffee-co.example.de"
        assert "Kaffee & Co." in _body(message)
        assert "Unser Shop" not in raw.decode("utf-8", "replace")
    assert {message_from_bytes(p.read_bytes(), policy=policy.default)["Message-ID"] for p in saved} == {
        message_from_bytes(raw, policy=policy.default)["Message-ID"] for raw in inbox.messages}
    assert MailQueue(config.folder("state")).counts() == {"queued": 0, "sent": 3, "failed": 0}
    drop(config, SHIPMENTS)  # the same export again: no mail twice
    run_flow(fixed, "shipments", "csv")
    assert len(inbox.messages) == 3


def test_the_placeholder_address_alone_counts_as_unset(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = configure(workspace, mail={"sender": "Muster GmbH <shop@example.de>", "shop_name": "Kaffee & Co.",
                                        "smtp": _smtp(port)})
    run_orders(config, ORDERS / "xtc_csv_cp1252")
    drop(config, SHIPMENTS)
    report = run_flow(config, "shipments", "csv")
    assert not inbox.messages
    assert any("sets no mail.sender (" in n for n in report.notes)


def test_a_queued_mail_goes_out_from_the_sender_named_at_send_time(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    inbox.refuse = 3  # queued under the old sender, not delivered
    config = mailing(workspace, port, sender="Alt <shop@alt.example.org>", shop_name="Alte Rösterei")
    drop(config, SHIPMENTS)
    run_flow(config, "shipments", "csv")
    assert MailQueue(config.folder("state")).counts()["queued"] == 3 and not inbox.messages
    unset = configure(config, mail={"smtp": _smtp(port)})  # the sender removed from etl.yaml: nothing goes out
    lines, _ = mail_status(unset)
    assert lines[0] == ("mails not sent: etl.yaml sets no mail.sender, mail.shop_name; fill them in under mail: and "
                     "run `etl mail`") and not inbox.messages
    fixed = configure(config, mail={"sender": "Kaffee & Co. <versand@kaffee-co.example.de>",
                                    "shop_name": "Kaffee & Co.", "reply_to": "hilfe@kaffee-co.example.de",
                                    "smtp": _smtp(port)})
    lines, failing = mail_status(fixed)
    assert not failing and len(inbox.messages) == 3, lines
    for raw in inbox.messages:
        message = message_from_bytes(raw, policy=policy.default)
        (sender,) = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == ("Kaffee & Co.", "versand@kaffee-co.example.de")
        assert len(message.get_all("From")) == 1
        assert message["Reply-To"] == "hilfe@kaffee-co.example.de"
        # rendered with the settings of now: the shop name in the text too, not the one it was queued with
        assert "Kaffee & Co." in _body(message) and "Alte Rösterei" not in raw.decode("utf-8", "replace")


def test_a_held_payment_request_keeps_its_amount_date_and_link_exact(workspace: Config,
                                                                      smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = allow_payment_requests(workspace, port)
    unset = configure(config, mail={"smtp": _smtp(port)})
    drop(unset, OPEN)
    report = run_flow(unset, "payment-requests", "csv")
    assert report.written == 4 and not inbox.messages
    lines, failing = mail_status(allow_payment_requests(config, port))  # sender and shop name set again
    assert not failing and len(inbox.messages) == 4, lines
    paypal = next(m for m in (message_from_bytes(r, policy=policy.default) for r in inbox.messages)
                  if m["To"] == "katrin.schulze@example.com")
    text = _body(paypal)
    assert "84,70\xa0€" in text and "10002 vom 18.11.2026" in text  # Decimal and date kept through the queue
    listed = Path(next(o for o in report.outputs if o.endswith(".csv"))).read_text(encoding="utf-8")
    link = next(part for part in text.split() if "item_number=10002" in part)
    assert link in listed  # the link (and its token) the shop was given
