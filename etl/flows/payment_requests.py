"""Payment requests (Zahlungsaufforderung): open shop orders -> a mail with the payment link.

Where "open" comes from: the shop's export of open orders (mappings/shop/payment_requests.yaml:
order, customer, payment method, payment status, order status, amount), read fresh each time, since
a payment status changes after the order was imported. Due are orders whose payment status and order
status the layout calls open, paid with a method `payment_requests.methods` of etl.yaml names (an online
one, with its URL template), in an allowed store, and only when `payment_requests.enabled` is set.
Everything else is skipped with the reason. Each order gets one request per reminder level
(`reminder_days`); the ledger and the mail queue keep that exactly once. Open orders are remembered
(`payment_state.py`), so a run with no new export sends the reminders that fell due since.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from etl.config import Config
from etl.extract import RawTable
from etl.flows.customers import EMAIL
from etl.flows.flow import Flow
from etl.load.media import secret_key
from etl.shared.model import schema
from etl.shared.records import Chunk, Neutral, Prepared
from etl.shared.rejects import Reject
from etl.state import payments as payment_state
from etl.state.ledger import Ledger
from etl.transform.layout import SourceLayout
from etl.transform.source import read_entity


def extract_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """The open-orders export as one chunk of candidate requests."""
    yield read_entity(layout, tables, run_id, "payment_requests", "order_id")


def level(order_date: datetime | None, last: tuple[int, date] | None, reminder_days: list[int], day: date) -> int:
    """The level due on `day` (0: none): the first mail is level 1, due `reminder_days[0]` days after the
    order; level n+1 is due when the days between the levels' `reminder_days` have passed since mail n."""
    days = sorted(reminder_days) or [0]
    if last is None:
        start = order_date.date() if order_date else day
        return 1 if (day - start).days >= days[0] else 0
    mailed, mailed_on = last
    if mailed >= len(days):
        return 0
    return mailed + 1 if (day - mailed_on).days >= days[mailed] - days[mailed - 1] else 0


def _why_not(config: Config, layout: SourceLayout, row: dict[str, Any]) -> str | None:
    settings = config.payment_requests
    if not settings.enabled:
        return "payment requests are off (payment_requests.enabled in etl.yaml)"
    if row["payment_status"] not in layout.options.get("open_payment", ["open"]):
        return f"payment {row['payment_status'] or 'status unknown'}"
    if row["status"] in layout.options.get("closed_orders", ["cancelled"]):
        return f"order {row['status']}"
    if row["payment_type"] not in settings.methods:
        return f"{row['payment_type'] or row['payment_code']}: no online payment method of etl.yaml"
    if settings.stores and row["store_id"] not in settings.stores:
        return f"store {row['store_id']} not allowed"
    return None


def prepare(config: Config, layout: SourceLayout, ledger: Ledger, neutral: Neutral) -> Prepared:
    """Due requests with level and payment link; the rest skipped (with why) or refused (no e-mail)."""
    settings = config.payment_requests
    key = secret_key(config.folder("state"))
    day = payment_state.today()
    rows = neutral["payment_requests"].to_pylist()
    last = payment_state.last_mails(config.folder("state"), ledger, [r["order_id"] for r in rows])
    due: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    skipped: dict[str, list[str]] = {}
    for row in rows:
        reason = _why_not(config, layout, row)
        row["level"] = level(row["order_date"], last.get(row["order_id"]), settings.reminder_days, day)
        if reason is None and row["level"] == 0:
            done = last.get(row["order_id"], (0, day))[0] >= len(settings.reminder_days or [0])
            reason = "every reminder sent" if done else "next reminder not due yet"
        if reason is None and not row["email"] and row["_file"] == payment_state.REMEMBERED:
            reason = "no e-mail address (refused when its export was read)"  # not refused again every run
        if reason:
            skipped.setdefault(reason, []).append(row["order_id"])
        elif not row["email"]:
            rejects.append(Reject(row["_file"], row["_line"], row["order_id"], "customers_email_address", None,
                                  "no-email"))
        elif not re.match(EMAIL, row["email"].strip()):  # a mail to it could not even be written
            rejects.append(Reject(row["_file"], row["_line"], row["order_id"], "customers_email_address",
                                  row["email"], "invalid-email"))
        else:
            row["request_id"] = f"{row['order_id']}-{row['level']}"
            row["payment_url"] = payment_url(settings.methods[row["payment_type"]].url, row, key)
            due.append(row)
    notes = [f"{len(ids)} orders without payment request: {why} ({', '.join(ids[:5])}{', …' if len(ids) > 5 else ''})"
             for why, ids in skipped.items()]
    return Prepared({"payment_requests": pa.Table.from_pylist(due, schema("payment_requests"))}, rejects,
                    sum(len(ids) for ids in skipped.values()), notes)


def payment_url(template: str, row: dict[str, Any], key: bytes) -> str:
    """The method's URL template filled with URL-encoded values and a token the pay page can check."""
    amount = f"{row['amount']:.2f}"
    token = hmac.new(key, f"{row['order_id']}|{amount}|{row['currency']}".encode(), hashlib.sha256).hexdigest()[:32]
    values = {"order_id": row["order_id"], "amount": amount, "currency": row["currency"] or "", "email": row["email"],
              "level": str(row["level"]), "language": row["language"] or "", "token": token}
    return template.format_map({k: quote(v or "", safe="") for k, v in values.items()})


FLOW = Flow(name="payment-requests", module="Zahlungsaufforderung", direction="shop -> customer",
            source="shop/payment_requests.yaml", target="mail/payment_requests.yaml", outbox="mail",
            unit="payment requests", extract_tables=extract_tables, prepare=prepare, once_per_record=True,
            mails="payment_request", recall=payment_state.recall, memory=payment_state.PaymentMemory)
