"""Payment requests: open orders with an online method -> one mail per order and reminder level, by SMTP."""

from __future__ import annotations

import csv
import io
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import yaml

from etl.config import Config, load_config
from etl.pipeline import run_flow
from etl.validate import validate_file
from tests.conftest import DATA, drop
from tests.smtp_server import Inbox

OPEN = DATA / "payment_requests" / "offene_zahlungen.csv"
METHODS = {
    "paypal": {"name": "PayPal", "url": "https://www.paypal.com/cgi-bin/webscr?cmd=_xclick&business=shop%40kaffee-co.example.de"
                                        "&item_number={order_id}&amount={amount}&currency_code={currency}"},
    "klarna": {"name": "Klarna", "url": "https://shop.kaffee-co.example.de/pay/klarna?order={order_id}&token={token}"},
    "ogone": {"url": "https://shop.kaffee-co.example.de/pay/ogone?order={order_id}&token={token}"},
    "sofort": {"name": "Sofort", "url": "https://shop.kaffee-co.example.de/pay/sofort?order={order_id}&amount={amount}"},
}


def configure(workspace: Config, port: int | None = None, **requests: object) -> Config:
    """Payment requests allowed for stores 1 and 2, the four online methods, mails over the local server."""
    path = workspace.base / "etl.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["payment_requests"] = {"enabled": True, "stores": ["1", "2"], "reminder_days": [0], "methods": METHODS,
                                **requests}
    data["mail"] = {"sender": "Kaffee & Co. <shop@kaffee-co.example.de>", "shop_name": "Kaffee & Co.",
                    **({"smtp": {"host": "127.0.0.1", "port": port, "security": "none"}} if port else {})}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def _again(config: Config, times: int) -> None:
    """The shop exports its open orders again (a new file with the same rows)."""
    for path in drop(config, OPEN):
        path.write_bytes(path.read_bytes() + b"\n" * times)


def test_open_online_orders_get_one_mail_each(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = configure(workspace, port)
    drop(config, OPEN)
    report = run_flow(config, "payment-requests", "csv")
    assert (report.records_in, report.written, report.rejected, report.skipped) == (9, 4, 1, 4), report.rejects
    mails = [message_from_bytes(m, policy=policy.default) for m in inbox.messages]
    assert sorted(m["To"] for m in mails) == ["annalena.boehm@example.de", "j.weber@example.de",
                                              "katrin.schulze@example.com", "s.daubigne@example.fr"]
    paypal = next(m for m in mails if m["To"] == "katrin.schulze@example.com")
    text = paypal.get_body(("plain",)).get_content()
    assert "84,70\xa0€" in text and "10002 vom 18.11.2026" in text  # German amount and date (Babel)
    assert "item_number=10002&amount=84.70&currency_code=EUR" in text
    html = paypal.get_body(("html",)).get_content()
    assert "item_number=10002&amp;amount=84.70" in html  # autoescaped
    english = next(m for m in mails if m["To"] == "s.daubigne@example.fr")
    assert english["Subject"] == "Payment for your order 10008 at Kaffee & Co."
    notes = " ".join(report.notes)
    for why in ("payment paid (10012)", "order cancelled (10013)", "prepayment: no online payment method",
                "store 3 not allowed"):
        assert why in notes
    assert "no e-mail address" in report.rejects[0].reason
    assert len(list((config.folder("outbox") / "mail").glob("*.eml"))) == 4
    listed = Path(next(o for o in report.outputs if o.endswith(".csv")))
    rows = list(csv.DictReader(io.StringIO(listed.read_text(encoding="utf-8")), delimiter=";"))
    assert [(r["orders_id"], r["reminder_level"], r["payment_method"]) for r in rows] == [
        ("10002", "1", "paypal"), ("10005", "1", "klarna"), ("10008", "1", "paypal"), ("10011", "1", "sofort")]


def test_no_mail_twice(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = configure(workspace, port)
    drop(config, OPEN)
    run_flow(config, "payment-requests", "csv")
    _again(config, 1)
    again = run_flow(config, "payment-requests", "csv")
    assert (again.written, len(inbox.messages)) == (0, 4)  # reminders by the calendar: test_payment_reminders.py


def test_nothing_is_sent_unless_the_merchant_allows_it(workspace: Config, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    config = configure(workspace, port, enabled=False)
    drop(config, OPEN)
    report = run_flow(config, "payment-requests", "csv")
    assert (report.written, report.skipped, inbox.messages) == (0, 9, [])
    assert any("payment requests are off" in note for note in report.notes)


def test_the_orders_flow_does_not_take_the_open_orders_export(workspace: Config) -> None:
    drop(workspace, OPEN)
    report = run_flow(workspace, "orders", "csv")
    assert report.records_in == 0 and (workspace.folder("inbox") / OPEN.name).exists()


@pytest.mark.parametrize("fmt", ["xml", "json", "txt"])
def test_every_format(workspace: Config, fmt: str) -> None:
    config = configure(workspace)
    drop(config, OPEN)
    report = run_flow(config, "payment-requests", fmt)
    assert report.written == 4
    output = Path(next(o for o in report.outputs if o.endswith(f".{fmt}")))
    if fmt != "txt":
        assert validate_file(config, output) == []
