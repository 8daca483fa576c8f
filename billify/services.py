"""Use cases. Each takes the ports it needs as arguments, so local and AWS run the same code."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from zoneinfo import ZoneInfo

from billify.domain import notifications
from billify.domain.access import hash_key
from billify.domain.action_links import NoticeLinks, ReportLinks, notice_links, report_links
from billify.domain.auth import ActionLinks, Viewer
from billify.domain.corrections import apply_corrections
from billify.domain.crops import crop_jpeg
from billify.domain.emails import OutgoingEmail
from billify.domain.inbound import MailThread
from billify.domain.models import (
    Extraction,
    Invoice,
    InvoiceStatus,
    PasswordProtected,
    UnreadableDocument,
    Uploader,
    vendor_key,
)
from billify.domain.profiles import DEFAULT_LOCALE
from billify.domain.reports import Month, Spending, spending_by_user
from billify.domain.review import ReviewThresholds
from billify.domain.uploads import Upload, UploadRejected
from billify.home_currency import HomeCurrency
from billify.ports import (
    BlobStore,
    Clock,
    DocumentOpener,
    Extractor,
    InvoiceIntake,
    InvoiceMessage,
    InvoiceQueue,
    InvoiceRepository,
    Mailer,
    ReportJob,
    ReportQueue,
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
    intake: InvoiceIntake,
    clock: Clock,
    owner: str | None = None,
    documents: DocumentOpener | None = None,
    thread: MailThread | None = None,
) -> Submitted:
    """Store the file, then record the invoice as queued and queue it (one step of the
    intake). Nothing is left half-done: if the intake fails, the file is deleted again and the
    error propagates. With ``documents``, a PDF locked by a password is refused at once
    (``UploadRejected``): the person can fix it now, not after a failed read."""
    if documents is not None:
        _refuse_locked(upload, documents)
    existing = repository.find_by_hash(upload.email, upload.file_hash)
    if existing is not None and existing.owner != owner:
        # One record per person and file: another key's copy is not this caller's to see.
        raise UploadRejected(
            "file", "this file was already uploaded for this address with another API key", 409
        )
    if existing is not None:
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
        intake.accept(invoice, InvoiceMessage(invoice_id, blob_key, thread=thread))
    except Exception:
        blobs.delete(blob_key)
        raise
    return Submitted(invoice)


def _refuse_locked(upload: Upload, documents: DocumentOpener) -> None:
    if upload.media_type != "application/pdf":
        return
    try:
        documents.open(upload.content, upload.media_type).close()
    except PasswordProtected as error:
        raise UploadRejected("file", str(error)) from error
    except UnreadableDocument:
        pass  # damaged: accepted, and the reading tells the person why it failed


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
    # Signs the notices' links to the invoice on the page (None: notices without links).
    links: ActionLinks | None = None
    # Renders the page where the total was read, for the notice's crop (None: no crop).
    documents: DocumentOpener | None = None
    # Converts totals to the owner's home currency (None: totals stay as printed).
    home: HomeCurrency | None = None


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
    return _notify(invoice, deps, message.thread)


def mark_failed(
    invoice_id: str, reason: str, deps: Processing, thread: MailThread | None = None
) -> Invoice | None:
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
    return _notify(invoice, deps, thread)


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
    earlier = _earlier_of_owner(processed, deps.repository)
    processed = _flag_likely_duplicate(processed, earlier)
    processed = _with_learned_category(processed, earlier)
    if deps.home is not None:
        home = deps.home.preferences(invoice.uploader.email).home_currency
        processed = deps.home.converted(processed, home)
    deps.repository.save(processed)
    return processed


# How far back to look for the same expense uploaded before, and for the category the owner
# gave the same vendor.
HISTORY_LOOKBACK = dt.timedelta(days=400)
# A category taken from the owner's own correction for this vendor is nearly certain.
LEARNED_CONFIDENCE = 0.98


def _earlier_of_owner(invoice: Invoice, repository: InvoiceRepository) -> list[Invoice]:
    """The owner's invoices received up to this one (over ``HISTORY_LOOKBACK``), oldest first."""
    received = invoice.received_at
    return list(
        repository.received_between(
            received - HISTORY_LOOKBACK,
            received + dt.timedelta(microseconds=1),
            invoice.uploader.email,
        )
    )


def _flag_likely_duplicate(invoice: Invoice, earlier: Sequence[Invoice]) -> Invoice:
    for other in earlier:
        if other.duplicate_of is None and invoice.same_expense_as(other):
            return invoice.with_changes(duplicate_of=other.id)
    return invoice


