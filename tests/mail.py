"""Email messages for the invoices-by-email tests, built with the stdlib's ``email`` package."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid

from tests.conftest import MINIMAL_PDF


def mail_bytes(
    to: str,
    *,
    sender: str = "Ana Lima <ana@example.com>",
    subject: str = "Fwd: your invoice",
    text: str = "See attached.",
    html: str | None = None,
    files: Sequence[tuple[str, bytes, str]] = (("invoice.pdf", MINIMAL_PDF, "application/pdf"),),
    message_id: str | None = None,
    inline: Sequence[tuple[str, bytes, str]] = (),
    forwarded: bytes | None = None,
) -> bytes:
    """A message as a mail client sends it: text (and HTML) body, attached ``files``
    (name, bytes, type), ``inline`` pictures in the HTML, a ``forwarded`` message attached."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="client.example")
    message.set_content(text)
    if html is not None or inline:
        message.add_alternative(html or "<p>see below</p>", subtype="html")
        body = message.get_body(("html",))
        assert isinstance(body, EmailMessage)
        for name, content, media_type in inline:
            maintype, subtype = media_type.split("/")
            body.add_related(
                content, maintype, subtype, cid=make_msgid(), filename=name, disposition="inline"
            )
    for name, content, media_type in files:
        maintype, subtype = media_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    if forwarded is not None:
        from email import message_from_bytes, policy

        message.add_attachment(message_from_bytes(forwarded, policy=policy.default))
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))  # as on the wire
