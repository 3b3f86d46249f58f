"""Queued mails rendered with the settings at send time: sender, reply-to and the shop name in the text.

A mail keeps what it is rendered from (its language and context, as typed JSON) in the queue. Before it
is sent, it is rendered again if etl.yaml's mail settings changed since (or it was held: queued while
no sender and shop name were set), and its `.eml` in outbox/mail/ is replaced by what goes out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from etl.config.mail import MailSettings
from etl.mail.render import message_id, render
from etl.os_compat import write_atomic
from etl.state.mail_queue import Mail, MailQueue

_TYPES: dict[str, Callable[[str], Any]] = {"decimal": Decimal, "date": date.fromisoformat,
                                           "datetime": datetime.fromisoformat}


def fingerprint(settings: MailSettings) -> str:
    """What a rendered mail depends on in etl.yaml, as a short hash."""
    used = [settings.sender, settings.reply_to, settings.shop_name, settings.default_language]
    return hashlib.sha256(json.dumps(used).encode()).hexdigest()[:16]


def _typed(value: Any) -> Any:
    """A value JSON cannot hold as it is, tagged with its type (money stays exact)."""
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    raise TypeError(f"a mail context cannot keep {type(value).__name__}")


def _untyped(value: dict[str, Any]) -> Any:
    return _TYPES[value["$"]](value["v"]) if set(value) == {"$", "v"} and value["$"] in _TYPES else value


def dump_context(context: dict[str, Any]) -> str:
    """The template context as JSON, amounts and dates with their types."""
    return json.dumps(context, default=_typed, ensure_ascii=False, sort_keys=True)


def load_context(text: str) -> dict[str, Any]:
    """The template context `dump_context` kept."""
    loaded: dict[str, Any] = json.loads(text, object_hook=_untyped)
    return loaded


def up_to_date(queue: MailQueue, mail: Mail, settings: MailSettings, templates: tuple[Path, ...]) -> Mail:
    """`mail` rendered with the settings of now (kept in the queue and as its `.eml`), unless it is already."""
    now = fingerprint(settings)
    if mail.context is None or mail.rendered_with == now:
        return mail
    message = render(templates, mail.kind, mail.language or settings.default_language, settings, mail.recipient,
                     load_context(mail.context), message_id(mail.key, settings.sender))
    data = message.as_bytes()
    if mail.eml:  # outbox/mail/ holds each mail as it goes out
        Path(mail.eml).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(Path(mail.eml), data)
    queue.rendered(mail.key, data, now)
    return dataclasses.replace(mail, message=data, rendered_with=now)
