"""Email transports for one machine: SMTP, or ``.eml`` files in an outbox folder."""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from billify.adapters.local.files import write_durably
from billify.domain.emails import OutgoingEmail, to_mime

TlsMode = Literal["none", "starttls", "ssl"]


class OutboxMailer:
    """Writes each email to ``<outbox>/<key>.eml``. Writing the same key twice overwrites the
    same file, so a redelivered message never leaves two copies."""

    def __init__(self, outbox: Path, sender: str) -> None:
        self.outbox = outbox
        self.sender = sender
        outbox.mkdir(parents=True, exist_ok=True)

    def send(self, email: OutgoingEmail) -> None:
        filename = re.sub(r"[^A-Za-z0-9._-]+", "_", email.key) + ".eml"
        write_durably(self.outbox / filename, to_mime(email, self.sender).as_bytes())


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: TlsMode = "none"
    timeout: float = 30.0


class SmtpMailer:
    """Sends through an SMTP server; raises on any refusal so the caller can retry later.

    Each message carries a Message-ID derived from its key, so if a crash lands between the
    server's acceptance and our record of it, the resend is recognisable as the same message.
    """

    def __init__(self, settings: SmtpSettings, sender: str) -> None:
        self.settings = settings
        self.sender = sender

    def send(self, email: OutgoingEmail) -> None:
        message = to_mime(email, self.sender)
        with self._connect() as smtp:
            if self.settings.username:
                smtp.login(self.settings.username, self.settings.password or "")
            smtp.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.tls == "ssl":
            return smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp
