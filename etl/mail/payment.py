"""Payment-request mails: one per open order and reminder level, with the payment link."""

from __future__ import annotations

from etl.mail.batch import MailBatch
from etl.shared.records import Neutral

KIND = "payment_request"


class PaymentMails(MailBatch):
    """The payment requests of one run, each queued once (key: order and reminder level)."""

    kind = KIND

    def take(self, neutral: Neutral, written: set[str]) -> None:
        """Render a mail for every request among `written` not mailed before."""
        if not self.config.mail.enabled or "payment_requests" not in neutral:
            return
        methods = self.config.payment_requests.methods
        for request in neutral["payment_requests"].to_pylist():
            key = f"{KIND}:{request['request_id']}"
            if request["request_id"] not in written or not request["email"] or not self.is_new(key):
                continue
            method = methods.get(request["payment_type"])
            context = {**request, "name": request["customer_name"] or "",
                       "method_name": (method.name if method else "") or request["payment_type"],
                       "amount": request["amount"]}
            self.add(key, request["language"], request["email"], context, request["request_id"])
