"""In-memory adapters for unit tests. Type-checked against the ports (see ``_checks`` below)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from billify import services
from billify.adapters.intake import RecordThenQueue
from billify.adapters.sending import send_each
from billify.bootstrap import Billify
from billify.config import Settings
from billify.domain.auth import ActionLinks, Session, SignInLink
from billify.domain.emails import OutgoingEmail
from billify.domain.models import Extraction, Invoice
from billify.domain.profiles import Profile
from billify.domain.reports import Month
from billify.ports import (
    AccessStore,
    BlobNotFound,
    BlobStore,
    Clock,
    DuplicateUpload,
    Extractor,
    InboxStore,
    InvoiceMessage,
    InvoiceQueue,
    InvoiceRepository,
    Mailer,
    ProfileStore,
    ReportJob,
    ReportQueue,
)
from tests.fake_rates import FakeRates


class FakeBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, media_type: str) -> None:
        self.blobs[key] = data

    def get(self, key: str) -> bytes:
        if key not in self.blobs:
            raise BlobNotFound(key)
        return self.blobs[key]

    def delete(self, key: str) -> None:
        self.blobs.pop(key, None)


class FakeQueue:
    def __init__(self, fail: bool = False) -> None:
        self.messages: list[InvoiceMessage] = []
        self.fail = fail

    def enqueue(self, message: InvoiceMessage) -> None:
        if self.fail:
            raise ConnectionError("queue unavailable")
        # Kept as it travels (JSON), so a field the message does not carry is lost here too.
        self.messages.append(InvoiceMessage.from_json(json.loads(json.dumps(message.to_json()))))


class FakeReportQueue:
    """The report jobs queued, kept once each while waiting (as the local queue does)."""

    def __init__(self) -> None:
        self.jobs: list[ReportJob] = []

    def enqueue_reports(self, jobs: Iterable[ReportJob]) -> int:
        count = 0
        for job in jobs:
            count += 1
            if job not in self.jobs:
                self.jobs.append(job)
        return count

    def take(self) -> list[ReportJob]:
        jobs, self.jobs = self.jobs, []
        return jobs


class FakeRepository:
    def __init__(self) -> None:
        self.invoices: dict[str, Invoice] = {}
        self.reports: dict[tuple[str, str], dt.datetime] = {}
        self.report_claims: dict[tuple[str, str], dt.datetime] = {}
        self.confirmed: set[str] = set()
        self.pending_confirmations: dict[str, str] = {}  # token hash -> email
        self._claims_lock = threading.Lock()

    def add(self, invoice: Invoice) -> None:
        assert invoice.id not in self.invoices
        if self.find_by_hash(invoice.uploader.email, invoice.file_hash) is not None:
            raise DuplicateUpload(f"{invoice.uploader.email} has {invoice.file_hash} recorded")
        self.invoices[invoice.id] = invoice

    def get(self, invoice_id: str) -> Invoice | None:
        return self.invoices.get(invoice_id)

    def save(self, invoice: Invoice) -> None:
        if invoice.id in self.invoices:  # like an UPDATE of a deleted row: nothing to save
            self.invoices[invoice.id] = invoice

    def delete(self, invoice_id: str) -> None:
        self.invoices.pop(invoice_id, None)

    def find_by_hash(self, email: str, file_hash: str) -> Invoice | None:
        matches = [
            i
            for i in self.invoices.values()
            if i.uploader.email == email and i.file_hash == file_hash
        ]
        return min(matches, key=lambda i: i.received_at) if matches else None

    def received_between(
        self, start: dt.datetime, end: dt.datetime, email: str | None = None
    ) -> Iterator[Invoice]:
        selected = [
            i
            for i in self.invoices.values()
            if start <= i.received_at < end and (email is None or i.uploader.email == email)
        ]
        yield from sorted(selected, key=lambda i: (i.received_at, i.id))

    def report_recipients(self, start: dt.datetime, end: dt.datetime) -> Iterator[str]:
        yield from sorted(
            {i.uploader.email for i in self.invoices.values() if start <= i.received_at < end}
        )

    def claim_reports(
        self, month: str, emails: Sequence[str], now: dt.datetime, lease: dt.timedelta
    ) -> set[str]:
        claimed = set()
        with self._claims_lock:  # atomic per address, as the stores' conditional writes are
            for email in emails:
                key = (month, email)
                held = self.report_claims.get(key)
                if key in self.reports or (held is not None and held > now - lease):
                    continue
                self.report_claims[key] = now
                claimed.add(email)
        return claimed

    def release_report(self, month: str, email: str) -> None:
        self.report_claims.pop((month, email), None)

    def report_sent(self, month: str, email: str) -> bool:
        return (month, email) in self.reports

    def recipient_confirmed(self, email: str) -> bool:
        return email in self.confirmed

    def request_confirmation(self, email: str, token_hash: str, now: dt.datetime) -> bool:
        if email in self.confirmed or email in self.pending_confirmations.values():
            return False  # confirmed already, or a link is on its way: send no other
        self.pending_confirmations[token_hash] = email
        return True

    def cancel_confirmation(self, email: str) -> None:
        self.pending_confirmations = {
            t: e for t, e in self.pending_confirmations.items() if e != email
        }

    def confirm_recipient(self, token_hash: str, now: dt.datetime) -> str | None:
        email = self.pending_confirmations.pop(token_hash, None)
        if email is not None:
            self.confirmed.add(email)
        return email

    def mark_reports_sent(self, month: str, emails: Sequence[str], sent_at: dt.datetime) -> None:
        for email in emails:
            self.reports.setdefault((month, email), sent_at)

    def confirm_address(self, email: str, now: dt.datetime) -> bool:
        self.pending_confirmations = {
            t: e for t, e in self.pending_confirmations.items() if e != email
        }
        if email in self.confirmed:
            return False
        self.confirmed.add(email)
        return True


class FakeAccessStore:
    def __init__(self) -> None:
        self.links: dict[str, SignInLink] = {}
        self.sessions: dict[str, Session] = {}
        self.attempts: dict[tuple[str, dt.datetime], int] = {}

    def add_sign_in_link(self, link: SignInLink) -> None:
        self.links[link.token_hash] = link

    def use_sign_in_link(self, token_hash: str, now: dt.datetime) -> SignInLink | None:
        link = self.links.pop(token_hash, None)
        return link if link is not None and now < link.expires_at else None

    def add_session(self, session: Session) -> None:
        self.sessions[session.token_hash] = session

    def session(self, token_hash: str, now: dt.datetime) -> Session | None:
        session = self.sessions.get(token_hash)
        return session if session is not None and session.live(now) else None

    def end_session(self, token_hash: str) -> None:
        self.sessions.pop(token_hash, None)

    def count_attempt(self, key: str, window_start: dt.datetime, window: dt.timedelta) -> int:
        self.attempts[key, window_start] = self.attempts.get((key, window_start), 0) + 1
        return self.attempts[key, window_start]


class FakeInboxStore:
    def __init__(self) -> None:
        self.tokens: dict[str, tuple[str, bool]] = {}  # token -> (email, live)
        self.mail: dict[str, dt.datetime] = {}  # key -> forgotten at

    def inbound_token(self, email: str) -> str | None:
        return next((t for t, (e, live) in self.tokens.items() if e == email and live), None)

    def ensure_inbound_token(self, email: str, token: str, now: dt.datetime) -> str:
        current = self.inbound_token(email)
        if current is None:
            self.tokens[token] = (email, True)
        return current or token

    def replace_inbound_token(self, email: str, token: str, now: dt.datetime) -> None:
        for old, (owner, _) in list(self.tokens.items()):
            if owner == email:
                self.tokens[old] = (owner, False)
        self.tokens[token] = (email, True)

    def token_owner(self, token: str) -> str | None:
        email, live = self.tokens.get(token, ("", False))
        return email if live else None

    def mail_received(self, key: str, now: dt.datetime) -> bool:
        return key in self.mail and now < self.mail[key]

    def record_mail(self, key: str, now: dt.datetime, remember: dt.timedelta) -> None:
        self.mail[key] = now + remember


class FakeProfileStore:
    def __init__(self) -> None:
        self.profiles: dict[str, Profile] = {}
        self._lock = threading.Lock()

    def profile(self, email: str) -> Profile | None:
        return self.profiles.get(email)

    def update_profile(self, email: str, changes: Profile) -> Profile:
        with self._lock:
            current = self.profiles.get(email, Profile())
            self.profiles[email] = Profile(
                changes.home_currency or current.home_currency, changes.locale or current.locale
            )
            return self.profiles[email]

    def profile_unless_set(self, email: str, profile: Profile) -> Profile:
        with self._lock:
            return self.profiles.setdefault(email, profile)


@dataclass
class FakeMailer:
    sent: list[OutgoingEmail] = field(default_factory=list)
    replaces_duplicates: bool = False
    failures_left: int = 0
    fail_for: set[str] = field(default_factory=set)

    def send(self, email: OutgoingEmail) -> None:
        if self.failures_left > 0:
            self.failures_left -= 1
            raise ConnectionRefusedError("mail server down")
        if email.to.email in self.fail_for:
            raise ConnectionRefusedError(f"mailbox {email.to.email} unavailable")
        if self.replaces_duplicates:  # as the outbox: the same key overwrites its first copy
            same = next((n for n, e in enumerate(self.sent) if e.key == email.key), None)
            if same is not None:
                self.sent[same] = email
                return
        self.sent.append(email)

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[Exception | None]:
        return send_each(self, emails)


@dataclass
class FakeExtractor:
    result: Extraction = field(
        default_factory=lambda: Extraction(
            total=Decimal("12.50"),
            currency="MYR",
            vendor="KEDAI BUKU",
            date=dt.date(2026, 11, 3),
            confidence={"total": 0.95, "vendor": 0.9, "date": 0.9, "currency": 0.9},
        )
    )
    error: Exception | None = None
    calls: int = 0
    # Each call reads a different date by default, so documents are distinct expenses; turn
    # off to model the same receipt uploaded twice.
    vary: bool = True

    def extract(self, document: bytes, media_type: str) -> Extraction:
        self.calls += 1
        if self.error is not None:
            raise self.error
        if self.vary and self.result.date is not None:
            shifted = self.result.date - dt.timedelta(days=self.calls - 1)
            return replace(self.result, date=shifted)
        return self.result


@dataclass
class FixedClock:
    current: dt.datetime = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


def fake_app(settings: Settings, **fakes: object) -> Billify:
    """The application wired to in-memory fakes: the tests' one bootstrap without a data folder
    (``bootstrap.build_local`` is the one with). ``fakes`` replace parts by name, as
    ``build_local``'s keywords do: ``fake_app(settings, repository=shared,
    documents=Documents())``; the intake records to and queues on the repository and queue
    that result. A misspelt name is a TypeError."""
    from typing import Any

    parts: dict[str, Any] = {
        "blobs": FakeBlobStore(),
        "queue": FakeQueue(),
        "repository": FakeRepository(),
        "mailer": FakeMailer(),
        "extractor": FakeExtractor(),
        "clock": FixedClock(),
        "reports": FakeReportQueue(),
        "access": FakeAccessStore(),
        "links": ActionLinks(TEST_SECRET),
        "inbox_store": FakeInboxStore(),
        "profiles": FakeProfileStore(),
        "rates": steady_rates(),
        **fakes,
    }
    parts.setdefault("intake", RecordThenQueue(parts["repository"], parts["queue"]))
    return Billify(settings=settings, **parts)


# Round made-up rates (units per euro), the same every weekday: MYR 12.50 is EUR 2.50.
STEADY_PER_EURO = {"MYR": "5", "USD": "1.25", "GBP": "0.8"}


def steady_rates(
    start: dt.date = dt.date(2025, 1, 1), end: dt.date = dt.date(2027, 12, 31)
) -> FakeRates:
    """Rates published on every weekday from ``start`` to ``end`` (weekends have none)."""
    days = (start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    return FakeRates({day: STEADY_PER_EURO for day in days if day.weekday() < 5})


TEST_SECRET = b"a test secret of at least thirty-two bytes"


def run_reports(month: Month, deps: services.Reporting) -> services.ReportRun:
    """The monthly run as the workers do it, in one process: queue every user's job, then send
    them all as one batch."""
    queue = FakeReportQueue()
    services.queue_monthly_reports(
        month, repository=deps.repository, reports=queue, timezone=deps.timezone
    )
    run = services.ReportRun(month)
    for result in services.send_monthly_reports(queue.take(), deps):
        run.add(result)
    return run


def _checks() -> None:
    """Never called: mypy checks here that each fake still satisfies its port."""
    _blobs: BlobStore = FakeBlobStore()
    _queue: InvoiceQueue = FakeQueue()
    _repository: InvoiceRepository = FakeRepository()
    _mailer: Mailer = FakeMailer()
    _reports: ReportQueue = FakeReportQueue()
    _extractor: Extractor = FakeExtractor()
    _clock: Clock = FixedClock()
    _access: AccessStore = FakeAccessStore()
    _inbox: InboxStore = FakeInboxStore()
    _profiles: ProfileStore = FakeProfileStore()
