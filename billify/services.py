"""Use cases. Each takes the ports it needs as arguments, so local and AWS run the same code."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from billify.domain import notifications
from billify.domain.access import hash_key
from billify.domain.corrections import apply_corrections
from billify.domain.emails import OutgoingEmail
from billify.domain.models import Extraction, Invoice, InvoiceStatus, UnreadableDocument, Uploader
from billify.domain.reports import Month, Spending, spending_by_user
from billify.domain.review import ReviewThresholds
from billify.domain.uploads import Upload
from billify.ports import (
    BlobStore,
    Clock,
    Extractor,
    InvoiceMessage,
    InvoiceQueue,
    InvoiceRepository,
    Mailer,
)

log = logging.getLogger(__name__)


# An invoice still queued this long after it was received may have lost its message.
STALE = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Submitted:
    invoice: Invoice
    duplicate: bool = False


def submit_invoice(
    upload: Upload,
    *,
    blobs: BlobStore,
    queue: InvoiceQueue,
    repository: InvoiceRepository,
    clock: Clock,
    owner: str | None = None,
) -> Submitted:
    """Store the file, record the invoice as queued, queue it. Nothing is left half-done: if a
    later step fails, the earlier ones are undone and the error propagates."""
    existing = repository.find_by_hash(upload.email, upload.file_hash)
    if existing is not None and existing.owner == owner:
        if existing.status == InvoiceStatus.QUEUED and clock.now() - existing.received_at > STALE:
            # Recorded but, by a crash before its message was queued, maybe never queued:
            # queue it again (processing is idempotent, so a second message is harmless).
            queue.enqueue(InvoiceMessage(existing.id, existing.blob_key, reason="resubmitted"))
        return Submitted(existing, duplicate=True)
    received_at = clock.now()
    invoice_id = uuid.uuid4().hex  # random: ids are unguessable
    blob_key = f"invoices/{received_at:%Y/%m}/{invoice_id}{upload.extension}"
    invoice = Invoice(
        id=invoice_id,
        uploader=Uploader(upload.name, upload.email),
        blob_key=blob_key,
        media_type=upload.media_type,
        file_hash=upload.file_hash,
        file_size=len(upload.content),
        received_at=received_at,
        original_filename=upload.original_filename,
        owner=owner,
    )
    blobs.put(blob_key, upload.content, upload.media_type)
    try:
        repository.add(invoice)
        try:
            queue.enqueue(InvoiceMessage(invoice_id, blob_key))
        except Exception:
            repository.delete(invoice_id)
            raise
    except Exception:
        blobs.delete(blob_key)
        raise
    return Submitted(invoice)


@dataclass(frozen=True)
class Processing:
    """What processing an invoice needs: the ports and the review thresholds."""

    blobs: BlobStore
    repository: InvoiceRepository
    extractor: Extractor
    mailer: Mailer
    clock: Clock
    timezone: ZoneInfo
    # Below these confidences the total or vendor makes the invoice needs_review.
    review: ReviewThresholds = field(default_factory=ReviewThresholds)
    # Double opt-in: notices wait until the address has confirmed it wants them.
    confirm_recipients: bool = False
    public_url: str = "http://127.0.0.1:8000"


def process_invoice(message: InvoiceMessage, deps: Processing) -> Invoice | None:
    """Extract, record, notify. Idempotent: a redelivered message neither extracts again once the
    result is stored nor sends a second notice once one is recorded as sent."""
    invoice = deps.repository.get(message.invoice_id)
    if invoice is None:
        log.warning("message for unknown invoice %s dropped", message.invoice_id)
        return None
    if invoice.notice_sent_at is not None:
        log.info("invoice %s already processed and notified; duplicate ignored", invoice.id)
        return invoice
    if invoice.status in (InvoiceStatus.QUEUED, InvoiceStatus.PROCESSING):
        invoice = _extract(invoice, deps)
    return _notify(invoice, deps)


def mark_failed(invoice_id: str, reason: str, deps: Processing) -> Invoice | None:
    """Give up on an invoice (e.g. dead-lettered after retries): record why and tell the user."""
    invoice = deps.repository.get(invoice_id)
    if invoice is None or invoice.notice_sent_at is not None:
        return invoice
    if invoice.status not in (InvoiceStatus.QUEUED, InvoiceStatus.PROCESSING):
        # Extraction succeeded and only the notice failed (mail down): keep the result.
        invoice = invoice.with_changes(error=reason[:500])
        deps.repository.save(invoice)
        return invoice
    invoice = invoice.with_changes(status=InvoiceStatus.FAILED, error=reason[:500])
    deps.repository.save(invoice)
    return _notify(invoice, deps)


def _extract(invoice: Invoice, deps: Processing) -> Invoice:
    deps.repository.save(invoice.with_changes(status=InvoiceStatus.PROCESSING))
    document = deps.blobs.get(invoice.blob_key)
    try:
        extraction = deps.extractor.extract(document, invoice.media_type)
    except UnreadableDocument as error:
        # Permanent: retrying the same bytes cannot help.
        processed = invoice.with_changes(
            status=InvoiceStatus.FAILED, error=str(error)[:500], processed_at=deps.clock.now()
        )
    else:
        processed = invoice.with_changes(
            status=deps.review.status_for(extraction),
            extraction=extraction,
            error=None,
            processed_at=deps.clock.now(),
        )
    processed = _flag_likely_duplicate(processed, deps)
    deps.repository.save(processed)
    return processed


# How far back to look for the same expense uploaded before.
DUPLICATE_LOOKBACK = dt.timedelta(days=400)


def _flag_likely_duplicate(invoice: Invoice, deps: Processing) -> Invoice:
    received = invoice.received_at
    earlier = deps.repository.received_between(
        received - DUPLICATE_LOOKBACK,
        received + dt.timedelta(microseconds=1),
        invoice.uploader.email,
    )
    for other in earlier:
        if other.duplicate_of is None and invoice.same_expense_as(other):
            return invoice.with_changes(duplicate_of=other.id)
    return invoice


def _notify(invoice: Invoice, deps: Processing) -> Invoice:
    if deps.confirm_recipients and not deps.repository.recipient_confirmed(invoice.uploader.email):
        _ask_for_confirmation(invoice.uploader, deps)
        return invoice  # the notice is held; confirming the address releases it
    if invoice.status == InvoiceStatus.FAILED:
        email = notifications.failure_notice(invoice, invoice.error or "the file could not be read")
    else:
        month = Month.containing(invoice.received_at, deps.timezone)
        to_check = deps.review.fields_to_check(invoice.extraction)
        spending = _month_to_date(invoice, month, deps)
        email = notifications.invoice_notice(invoice, month, spending, to_check)
    deps.mailer.send(email)  # raises when it cannot send: the queue retries the message
    notified = invoice.with_changes(notice_sent_at=deps.clock.now())
    deps.repository.save(notified)
    return notified


def _ask_for_confirmation(uploader: Uploader, deps: Processing) -> None:
    """Send one confirmation link per address (a second upload does not send another)."""
    token = secrets.token_urlsafe(32)
    if not deps.repository.request_confirmation(uploader.email, hash_key(token), deps.clock.now()):
        return
    link = f"{deps.public_url.rstrip('/')}/confirm?token={token}"
    try:
        deps.mailer.send(notifications.confirmation_request(uploader, link))
    except Exception:
        deps.repository.cancel_confirmation(uploader.email)  # the retry asks again
        raise


@dataclass(frozen=True)
class Confirmed:
    email: str
    released: int  # held notices queued for sending


def confirm_recipient(
    token: str, *, repository: InvoiceRepository, queue: InvoiceQueue, clock: Clock
) -> Confirmed | None:
    """The address owner clicked the link: from now on they get notices, starting with the ones
    held so far (queued again; processing them is idempotent)."""
    now = clock.now()
    email = repository.confirm_recipient(hash_key(token), now)
    if email is None:
        return None
    held = [
        invoice
        for invoice in repository.received_between(
            now - HELD_NOTICE_WINDOW, now + dt.timedelta(seconds=1), email
        )
        if invoice.notice_sent_at is None
        and invoice.status not in (InvoiceStatus.QUEUED, InvoiceStatus.PROCESSING)
    ]
    for invoice in held:
        queue.enqueue(InvoiceMessage(invoice.id, invoice.blob_key, reason="confirmed"))
    return Confirmed(email, len(held))


HELD_NOTICE_WINDOW = dt.timedelta(days=90)


def mark_not_duplicate(invoice_id: str, repository: InvoiceRepository) -> Invoice | None:
    """The user says a likely duplicate is a separate expense: count it from now on."""
    invoice = repository.get(invoice_id)
    if invoice is None or invoice.duplicate_of is None:
        return invoice
    invoice = invoice.with_changes(duplicate_of=None)
    repository.save(invoice)
    return invoice


def _month_to_date(invoice: Invoice, month: Month, deps: Processing) -> Spending:
    start, end = month.bounds(deps.timezone)
    invoices = {
        i.id: i for i in deps.repository.received_between(start, end, invoice.uploader.email)
    }
    invoices[invoice.id] = invoice
    ordered = sorted(invoices.values(), key=lambda i: i.received_at)
    return Spending(invoice.uploader, tuple(ordered))


# Longer than sending one report can take (SMTP timeout 30 s): an older claim belongs to a
# run that died, and the next run takes it over.
REPORT_CLAIM_LEASE = dt.timedelta(minutes=2)


@dataclass
class ReportRun:
    month: Month
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    in_progress: list[str] = field(default_factory=list)  # claimed by a concurrent run
    unconfirmed: list[str] = field(default_factory=list)  # address never confirmed: not mailed
    failed: dict[str, str] = field(default_factory=dict)


def send_monthly_reports(
    month: Month,
    *,
    repository: InvoiceRepository,
    mailer: Mailer,
    clock: Clock,
    timezone: ZoneInfo,
    confirm_recipients: bool = False,
    claim_lease: dt.timedelta = REPORT_CLAIM_LEASE,
) -> ReportRun:
    """One report per user who uploaded in ``month``. Safe to run again: users already sent a
    report for that month are skipped, so a crash halfway is finished by the next run."""
    start, end = month.bounds(timezone)
    run = ReportRun(month)
    before = _spending_per_email(month.previous(), repository, timezone)  # "change vs" figures
    for spending in spending_by_user(repository.received_between(start, end)):
        email = spending.uploader.email
        if confirm_recipients and not repository.recipient_confirmed(email):
            run.unconfirmed.append(email)
            continue
        if not repository.claim_report(str(month), email, clock.now(), claim_lease):
            sent = repository.report_sent(str(month), email)
            (run.already_sent if sent else run.in_progress).append(email)
            continue
        try:
            mailer.send(notifications.monthly_report(month, spending, before.get(email)))
        except Exception as error:  # one user's failure must not stop the others' reports
            log.exception("monthly report for %s failed", email)
            repository.release_report(str(month), email)
            run.failed[email] = str(error)
            continue
        repository.mark_report_sent(str(month), email, clock.now())
        run.sent.append(email)
    return run


def _spending_per_email(
    month: Month, repository: InvoiceRepository, timezone: ZoneInfo, email: str | None = None
) -> dict[str, Spending]:
    start, end = month.bounds(timezone)
    spendings = spending_by_user(repository.received_between(start, end, email))
    return {s.uploader.email: s for s in spendings}


def preview_monthly_reports(
    month: Month,
    *,
    repository: InvoiceRepository,
    timezone: ZoneInfo,
    email: str | None = None,
) -> list[OutgoingEmail]:
    """The reports ``send_monthly_reports`` would send for ``month`` (one user's with ``email``),
    without sending or claiming anything."""
    current = _spending_per_email(month, repository, timezone, email)
    before = _spending_per_email(month.previous(), repository, timezone, email)
    return [
        notifications.monthly_report(month, spending, before.get(address))
        for address, spending in current.items()
    ]


def invoices_of_month(
    month: Month,
    email: str | None,
    *,
    repository: InvoiceRepository,
    timezone: ZoneInfo,
    owner: str | None = None,
) -> list[Invoice]:
    """One user's (everyone's if ``email`` is None) invoices received in ``month``, oldest
    first; with ``owner`` (API keys in use) only those that key uploaded."""
    start, end = month.bounds(timezone)
    return [
        invoice
        for invoice in repository.received_between(start, end, email)
        if owner is None or invoice.owner == owner
    ]


class NotCorrectable(Exception):
    """The invoice is still being read: a correction now would be overwritten."""


def correct_invoice(
    invoice_id: str,
    changes: dict[str, str],
    repository: InvoiceRepository,
    review: ReviewThresholds = ReviewThresholds(),
) -> Invoice | None:
    """The user fixes fields read wrongly: each is stored with confidence 1.0 and marked
    user-edited, and used by the totals and reports from then on. Once the total and the vendor
    are both trusted (read with confidence or corrected), a ``needs_review`` (or unreadable)
    invoice becomes ``processed``. Raises ``InvalidCorrection`` for a bad value and
    ``NotCorrectable`` while the invoice is queued or being read."""
    invoice = repository.get(invoice_id)
    if invoice is None or not changes:
        return invoice
    if invoice.status in (InvoiceStatus.QUEUED, InvoiceStatus.PROCESSING):
        raise NotCorrectable("the invoice is still being read; try again in a moment")
    extraction = apply_corrections(invoice.extraction, changes)
    status = _corrected_status(invoice.status, extraction, review)
    error = invoice.error if status == InvoiceStatus.FAILED else None
    corrected = invoice.with_changes(extraction=extraction, status=status, error=error)
    repository.save(corrected)
    return corrected


def _corrected_status(
    before: InvoiceStatus, extraction: Extraction, review: ReviewThresholds
) -> InvoiceStatus:
    if before == InvoiceStatus.FAILED and "total" in review.fields_to_check(extraction):
        return InvoiceStatus.FAILED  # still no trusted total: it stays unreadable
    return review.status_for(extraction)
