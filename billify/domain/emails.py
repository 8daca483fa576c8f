"""Email content: what a user is told per invoice and once a month. Transport lives in adapters.

Templates are Jinja2 with autoescape on for HTML, so user-supplied and extracted text is escaped.
Headers are built with the stdlib's ``email`` package, which refuses CR/LF in header values.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass, field, replace
from email import policy
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from billify.domain.inbound import MailThread
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
    # The received message this answers (In-Reply-To, References): the reply is threaded.
    thread: MailThread | None = None

    def as_reply(self, thread: MailThread | None) -> OutgoingEmail:
        """This email as the answer in ``thread``: same key, the thread's subject."""
        if thread is None:
            return self
        return replace(self, subject=thread.reply_subject(self.subject), thread=thread)

    @property
    def message_id(self) -> str:
        """Stable per key, so a resend after a crash is recognisable as the same message."""
        digest = hashlib.sha256(self.key.encode()).hexdigest()[:32]
        return f"<{digest}@billify>"


class _Headers(HeaderRegistry):
    """The default header registry without its two repeated costs, which made most of the cost
    of a report's MIME message: it builds a new class (``type()``) for every header it parses,
    and it parses the same Content-Type, Content-Transfer-Encoding, MIME-Version... texts in
    every message. Here each name's class is built once and a text's parse is reused (header
    objects are immutable). Parsing, checks and folding are the stdlib's, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self._types: dict[str, type[BaseHeader]] = {}
        self._parse_text = functools.lru_cache(maxsize=512)(self._parse)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if key not in self._types:
            self._types[key] = super().__getitem__(name)
        return self._types[key]

    def __call__(self, name: str, value: Any) -> BaseHeader:
        if isinstance(value, str):
            return self._parse_text(name, value)
        return super().__call__(name, value)

    def _parse(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, value)


POLICY = policy.default.clone(header_factory=_Headers())


def to_mime(email: OutgoingEmail, sender: str, date: dt.datetime | None = None) -> EmailMessage:
    """Build the MIME message: text/plain with an HTML alternative, then any attachments."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = Address(display_name=email.to.name, addr_spec=email.to.email)
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(date or dt.datetime.now(dt.UTC))
    message["X-Billify-Key"] = email.key
    if email.thread is not None and email.thread.message_id:
        message["In-Reply-To"] = email.thread.message_id
        message["References"] = " ".join(email.thread.reply_references)
    message.set_content(email.text)
    message.make_alternative(boundary=_boundary(email))
    message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        _attach(message, attachment, email)
    return message


def _boundary(email: OutgoingEmail) -> str:
    """A fresh multipart boundary, set before generation: otherwise the generator picks one and
    then scans the whole encoded message for it with a regex, once per multipart (the costliest
    step of ``as_bytes``). ``=`` never appears bare in quoted-printable text and ``-`` never in
    base64, so only text sent as is could hold it: the texts are checked."""
    while True:
        boundary = "=" * 15 + secrets.token_hex(9) + "=="
        if boundary not in email.text and boundary not in email.html:
            return boundary


def _attach(message: EmailMessage, attachment: Attachment, email: OutgoingEmail) -> None:
    maintype, subtype = attachment.mime_type.split("/", 1)
    if attachment.content_id:
        html_part = message.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.make_related(boundary=_boundary(email))  # what add_related does, boundary set
        html_part.add_related(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            cid=f"<{attachment.content_id}>",
            filename=attachment.filename,
            disposition="inline",  # shown in the body, not listed among the attachments
        )
        return
    if message.get_content_subtype() != "mixed":  # as add_attachment would, boundary set
        message.make_mixed(boundary=_boundary(email))
    message.add_attachment(
        attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
    )