def _with_learned_category(invoice: Invoice, earlier: Sequence[Invoice]) -> Invoice:
    """The category the owner last chose by hand for this vendor, if they ever did: a
    correction teaches (per user; another user's choice never applies)."""
    extraction = invoice.extraction
    if extraction is None or not extraction.vendor:
        return invoice
    vendor = vendor_key(extraction.vendor)
    for other in reversed(earlier):
        chosen = other.extraction
        if other.id == invoice.id or chosen is None or "category" not in chosen.user_edited:
            continue
        if chosen.vendor and vendor_key(chosen.vendor) == vendor:
            confidence = {**extraction.confidence, "category": LEARNED_CONFIDENCE}
            learned = replace(extraction, category=chosen.category, confidence=confidence)
            return invoice.with_changes(extraction=learned)
    return invoice


def _notify(invoice: Invoice, deps: Processing, thread: MailThread | None = None) -> Invoice:
    """Tell the uploader; an invoice that came by email is answered in its thread."""
    if deps.confirm_recipients and not deps.repository.recipient_confirmed(invoice.uploader.email):
        _ask_for_confirmation(invoice.uploader, deps)
        return invoice  # the notice is held; confirming the address releases it
    email = _notice(invoice, deps)
    deps.mailer.send(email.as_reply(thread))  # raises when it cannot: the queue retries
    notified = invoice.with_changes(notice_sent_at=deps.clock.now())
    deps.repository.save(notified)
    return notified


def _notice(invoice: Invoice, deps: Processing) -> OutgoingEmail:
    """The invoice's notice, in its uploader's language and home currency (English, as
    printed, without ``deps.home``)."""
    links = _notice_links(invoice, deps)
    chosen = deps.home.preferences(invoice.uploader.email) if deps.home is not None else None
    locale = chosen.locale if chosen else DEFAULT_LOCALE
    if invoice.status == InvoiceStatus.FAILED:
        # No error recorded: the notice gives its own reason, in the uploader's language.
        return notifications.failure_notice(
            invoice, invoice.error or "", links=links, locale=locale
        )
    month = Month.containing(invoice.received_at, deps.timezone)  # upload date's month
    return notifications.invoice_notice(
        invoice,
        month,
        _month_to_date(invoice, month, deps),
        deps.review.fields_to_check(invoice.extraction),
        links=links,
        crop=_total_crop(invoice, deps),
        home_currency=chosen.home_currency if chosen else None,
        locale=locale,
    )


def _notice_links(invoice: Invoice, deps: Processing) -> NoticeLinks | None:
    """The notice's buttons, signed for the uploader and this invoice only."""
    if deps.links is None:
        return None
    return notice_links(deps.links, deps.public_url, invoice, deps.clock.now())


def _total_crop(invoice: Invoice, deps: Processing) -> bytes | None:
    """A small JPEG of where the total was read, or None: no box to show, no opener, or any
    failure making it (the notice goes without; it is never lost for a picture)."""
    extraction = invoice.extraction
    evidence = extraction.evidence.get("total") if extraction else None
    if deps.documents is None or evidence is None or evidence.box is None:
        return None
    try:
        opened = deps.documents.open(deps.blobs.get(invoice.blob_key), invoice.media_type)
        try:
            page = opened.page_image(evidence.page)
        finally:
            opened.close()
        return crop_jpeg(page, evidence.box)
    except Exception as error:  # unreadable file, page gone, odd box: no crop, same notice
        log.warning("no crop of the total for invoice %s: %s", invoice.id, error)
        return None


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
    return Confirmed(email, release_held_notices(email, now, repository, queue))


def release_held_notices(
    email: str, now: dt.datetime, repository: InvoiceRepository, queue: InvoiceQueue
) -> int:
    """Queue again the notices held for an address until it confirmed; how many."""
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
    return len(held)


HELD_NOTICE_WINDOW = dt.timedelta(days=90)


def mark_not_duplicate(invoice_id: str, repository: InvoiceRepository) -> Invoice | None:
    """The user says a likely duplicate is a separate expense: count it from now on."""
    return change_invoice(invoice_id, repository, not_duplicate=True)


