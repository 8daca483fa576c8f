"""Email content: what a user is told per invoice and once a month. Transport lives in adapters.

Templates are Jinja2 with autoescape on for HTML, so user-supplied and extracted text is escaped.
Headers are built with the stdlib's ``email`` package, which refuses CR/LF in header values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from billify.domain.models import Uploader


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str
    content_id: str | None = None  # set for inline images referenced as cid: in the HTML


@dataclass(frozen=True)
class OutgoingEmail:
    """One email to send. ``key`` identifies it for exactly-once delivery (e.g. notice:<id>)."""

    key: str
    to: Uploader
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = field(default=())

    @property
    def message_id(self) -> str:
        """Stable per key, so a resend after a crash is recognisable as the same message."""
        digest = hashlib.sha256(self.key.encode()).hexdigest()[:32]
        return f"<{digest}@billify>"


def to_mime(email: OutgoingEmail, sender: str, date: dt.datetime | None = None) -> EmailMessage:
    """Build the MIME message: text/plain with an HTML alternative, then any attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=email.to.name, addr_spec=email.to.email)
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(date or dt.datetime.now(dt.UTC))
    message["X-Billify-Key"] = email.key
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        _attach(message, attachment)
    return message


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    maintype, subtype = attachment.mime_type.split("/", 1)
    if attachment.content_id:
        html_part = message.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            cid=f"<{attachment.content_id}>",
            filename=attachment.filename,
            disposition="inline",  # shown in the body, not listed among the attachments
        )
        return
    message.add_attachment(
        attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
    )
