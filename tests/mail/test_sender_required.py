"""No mail reaches a customer from the placeholder sender: the mail step stops, the run goes on (issue 28)."""

from __future__ import annotations

from email import message_from_bytes, policy

from etl.config import Config
from etl.i18n import translate
from etl.mail.tracking import mail_status
from etl.pipeline import run_flow
from etl.state.mail_queue import MailQueue
from tests.conftest import ORDERS, drop, run_orders
from tests.flows.test_shipments import SHIPMENTS, configure, outputs, rows
from tests.mail import mailing
from tests.smtp_server import Inbox


def _smtp(port: int) -> dict[str, object]:
    return {"host": "127.0.0.1", "port": port, "security": "none"}


def test_without_sender_and_shop_name_nothing_is_queued_and_the_shop_outputs_are_written(
        workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = configure(workspace, mail={"smtp": _smtp(port)})  # sender and shop name left at their defaults
    run_orders(config, ORDERS / "xtc_csv_cp1252")
    drop(config, SHIPMENTS)
    report = run_flow(config, "shipments", "csv")
    assert not inbox.messages and not list((config.folder("outbox") / "mail").glob("*.eml"))
    assert MailQueue(config.folder("state")).counts() == {"queued": 0, "sent": 0, "failed": 0}
    notes = [n for n in report.notes if "mail" in n]
    assert notes == ["tracking mails not queued: etl.yaml sets no mail.sender, mail.shop_name (the sender and shop "
                     "name customers see); fill them in under mail:"]
    assert translate(notes[0], "de").startswith("tracking-Mails nicht vorgemerkt: etl.yaml setzt kein mail.sender, "
                                                "mail.shop_name")
    # the rest of the run as with a sender: shop status, tracking, labels; the same exit code
    assert (report.written, report.rejected, report.status) == (5, 3, "partial")
    assert {r["delivery_note"] for r in rows(outputs(report, "_status.csv"))} == {
        "LS-50001", "LS-50002", "LS-50003", "LS-50006", "LS-50008"}
    assert len(rows(outputs(report, "_tracking.csv"))) == 5
    assert any("dhl" in o.lower() for o in report.outputs)


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
    config = mailing(workspace, port, sender="Alt <shop@alt.example.org>")
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
