"""The interfaces the services need; one adapter per place implements each (local, AWS)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeAlias

from billify.domain.auth import Session, SignInLink
from billify.domain.emails import OutgoingEmail
from billify.domain.extraction.lines import Box, TextLine
from billify.domain.inbound import MailThread
from billify.domain.models import Extraction, Invoice, Rate
from billify.domain.profiles import Profile

if TYPE_CHECKING:
    from PIL import Image

PageImage: TypeAlias = "Image.Image"  # a page or a picture printed on it, as pixels


class BlobNotFound(KeyError):
    """No file under this key (never stored, or deleted): what every ``BlobStore.get``
    raises for it, so callers tell a file taken already from a store that failed."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, media_type: str) -> None:
        """Store durably: returns only once the bytes would survive a crash."""

    def get(self, key: str) -> bytes:
        """The bytes; ``BlobNotFound`` for a missing key."""

    def delete(self, key: str) -> None:
        """Forget the file; a missing key is harmless."""


@dataclass(frozen=True)
class InvoiceMessage:
    """What the upload step hands the extract step. ``reason`` tells a first delivery from a
    later, deliberate one (e.g. a held notice released), which idempotency layers must not
    take for a duplicate. ``thread``: the invoice came by email, so its notice is a reply."""

    invoice_id: str
    blob_key: str
    reason: str = "uploaded"
    thread: MailThread | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "invoice_id": self.invoice_id,
            "blob_key": self.blob_key,
            "reason": self.reason,
        }
        if self.thread is not None:
            body["thread"] = self.thread.to_json()
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InvoiceMessage:
        thread = data.get("thread")
        return cls(
            invoice_id=str(data["invoice_id"]),
            blob_key=str(data["blob_key"]),
            reason=str(data.get("reason") or "uploaded"),
            thread=MailThread.from_json(thread) if isinstance(thread, dict) else None,
        )


class InvoiceQueue(Protocol):
    def enqueue(self, message: InvoiceMessage) -> None:
        """Queue durably: returns only once the message would survive a crash."""


@dataclass(frozen=True)
class ReportJob:
    """One user's monthly report to build and send: what the monthly run queues per user."""

    month: str  # YYYY-MM
    email: str

    def to_json(self) -> dict[str, str]:
        return {"month": self.month, "email": self.email}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ReportJob:
        return cls(month=str(data["month"]), email=str(data["email"]))


class ReportQueue(Protocol):
    def enqueue_reports(self, jobs: Iterable[ReportJob]) -> int:
        """Queue durably, in batches; returns how many were queued. A job still waiting in the
        queue may be kept once (the monthly run queued twice sends each report once anyway)."""


class InvoiceIntake(Protocol):
    def accept(self, invoice: Invoice, message: InvoiceMessage) -> None:
        """Record a new invoice and queue its message as one step: on return both are
        durable, on an error neither is kept (one transaction where the store allows)."""