def _month_to_date(invoice: Invoice, month: Month, deps: Processing) -> Spending:
    start, end = month.bounds(deps.timezone)
    invoices = {
        i.id: i for i in deps.repository.received_between(start, end, invoice.uploader.email)
    }
    invoices[invoice.id] = invoice
    ordered = sorted(invoices.values(), key=lambda i: i.received_at)
    return Spending(invoice.uploader, tuple(ordered))


# Longer than sending one batch of reports can take (SMTP timeout 30 s): an older claim
# belongs to a worker that died, and the next delivery of the job takes it over.
REPORT_CLAIM_LEASE = dt.timedelta(minutes=2)


class ReportOutcome(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    IN_PROGRESS = "in_progress"  # claimed by a concurrent worker
    UNCONFIRMED = "unconfirmed"  # address never confirmed: not mailed
    NOTHING = "nothing"  # no invoice of that user in the month: no report
    FAILED = "failed"  # claim released: a retry of the job sends it


@dataclass(frozen=True)
class ReportResult:
    job: ReportJob
    outcome: ReportOutcome
    error: str | None = None


@dataclass
class ReportRun:
    """What a monthly run did, tallied from its jobs' results."""

    month: Month
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    in_progress: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)
    nothing: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def add(self, result: ReportResult) -> None:
        email = result.job.email
        if result.outcome == ReportOutcome.FAILED:
            self.failed[email] = result.error or "unknown error"
        else:
            getattr(self, result.outcome.value).append(email)

    @property
    def done(self) -> int:
        lists = (self.sent, self.already_sent, self.in_progress, self.unconfirmed, self.nothing)
        return sum(map(len, lists)) + len(self.failed)


@dataclass(frozen=True)
class Reporting:
    """What building and sending monthly reports needs."""

    repository: InvoiceRepository
    mailer: Mailer
    clock: Clock
    timezone: ZoneInfo
    confirm_recipients: bool = False
    claim_lease: dt.timedelta = REPORT_CLAIM_LEASE
    # Signs the report's link to the month on the page (None: reports without it).
    links: ActionLinks | None = None
    public_url: str = "http://127.0.0.1:8000"
    # Each user's home currency and language (None: totals as printed, in English).
    home: HomeCurrency | None = None


def queue_monthly_reports(
    month: Month, *, repository: InvoiceRepository, reports: ReportQueue, timezone: ZoneInfo
) -> int:
    """Queue one report job per user who uploaded in ``month`` (streamed: memory does not grow
    with the month's invoices). Safe to run again: a job for a user already sent is a no-op."""
    start, end = month.bounds(timezone)
    jobs = (ReportJob(str(month), email) for email in repository.report_recipients(start, end))
    return reports.enqueue_reports(jobs)


def send_monthly_reports(jobs: Sequence[ReportJob], deps: Reporting) -> list[ReportResult]:
    """Build and send a batch of report jobs, each user's report at most once per month: the
    batch is claimed in one write, mailed as one batch, and recorded as sent in one write. A
    job delivered twice, or taken over from a worker that died, finds its claim or its sent
    record and sends nothing."""
    results: dict[ReportJob, ReportResult] = {}
    by_month: dict[str, list[ReportJob]] = defaultdict(list)
    for job in dict.fromkeys(jobs):  # the same job twice in one batch is one report
        if deps.confirm_recipients and not deps.repository.recipient_confirmed(job.email):
            results[job] = ReportResult(job, ReportOutcome.UNCONFIRMED)
        else:
            by_month[job.month].append(job)
    for month, month_jobs in by_month.items():
        for result in _send_month(Month.parse(month), month_jobs, deps):
            results[result.job] = result
    return [results[job] for job in dict.fromkeys(jobs)]


def _send_month(month: Month, jobs: list[ReportJob], deps: Reporting) -> list[ReportResult]:
    """All the jobs as one batch when a second delivery would replace the first (the outbox);
    else one job at a time, claimed just before and recorded just after its email, so a crash
    resends nothing twice and a claim lasts no longer than one send."""
    groups = [jobs] if deps.mailer.replaces_duplicates else [[job] for job in jobs]
    return [result for group in groups for result in _send_group(month, group, deps)]


