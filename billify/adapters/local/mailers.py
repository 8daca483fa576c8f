"""Email transports for one machine: SMTP, or ``.eml`` files in an outbox folder."""

from __future__ import annotations

import re
import smtplib
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Literal

from billify.adapters.local.files import write_all_durably, write_durably
from billify.adapters.sending import send_each
from billify.domain.emails import OutgoingEmail, to_mime

TlsMode = Literal["none", "starttls", "ssl"]


class OutboxMailer:
    """Writes each email to ``<outbox>/<key>.eml``. Writing the same key twice overwrites the
    same file, so a redelivered message never leaves two copies."""

    replaces_duplicates = True

    def __init__(self, outbox: Path, sender: str) -> None:
        self.outbox = outbox
        self.sender = sender
        outbox.mkdir(parents=True, exist_ok=True)

    def send(self, email: OutgoingEmail) -> None:
        write_durably(*self._file(email))

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[Exception | None]:
        # All or nothing: one sync for the batch is what makes a month of reports cheap.
        try:
            write_all_durably([self._file(email) for email in emails])
        except Exception as error:
            return [error] * len(emails)
        return [None] * len(emails)

    def _file(self, email: OutgoingEmail) -> tuple[Path, bytes]:
        filename = re.sub(r"[^A-Za-z0-9._-]+", "_", email.key) + ".eml"
        return self.outbox / filename, to_mime(email, self.sender).as_bytes()


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
    A thread keeps its connection open across messages (a month of reports is one session)
    and opens a new one when the server has dropped it.
    """

    replaces_duplicates = False  # a second delivery is a second email: record each at once

    def __init__(self, settings: SmtpSettings, sender: str) -> None:
        self.settings = settings
        self.sender = sender
        self._local = threading.local()

    def send(self, email: OutgoingEmail) -> None:
        message = to_mime(email, self.sender)
        smtp, fresh = self._connection()
        try:
            smtp.send_message(message)
        except smtplib.SMTPServerDisconnected as error:
            self._resend(message, fresh, error)
        except smtplib.SMTPException:  # (an OSError too) refused: the session goes on
            self._reset()
            raise
        except OSError as error:
            self._resend(message, fresh, error)
        self._local.used = time.monotonic()

    def _resend(self, message: Message, fresh: bool, error: OSError) -> None:
        """The session was dropped: on a reused one (idle too long), once more on a new one."""
        self._drop()
        if fresh:
            raise error
        self._connection()[0].send_message(message)

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[Exception | None]:
        return send_each(self, emails)

    def close(self) -> None:
        self._drop()

    def _connection(self) -> tuple[smtplib.SMTP, bool]:
        """This thread's open session (and whether it was opened just now)."""
        smtp: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        if smtp is not None and time.monotonic() - self._local.used < _IDLE_SECONDS:
            return smtp, False
        self._drop()
        self._local.smtp = self._connect()
        self._local.used = time.monotonic()
        return self._local.smtp, True

    def _reset(self) -> None:
        smtp: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        try:
            if smtp is not None:
                smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        smtp: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):  # a rude close is fine: nothing is pending
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.tls == "ssl":
            smtp = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp


# Servers drop sessions idle for a minute or more; an older one is replaced before use.
_IDLE_SECONDS = 30.0
