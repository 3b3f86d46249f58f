"""The `notify:` section of etl.yaml: who hears, by mail, of what `etl watch` could not do."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Literal

from pydantic import Field, field_validator

from etl.shared.strict import Strict

Kind = Literal["failed-run", "refused-file", "set-timeout"]
KINDS: tuple[Kind, ...] = ("failed-run", "refused-file", "set-timeout")


class NotifySettings(Strict):
    """Mails to the merchant when `etl watch` refuses a file, a run fails or a set times out (mail.smtp sends them)."""

    recipients: list[str] = []  # none: no notification mail
    kinds: list[Kind] = list(KINDS)  # what is mailed
    language: Literal["de", "en"] | None = None  # default: etl.yaml's `language`
    status_url: str = "http://127.0.0.1:8080"  # where `etl serve --port 8080` answers; the page's token is added
    every_minutes: float = Field(default=60.0, gt=0)  # at most one mail per kind this often; later events wait

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        """Every recipient is a mail address (`name@host`, or `Name <name@host>`)."""
        wrong = [given for given in value if "@" not in parseaddr(given)[1]]
        if wrong:
            raise ValueError(f"not a mail address: {', '.join(wrong)}")
        return value