def _send_group(month: Month, jobs: list[ReportJob], deps: Reporting) -> list[ReportResult]:
    repository = deps.repository
    claimed = repository.claim_reports(
        str(month), [j.email for j in jobs], deps.clock.now(), deps.claim_lease
    )
    results = [_unclaimed(month, job, repository) for job in jobs if job.email not in claimed]
    built: list[tuple[ReportJob, OutgoingEmail]] = []
    for job in (j for j in jobs if j.email in claimed):
        try:
            report = _build_report(month, job.email, deps)
        except Exception as failure:  # e.g. the store throttled: give the claim back at once
            repository.release_report(str(month), job.email)
            results.append(ReportResult(job, ReportOutcome.FAILED, f"{failure}"))
            continue
        if report is None:
            repository.release_report(str(month), job.email)
            results.append(ReportResult(job, ReportOutcome.NOTHING))
        else:
            built.append((job, report))
    errors = deps.mailer.send_batch([email for _, email in built]) if built else []
    sent = []
    for (job, _), error in zip(built, errors, strict=True):
        if error is None:
            sent.append(job)
            continue
        log.error("monthly report for %s failed: %s", job.email, error)
        repository.release_report(str(month), job.email)
        results.append(ReportResult(job, ReportOutcome.FAILED, f"{error}"))
    if sent:
        repository.mark_reports_sent(str(month), [j.email for j in sent], deps.clock.now())
    return results + [ReportResult(job, ReportOutcome.SENT) for job in sent]


def _unclaimed(month: Month, job: ReportJob, repository: InvoiceRepository) -> ReportResult:
    sent = repository.report_sent(str(month), job.email)
    return ReportResult(job, ReportOutcome.ALREADY_SENT if sent else ReportOutcome.IN_PROGRESS)


def _build_report(month: Month, email: str, deps: Reporting) -> OutgoingEmail | None:
    """One user's report, from that user's invoices only (one indexed query over the month
    and the three before it, to compare with)."""
    months = _months_of(month, deps.repository, deps.timezone, email)
    if not months[0].invoices:
        return None
    links = _report_links(month, email, deps)
    return _report(
        month,
        months,
        deps.home,
        link=links.month if links else None,
        pack=links.pack if links else None,
    )


# The report compares the month with the average of this many months before it.
COMPARED_MONTHS = 3


def _months_of(
    month: Month, repository: InvoiceRepository, timezone: ZoneInfo, email: str
) -> list[Spending]:
    """The user's spending in ``month`` and each of the ``COMPARED_MONTHS`` before it, most
    recent first (a month without invoices is an empty ``Spending``)."""
    months = [month]
    for _ in range(COMPARED_MONTHS):
        months.append(months[-1].previous())
    start, end = months[-1].bounds(timezone)[0], month.bounds(timezone)[1]
    per_month: dict[Month, list[Invoice]] = defaultdict(list)
    for invoice in repository.received_between(start, end, email):
        per_month[Month.containing(invoice.received_at, timezone)].append(invoice)
    uploader = Uploader("", email)
    for invoices in per_month.values():
        uploader = Uploader(invoices[-1].uploader.name, email)  # the latest name given
    return [Spending(uploader, tuple(per_month[m])) for m in months]


def _report(
    month: Month,
    months: list[Spending],
    home: HomeCurrency | None,
    *,
    link: str | None = None,
    pack: str | None = None,
) -> OutgoingEmail:
    """The report of ``months[0]`` compared with the months after it, in the user's home
    currency and language."""
    if home is None:
        return notifications.monthly_report(month, months[0], months[1:], link=link)
    chosen = home.preferences(months[0].uploader.email)
    converted = [
        replace(m, invoices=home.all_converted(m.invoices, chosen.home_currency)) for m in months
    ]
    return notifications.monthly_report(
        month,
        converted[0],
        converted[1:],
        home_currency=chosen.home_currency,
        locale=chosen.locale,
        link=link,
        pack_link=pack,
    )


def _report_links(month: Month, email: str, deps: Reporting) -> ReportLinks | None:
    """The report's links to the month on the page and to its ZIP: one HMAC, no storage."""
    if deps.links is None:
        return None
    return report_links(deps.links, deps.public_url, email, str(month), deps.clock.now())


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
    home: HomeCurrency | None = None,
) -> list[OutgoingEmail]:
    """The reports the monthly run would send for ``month`` (one user's with ``email``),
    without sending or claiming anything."""
    addresses = _spending_per_email(month, repository, timezone, email)
    return [
        _report(month, _months_of(month, repository, timezone, address), home)
        for address in addresses
    ]


def invoices_of_month(
    month: Month,
    email: str | None,
    viewer: Viewer,
    *,
    repository: InvoiceRepository,
    timezone: ZoneInfo,
) -> list[Invoice]:
    """One person's (everyone's if ``email`` is None) invoices received in ``month``, oldest
    first: those this viewer may see."""
    start, end = month.bounds(timezone)
    return [i for i in repository.received_between(start, end, email) if viewer.may_see(i)]


