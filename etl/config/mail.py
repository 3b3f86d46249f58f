"""The `mail:` section of etl.yaml: sender, languages, and the SMTP server (optional)."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from typing import Literal

from pydantic import Field

from etl.config.secret import read_secret
from etl.shared.strict import Strict


class SmtpSettings(Strict):
    """How to reach the mail server; the password never sits in etl.yaml."""

    host: str
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str = ""
    password_env: str = "ETL_SMTP_PASSWORD"  # environment variable holding the password
    password_file: Path | None = None  # or a file holding it (first line), relative to etl.yaml
    timeout: float = Field(default=30.0, gt=0)

    def password(self, base: Path) -> str | None:
        """The password from the environment or the file; None when no user is set."""
        if not self.user:
            return None
        return read_secret(f"mail.smtp (user {self.user})", self.password_file, self.password_env, base)


# The defaults and the example of `etl init`'s etl.yaml: a mail from them would reach a customer unsigned.
PLACEHOLDER_SENDER = "Shop <shop@example.de>"
PLACEHOLDER_ADDRESSES = frozenset({"shop@example.de"})
PLACEHOLDER_SHOP_NAME = "Unser Shop"


class MailSettings(Strict):
    """Tracking mails: who sends them, in which languages, and over which server."""

    enabled: bool = True
    sender: str = PLACEHOLDER_SENDER
    reply_to: str = ""
    default_language: str = "de"
    shop_name: str = PLACEHOLDER_SHOP_NAME
    smtp: SmtpSettings | None = None  # None: mails are only saved as .eml in outbox/mail/
    max_attempts: int = Field(default=10, ge=1)  # then the mail stays failed until `etl mail --retry`

    def unset(self) -> list[str]:
        """The keys of `mail:` still empty or at their placeholder; no mail is queued or sent while any is."""
        address = parseaddr(self.sender)[1].strip().lower()
        missing = ["mail.sender"] if not address or address in PLACEHOLDER_ADDRESSES else []
        name = self.shop_name.strip()
        return missing + (["mail.shop_name"] if not name or name == PLACEHOLDER_SHOP_NAME else [])


class PaymentMethod(Strict):
    """An online payment method a payment request may link to."""

    name: str = ""  # shown in the mail (default: the method's key)
    # The payment link; placeholders {order_id} {amount} {currency} {email} {level} {token} {language}
    # are filled URL-encoded; {token} is an HMAC of order and amount the pay page can check.
    url: str


class PaymentRequestSettings(Strict):
    """`payment_requests:` in etl.yaml: whether, for which methods and stores, and how often."""

    enabled: bool = False  # the merchant must allow payment requests explicitly
    methods: dict[str, PaymentMethod] = {}  # neutral payment type (paypal, klarna, ogone, sofort) -> link
    stores: list[str] = []  # storefront ids allowed; empty: every store
    # Days after the order date at which reminder levels 1, 2, ... fall due (level 1 at once).
    reminder_days: list[int] = Field(default_factory=lambda: [0, 7, 14])
