"""Invoices by email: each user's forwarding address, and the use case that turns a received
message into invoices, the same way an upload does, and answers in its thread.

The ways mail comes in (the SMTP receiver of ``serve``, IMAP polling, SES on AWS) only parse
their envelope and call ``receive`` (or ``receive_from_sender``), so they all behave alike.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from billify.domain import notifications
from billify.domain.inbound import (
    MAIL_MEMORY,
    InboundMail,
    MailFile,
    MailThread,
    Skipped,
    read_mail,
)
from billify.domain.models import Invoice, Uploader
from billify.domain.uploads import Upload, UploadRejected, validate_upload
from billify.ports import AccessStore, Clock, InboxStore, InvoiceRepository, Mailer, TextPrinter
from billify.services import Submitted

log = logging.getLogger(__name__)

# Messages one address takes per hour; more is refused for now (SMTP 452: the sender's server
# tries again later), so a flood costs a bounded amount of work.
MESSAGES_PER_HOUR = 60
HOUR = dt.timedelta(hours=1)
NO_FILE = Skipped("your email", "no PDF or picture is attached, and its text holds no amount")


class MailRefused(Exception):
    """The message is not taken. ``permanent``: do not try again (SMTP 5xx), else later (4xx)."""

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Inbox:
    """What receiving mail needs. ``submit`` is the upload step (checks, store, queue) with
    the message's thread, so the invoice's notice is a reply."""

    store: InboxStore
    access: AccessStore
    repository: InvoiceRepository
    mailer: Mailer
    clock: Clock
    printer: TextPrinter
    submit: Callable[[Upload, MailThread | None], Submitted]
    domain: str | None = None  # BILLIFY_INBOUND_DOMAIN; None: no forwarding addresses
    public_url: str = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Received:
    """What became of one message for one user."""

    owner: str
    invoices: tuple[Invoice, ...] = ()
    duplicates: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    answered: bool = False  # a reply about the message itself was sent
    again: bool = False  # received before: nothing done


# -- forwarding addresses ----------------------------------------------------------------------


def new_token() -> str:
    """80 random bits, lower-case base32: short enough to type, too many to guess."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def inbound_address(email: str, deps: Inbox) -> str | None:
    """The user's forwarding address, made on first ask; None when no domain is set."""
    if not deps.domain:
        return None
    token = deps.store.inbound_token(email) or deps.store.ensure_inbound_token(
        email, new_token(), deps.clock.now()
    )
    return f"{token}@{deps.domain}"


def new_inbound_address(email: str, deps: Inbox) -> str | None:
    """A new forwarding address for the user; the old one is refused from now on."""
    if not deps.domain:
        return None
    token = new_token()
    deps.store.replace_inbound_token(email, token, deps.clock.now())
    return f"{token}@{deps.domain}"


def owner_of(recipient: str, deps: Inbox) -> str | None:
    """The user a recipient address belongs to, or None (unknown, replaced, other domain).
    ``token+anything@domain`` is the token's too (a person's own tag)."""
    local, at, domain = recipient.strip().strip("<>").rpartition("@")
    if not at or not deps.domain or domain.lower() != deps.domain.lower():
        return None
    token = local.split("+", 1)[0].lower()
    return deps.store.token_owner(token) if token else None


# -- receiving ---------------------------------------------------------------------------------


def receive(raw: bytes, owners: Sequence[str], deps: Inbox) -> list[Received]:
    """A message delivered to these users' addresses (already resolved by ``owner_of``):
    each user's invoices queued, a reply where something was not read. Returns once all is
    durable, so the transport may then acknowledge the message. Raises ``MailRefused`` for a
    user over the hourly limit (nothing done for any)."""
    mail = read_mail(raw)
    owners = list(dict.fromkeys(owners))
    fresh = [o for o in owners if not deps.store.mail_received(mail.key(o), deps.clock.now())]
    for owner in fresh:
        _within_limit(owner, deps)
    results = [Received(owner, again=True) for owner in owners if owner not in fresh]
    return results + [_take(mail, owner, deps) for owner in fresh]


