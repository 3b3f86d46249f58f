"""Render a notification mail from Jinja templates in the sandbox: subject, plain text and HTML."""

from __future__ import annotations

from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from etl.config.mail import MailSettings
from etl.mail.formats import filters
from etl.shared.errors import UsageError


def mail_env(templates: tuple[Path, ...]) -> tuple[SandboxedEnvironment, SandboxedEnvironment]:
    """Sandboxed environments for text (no escaping) and HTML (autoescaped) mail templates."""
    loader = FileSystemLoader([str(p / "mail") for p in templates])
    text = SandboxedEnvironment(loader=loader, undefined=StrictUndefined, autoescape=False)
    html = SandboxedEnvironment(loader=loader, undefined=StrictUndefined, autoescape=True)
    return text, html


def render(templates: tuple[Path, ...], kind: str, language: str, settings: MailSettings,
           to: str, context: dict[str, Any], message_id: str) -> EmailMessage:
    """An RFC 5322 message in `language` (else the default language) for template set `kind`."""
    return Renderer(templates).render(kind, language, settings, to, context, message_id)


class Renderer:
    """Renders the mails of one batch: each language's environments made, each template compiled, once."""

    def __init__(self, templates: tuple[Path, ...]) -> None:
        self.templates = templates
        self.envs: dict[str, tuple[SandboxedEnvironment, SandboxedEnvironment]] = {}

    def _envs(self, lang: str) -> tuple[SandboxedEnvironment, SandboxedEnvironment]:
        if lang not in self.envs:
            text_env, html_env = mail_env(self.templates)
            text_env.filters.update(filters(lang))
            html_env.filters.update(filters(lang))
            self.envs[lang] = text_env, html_env
        return self.envs[lang]

    def render(self, kind: str, language: str, settings: MailSettings, to: str, context: dict[str, Any],
               message_id: str) -> EmailMessage:
        """An RFC 5322 message in `language` (else the default language) for template set `kind`."""
        context = {**context, "shop_name": settings.shop_name}
        for lang in dict.fromkeys([language, settings.default_language]):
            text_env, html_env = self._envs(lang)
            try:
                subject = text_env.get_template(f"{lang}/{kind}.subject.j2").render(context).strip()
                body = text_env.get_template(f"{lang}/{kind}.txt.j2").render(context)
                html = html_env.get_template(f"{lang}/{kind}.html.j2").render(context)
                break
            except TemplateNotFound:
                continue
        else:
            raise UsageError(f"no mail templates '{kind}' for language {language} or {settings.default_language} "
                             f"(looked in the mail/ folder of {', '.join(str(p) for p in self.templates)})")
        message = EmailMessage()
        message.set_raw("Subject", fold_subject(subject))
        message["From"] = settings.sender
        message["To"] = to
        if settings.reply_to:
            message["Reply-To"] = settings.reply_to
        message["Date"] = format_datetime(datetime.now().astimezone())
        message["Message-ID"] = message_id
        message.set_content(body)
        message.add_alternative(html, subtype="html")
        message["Content-Language"] = lang  # after set_content, which drops every Content-* header
        return message


def message_id(key: str, sender: str) -> str:
    """A Message-ID that is the same for the same mail key, so that a duplicate can be recognised."""
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    # ASCII only: a header holds no other bytes ('ª' and '²' are alphanumeric to Python)
    safe = "".join(c if (c.isascii() and c.isalnum()) or c == "-" else "." for c in key)
    # RFC 5322 dot-atom: no empty atoms ("..", a leading or trailing dot), or strict parsers refuse it
    return f"<{'.'.join(part for part in safe.split('.') if part)}@{domain}>"


def fold_subject(subject: str) -> str:
    """The Subject folded as RFC 2047 encoded words when it is not plain ASCII.

    The email package's own refolding drops the space between an ASCII word and a following encoded
    word ("Co.  RöstereiMüller" after decoding), so a non-ASCII subject is encoded and folded here, in
    lines short enough that nothing (saving, or sending under policy.SMTP) folds it again.
    """
    subject = " ".join(subject.split())
    if subject.isascii():
        return subject
    return Header(subject, "utf-8", header_name="Subject").encode()