class InvoiceRepository(Protocol):
    def add(self, invoice: Invoice) -> None:
        """Raises ``DuplicateUpload``, recording nothing, if an invoice of the same
        ``uploader.email`` and ``file_hash`` is recorded already: ``find_by_hash`` names at
        most one invoice per person and file."""

    def get(self, invoice_id: str) -> Invoice | None: ...

    def save(self, invoice: Invoice) -> None:
        """Overwrite the stored record with this one (same id)."""

    def delete(self, invoice_id: str) -> None: ...

    def find_by_hash(self, email: str, file_hash: str) -> Invoice | None: ...

    def received_between(
        self, start: dt.datetime, end: dt.datetime, email: str | None = None
    ) -> Iterator[Invoice]:
        """Invoices received in [start, end), oldest first; one user's when email is given."""

    def report_recipients(self, start: dt.datetime, end: dt.datetime) -> Iterator[str]:
        """The addresses of the users who uploaded in [start, end), each once, streamed (memory
        independent of the number of invoices). May also name a user with no invoice in the
        window (the report job then sends nothing); never misses one."""

    def claim_reports(
        self, month: str, emails: Sequence[str], now: dt.datetime, lease: dt.timedelta
    ) -> set[str]:
        """Atomically, per address, take the right to send that user's report for this month;
        the addresses taken. Not taken: sent already, or claimed by another run less than
        ``lease`` ago (two runs at once send one report; a run that died mid-send is taken over
        once its lease expires). One durable write for the whole batch where the store can."""

    def release_report(self, month: str, email: str) -> None:
        """Give a claim back (sending failed) so the next run retries it at once."""

    def mark_reports_sent(self, month: str, emails: Sequence[str], sent_at: dt.datetime) -> None:
        """Record these reports as sent (one durable write where the store can)."""

    def report_sent(self, month: str, email: str) -> bool: ...

    def recipient_confirmed(self, email: str) -> bool: ...

    def request_confirmation(self, email: str, token_hash: str, now: dt.datetime) -> bool:
        """Record a pending confirmation; False if one is already pending (send no other)."""

    def cancel_confirmation(self, email: str) -> None:
        """Forget a pending confirmation (its email could not be sent)."""

    def confirm_recipient(self, token_hash: str, now: dt.datetime) -> str | None:
        """Mark the address whose pending token this is as confirmed; its email, or None."""

    def confirm_address(self, email: str, now: dt.datetime) -> bool:
        """Mark the address confirmed (its owner signed in); True if it was not before."""


class AccessStore(Protocol):
    """Sign-in links and sessions, by the SHA-256 hash of their token, and rate-limit counters.
    Expired entries are never returned (and may be purged by the store: TTL on DynamoDB)."""

    def add_sign_in_link(self, link: SignInLink) -> None: ...

    def use_sign_in_link(self, token_hash: str, now: dt.datetime) -> SignInLink | None:
        """Atomically take the link: the first caller gets it while unexpired, later ones and
        callers after expiry get None."""

    def add_session(self, session: Session) -> None: ...

    def session(self, token_hash: str, now: dt.datetime) -> Session | None:
        """The live session with this token hash, or None (unknown, ended or expired)."""

    def end_session(self, token_hash: str) -> None: ...

    def count_attempt(self, key: str, window_start: dt.datetime, window: dt.timedelta) -> int:
        """Count one attempt for ``key`` in the fixed window starting at ``window_start``
        (atomic across processes); the window's count including this one."""


class InboxStore(Protocol):
    """Personal forwarding addresses (by their random token) and the log of mail received."""

    def inbound_token(self, email: str) -> str | None:
        """The user's live token, or None before they have one."""

    def ensure_inbound_token(self, email: str, token: str, now: dt.datetime) -> str:
        """The user's live token: ``token`` made theirs if they had none (atomic: two callers
        at once get the same one)."""

    def replace_inbound_token(self, email: str, token: str, now: dt.datetime) -> None:
        """``token`` becomes the user's; the one before stops working (never reissued)."""

    def token_owner(self, token: str) -> str | None:
        """The user whose live token this is; None for unknown and replaced ones."""

    def mail_received(self, key: str, now: dt.datetime) -> bool:
        """Whether a message with this key was recorded (and is still remembered)."""

    def record_mail(self, key: str, now: dt.datetime, remember: dt.timedelta) -> None:
        """Remember the message as received for ``remember`` (a delivery again is a no-op)."""


class ProfileStore(Protocol):
    """Each user's own choices (home currency, language), by email."""

    def profile(self, email: str) -> Profile | None:
        """What the user chose, or None before they chose anything."""

    def update_profile(self, email: str, changes: Profile) -> Profile:
        """Make the choices ``changes`` makes (its fields not None) and keep the others; one
        atomic write, so two changes at once (the currency here, the language there) both
        stay. The user's choices after it."""

    def profile_unless_set(self, email: str, profile: Profile) -> Profile:
        """The user's stored choices; ``profile`` stored first if they had none (atomic: the
        first writer wins, e.g. the language of the browser they first signed in with)."""