def receive_from_sender(raw: bytes, deps: Inbox) -> Received | None:
    """A message found in a shared mailbox (IMAP): it is its sender's, when the sender is a
    known user (has signed in or confirmed) and the receiving server did not find the From
    forged (``Authentication-Results``); else None and nothing is done."""
    mail = read_mail(raw)
    sender = mail.sender_email
    if sender is None or not deps.repository.recipient_confirmed(sender):
        log.info("mail from unknown sender %r ignored", sender)
        return None
    if mail.sender_forged:  # anyone can write a known user's address in From
        log.warning("mail claiming to be from %s failed %s: ignored", sender, mail.authentication)
        return None
    if deps.store.mail_received(mail.key(sender), deps.clock.now()):
        return Received(sender, again=True)
    _within_limit(sender, deps)
    return _take(mail, sender, deps)


def _within_limit(owner: str, deps: Inbox) -> None:
    now = deps.clock.now()
    window = now.replace(minute=0, second=0, microsecond=0)
    if deps.access.count_attempt(f"inbound:{owner}", window, HOUR) > MESSAGES_PER_HOUR:
        raise MailRefused(
            f"more than {MESSAGES_PER_HOUR} messages to this address this hour; try later",
            permanent=False,
        )


@dataclass
class _Tally:
    invoices: list[Invoice] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _take(mail: InboundMail, owner: str, deps: Inbox) -> Received:
    uploader = Uploader(_name(mail, owner), owner)
    thread = mail.thread if mail.thread.message_id else None
    tally = _Tally(skipped=list(mail.skipped))
    for file in mail.files:
        _submit(file, uploader, thread, tally, deps)
    if not tally.invoices and not tally.duplicates:
        if mail.body_has_amount:  # an HTML receipt: the email's text is the invoice
            _submit(_printed_body(mail, deps), uploader, thread, tally, deps)
        elif not tally.skipped:
            tally.skipped.append(NO_FILE)
    answered = bool(tally.skipped or tally.duplicates)
    if answered:
        reply = notifications.mail_read_notice(
            uploader,
            mail.key(owner),
            accepted=len(tally.invoices),
            skipped=tally.skipped,
            duplicates=tally.duplicates,
            page=deps.public_url,
        )
        try:
            deps.mailer.send(reply.as_reply(thread))
        except Exception:
            if not tally.invoices:
                raise  # nothing done yet: the message is taken again later, and answered then
            # Its invoices are queued (their notices will come); taking the message again
            # would only answer that they are in Billify already.
            log.exception("the reply about mail %s could not be sent", mail.thread.message_id)
    deps.store.record_mail(mail.key(owner), deps.clock.now(), MAIL_MEMORY)
    log.info(
        "mail %s for %s: %d invoice(s), %d duplicate(s), %d skipped",
        mail.thread.message_id or mail.raw_hash[:12],
        owner,
        len(tally.invoices),
        len(tally.duplicates),
        len(tally.skipped),
    )
    return Received(
        owner,
        tuple(tally.invoices),
        tuple(tally.duplicates),
        tuple(tally.skipped),
        answered=answered,
    )


def _submit(
    file: MailFile, uploader: Uploader, thread: MailThread | None, tally: _Tally, deps: Inbox
) -> None:
    what = file.filename or "an attachment"
    try:
        upload = validate_upload(uploader.name, uploader.email, file.content, file.filename)
        submitted = deps.submit(upload, thread)
    except UploadRejected as error:
        tally.skipped.append(Skipped(what, error.message))
        return
    if submitted.duplicate:
        tally.duplicates.append(what)
    else:
        tally.invoices.append(submitted.invoice)


def _printed_body(mail: InboundMail, deps: Inbox) -> MailFile:
    title = mail.thread.subject or "Receipt"
    pdf = deps.printer.print_rows(mail.body_rows, title)
    stem = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in title)
    return MailFile(f"{' '.join(stem.split())[:80] or 'receipt'}.pdf", pdf)


def _name(mail: InboundMail, owner: str) -> str:
    """The person's name as their own mail gives it, else their address's local part."""
    if mail.sender_email == owner and mail.sender_name:
        return mail.sender_name
    return owner.split("@", 1)[0]
