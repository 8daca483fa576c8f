"""Email through Amazon SES, as the same MIME message the SMTP path sends (``to_mime``)."""

from __future__ import annotations

from typing import Any

from billify.adapters.aws.clients import client
from billify.domain.emails import OutgoingEmail, to_mime


class SesMailer:
    """SendRawEmail with our MIME bytes. SES gives no exactly-once delivery: the services record
    each notice as sent, and the message keeps our stable ``X-Billify-Key`` header."""

    def __init__(
        self, sender: str, configuration_set: str | None = None, ses: Any | None = None
    ) -> None:
        self.sender = sender
        self.configuration_set = configuration_set
        self._ses = ses or client("ses")

    def send(self, email: OutgoingEmail) -> None:
        message = to_mime(email, self.sender)
        request: dict[str, Any] = {
            "Source": self.sender,
            "Destinations": [email.to.email],
            "RawMessage": {"Data": message.as_bytes()},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        self._ses.send_raw_email(**request)