class ExchangeRates(Protocol):
    """The European Central Bank's reference rates, offline (refreshed when online)."""

    def rate(self, currency: str, home: str, on: dt.date) -> Rate | None:
        """Units of ``home`` per unit of ``currency``, as published on ``on`` or, on a day
        without rates (weekend, holiday), on the last day before it with one. None when the
        ECB publishes no rate for either currency then (e.g. a currency it never listed, or a
        date before its first rate): the amount then stays unconverted. The same currency
        is rate 1 on ``on``."""

    @property
    def last_date(self) -> dt.date | None:
        """The newest publication day in the rates in use."""

    def refresh(self, url: str, timeout: float = 10) -> bool:
        """Fetch the ECB's history from ``url`` and use it from now on (every process reading
        the same rates picks it up); False, keeping the rates in use, when offline or on a
        bad answer."""


class Downloads(Protocol):
    """Where a large file made for a user (a month's ZIP) is kept for a short while and
    fetched from directly: AWS's answers are capped at 6 MB, S3's presigned links are not."""

    def offer(self, content: IO[bytes], filename: str, media_type: str) -> str:
        """Store ``content`` (read from its start) and return a URL that downloads it as
        ``filename`` for a limited time."""


class TextPrinter(Protocol):
    def print_rows(self, rows: Sequence[Sequence[str]], title: str) -> bytes:
        """A PDF with a text layer showing these rows of cells: an email's receipt printed,
        so it is read, kept and shown like any uploaded PDF."""


class Mailer(Protocol):
    # True when delivering the same ``email.key`` again replaces the first copy (the outbox):
    # reports may then be recorded as sent a batch at a time. Otherwise each is recorded as
    # soon as it is delivered, so a crash resends at most the one in flight.
    replaces_duplicates: bool

    def send(self, email: OutgoingEmail) -> None:
        """Deliver or raise. Delivering the same ``email.key`` twice must not duplicate it
        where the transport allows (the outbox overwrites; SMTP carries a stable Message-ID)."""

    def send_batch(self, emails: Sequence[OutgoingEmail]) -> list[Exception | None]:
        """Deliver each email; per email ``None`` or the error that stopped it. Durable as a
        whole on return (the outbox syncs once for the batch)."""


class Extractor(Protocol):
    def extract(self, document: bytes, media_type: str) -> Extraction: ...


class OpenedDocument(Protocol):
    """A PDF or an image, opened: what the reading pipeline (``billify.reading``) asks of it."""

    page_count: int

    def embedded_xml(self) -> Iterator[bytes]:
        """The XML files attached to the document (an e-invoice's), best candidates first."""

    def text_lines(self, page: int) -> list[TextLine]:
        """The page's text layer as cells with boxes in page units; ``[]`` for pixels only."""

    def page_size(self, page: int) -> tuple[float, float]:
        """Width and height of the page in the units of its text layer (PDF points; pixels
        for an image)."""

    def page_image(self, page: int) -> PageImage:
        """The page as pixels: an image's frame upright by its EXIF orientation, a PDF page
        rendered at the opener's resolution."""

    def pictures(self, page: int, limit: int) -> list[tuple[PageImage, Box]]:
        """Up to ``limit`` pictures printed on a text page (a letterhead), largest first, each
        with where it sits (page units)."""

    def close(self) -> None: ...


class DocumentOpener(Protocol):
    def open(self, document: bytes, media_type: str) -> OpenedDocument:
        """Raises ``UnreadableDocument`` for a file that is not a readable PDF or image."""


class OcrEngine(Protocol):
    """Reads the text of pixels: the bundled RapidOCR, or Amazon Textract."""

    source: str  # the ``Extraction.source`` of documents it read (``ocr``, ``textract``)

    def read(self, image: PageImage, page: int, *, upright: bool = False) -> list[TextLine]:
        """Text lines with boxes in the image's pixels. ``upright``: the image is known to be
        upright (a picture drawn on a page), so no turn is tried."""


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Timezone-aware current time."""


class StorageBusy(RuntimeError):
    """A store cannot take the write now (SQLite locked by another process past its busy
    timeout): nothing was written; the caller may retry shortly (HTTP answers 503)."""


class DuplicateUpload(RuntimeError):
    """The same file from the same person is being recorded by another upload at this very
    moment (every repository refuses a second record of it atomically). The
    HTTP answer is 409: retried, the upload gets the first one's answer (``duplicate``)."""
