"""The SMTP receiver of ``billify serve`` (aiosmtpd): an MTA or a forwarding rule delivers the
users' mail here. Unknown addresses are refused at RCPT TO; a message is answered 250 only once
its invoices are durably queued (``inbox.receive``), so the sender keeps it until then."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from billify import inbox
from billify.domain.inbound import MAX_MESSAGE_BYTES

log = logging.getLogger(__name__)

# Recipients of one message; more are refused with 452 (RFC 5321 lets the client send the
# rest in another transaction).
MAX_RECIPIENTS = 10


class InboundHandler:
    """aiosmtpd's handler: the envelope checked against the users' addresses, the message
    handed to the inbox. The inbox's stores block, so they run in threads."""

    def __init__(self, deps: Callable[[], inbox.Inbox]) -> None:
        self._deps = deps

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            owner = await asyncio.to_thread(inbox.owner_of, address, self._deps())
        except Exception:
            log.exception("looking up recipient %r failed", address)
            return "451 4.3.0 Temporary failure, try again later"
        if owner is None:
            return "550 5.1.1 No such address here"
        envelope.rcpt_tos.append(address)
        owners: list[str] = getattr(envelope, "owners", [])
        envelope.owners = [*owners, owner]  # type: ignore[attr-defined]
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        owners: list[str] = getattr(envelope, "owners", [])
        try:
            await asyncio.to_thread(inbox.receive, raw, owners, self._deps())
        except inbox.MailRefused as refused:
            code = "550 5.7.1" if refused.permanent else "452 4.2.2"
            return f"{code} {refused.message}"
        except Exception:
            # Nothing is acknowledged: the sender's server keeps the message and retries.
            log.exception("a message for %s could not be taken", owners)
            return "451 4.3.0 Temporary failure, try again later"
        return "250 2.0.0 Message accepted"


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def smtp_receiver(
    deps: Callable[[], inbox.Inbox],
    host: str,
    port: int,
    tls: ssl.SSLContext | None = None,
) -> Controller:
    """The receiver, not yet started (``start()``/``stop()``): STARTTLS offered when ``tls``
    is given; messages over the size limit refused with 552 before they are read whole."""
    return Controller(
        InboundHandler(deps),
        hostname=host,
        port=port,
        server_hostname="billify",
        ident="Billify",
        data_size_limit=MAX_MESSAGE_BYTES,
        enable_SMTPUTF8=True,
        decode_data=False,
        tls_context=tls,
        require_starttls=False,
    )