def visible_invoice(
    invoice_id: str, viewer: Viewer, repository: InvoiceRepository
) -> Invoice | None:
    """The invoice if this viewer may see it; None for a missing id and for anyone else's
    (the two must look the same, so ids reveal nothing)."""
    invoice = repository.get(invoice_id) if 0 < len(invoice_id) <= 64 else None
    return invoice if invoice is not None and viewer.may_see(invoice) else None


def delete_invoice(invoice: Invoice, *, repository: InvoiceRepository, blobs: BlobStore) -> None:
    """Forget an invoice: its record first (it stops counting at once), then its file. A message
    still queued for it finds no record and is dropped."""
    repository.delete(invoice.id)
    blobs.delete(invoice.blob_key)


def replace_invoice(
    old: Invoice,
    upload: Upload,
    *,
    blobs: BlobStore,
    queue: InvoiceQueue,
    repository: InvoiceRepository,
    intake: InvoiceIntake,
    clock: Clock,
    documents: DocumentOpener | None = None,
) -> Submitted:
    """A better file for an invoice: submitted as a new invoice of the same person (read
    afresh), and the old one deleted once the new one is safely queued. The same file again
    changes nothing."""
    submitted = submit_invoice(
        upload,
        blobs=blobs,
        queue=queue,
        repository=repository,
        intake=intake,
        clock=clock,
        owner=old.owner,
        documents=documents,
    )
    if submitted.invoice.id != old.id:
        delete_invoice(old, repository=repository, blobs=blobs)
    return submitted


class NotCorrectable(Exception):
    """The invoice is still being read: a correction now would be overwritten."""


def correct_invoice(
    invoice_id: str,
    changes: dict[str, str],
    repository: InvoiceRepository,
    review: ReviewThresholds = ReviewThresholds(),
    home: HomeCurrency | None = None,
) -> Invoice | None:
    """The user fixes fields read wrongly (see ``change_invoice``)."""
    return change_invoice(invoice_id, repository, corrections=changes, review=review, home=home)


def change_invoice(
    invoice_id: str,
    repository: InvoiceRepository,
    *,
    corrections: dict[str, str] | None = None,
    not_duplicate: bool = False,
    review: ReviewThresholds = ReviewThresholds(),
    home: HomeCurrency | None = None,
) -> Invoice | None:
    """The owner's change to an invoice, checked whole and saved in one write (nothing is
    saved when any part is refused).

    ``corrections`` fix fields read wrongly: each is stored with confidence 1.0 and marked
    user-edited, and used by the totals and reports from then on. Once the total and the
    vendor are both trusted (read with confidence or corrected), a ``needs_review`` (or
    unreadable) invoice becomes ``processed``. Raises ``InvalidCorrection`` for a bad value and
    ``NotCorrectable`` while the invoice is queued or being read. ``not_duplicate``: a likely
    duplicate is a separate expense, counted from now on. With ``home``, a corrected total,
    currency or date is converted again to the owner's home currency."""
    invoice = repository.get(invoice_id)
    if invoice is None:
        return None
    changed = invoice
    if corrections:
        if invoice.status in (InvoiceStatus.QUEUED, InvoiceStatus.PROCESSING):
            raise NotCorrectable("the invoice is still being read; try again in a moment")
        extraction = apply_corrections(invoice.extraction, corrections)
        status = _corrected_status(invoice.status, extraction, review)
        error = invoice.error if status == InvoiceStatus.FAILED else None
        changed = changed.with_changes(extraction=extraction, status=status, error=error)
        if home is not None and _CONVERTED_FROM & set(corrections):
            currency = home.preferences(invoice.uploader.email).home_currency
            changed = home.converted(changed, currency, again=True)
    if not_duplicate and changed.duplicate_of is not None:
        changed = changed.with_changes(duplicate_of=None)
    if changed != invoice:
        repository.save(changed)
    return changed


# The fields a home-currency amount is computed from.
_CONVERTED_FROM = frozenset({"total", "currency", "date"})


def _corrected_status(
    before: InvoiceStatus, extraction: Extraction, review: ReviewThresholds
) -> InvoiceStatus:
    if before == InvoiceStatus.FAILED and "total" in review.fields_to_check(extraction):
        return InvoiceStatus.FAILED  # still no trusted total: it stays unreadable
    return review.status_for(extraction)
