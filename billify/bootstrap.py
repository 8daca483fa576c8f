"""The one place that chooses adapters: settings in, a wired application out."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from billify import accounts, inbox, services
from billify.adapters.aws.direct_upload import DirectUploads
from billify.adapters.intake import RecordThenQueue
from billify.adapters.local.clock import SystemClock
from billify.adapters.local.documents import Documents
from billify.adapters.local.ecb_rates import EcbRates
from billify.adapters.local.files import FileBlobStore, load_or_create_secret
from billify.adapters.local.intake import SqliteIntake
from billify.adapters.local.mailers import OutboxMailer, SmtpMailer, SmtpSettings
from billify.adapters.local.printing import PdfPrinter
from billify.adapters.local.sqlite_access import SqliteAccessStore
from billify.adapters.local.sqlite_inbox import SqliteInboxStore
from billify.adapters.local.sqlite_profiles import SqliteProfileStore
from billify.adapters.local.sqlite_queue import SqliteQueue
from billify.adapters.local.sqlite_repository import SqliteInvoiceRepository
from billify.config import AwsSettings, Settings
from billify.domain.auth import ActionLinks
from billify.domain.inbound import MailThread
from billify.domain.models import Extraction, Invoice
from billify.domain.reports import Month
from billify.domain.review import ReviewThresholds
from billify.domain.uploads import Upload
from billify.home_currency import HomeCurrency
from billify.ports import (
    AccessStore,
    BlobStore,
    Clock,
    DocumentOpener,
    Downloads,
    ExchangeRates,
    Extractor,
    InboxStore,
    InvoiceIntake,
    InvoiceMessage,
    InvoiceQueue,
    InvoiceRepository,
    Mailer,
    ProfileStore,
    ReportJob,
    ReportQueue,
    TextPrinter,
)

log = logging.getLogger(__name__)


@dataclass
class Billify:
    """The application: the use cases bound to one set of adapters."""

    settings: Settings
    blobs: BlobStore
    queue: InvoiceQueue
    repository: InvoiceRepository
    mailer: Mailer
    extractor: Extractor
    clock: Clock
    reports: ReportQueue
    intake: InvoiceIntake
    access: AccessStore
    links: ActionLinks
    # Each user's home currency and language.
    profiles: ProfileStore
    # Presigned uploads straight to the blob store (AWS: files over API Gateway's limit).
    direct_uploads: DirectUploads | None = None
    # Large answers (a month's ZIP) fetched from the store directly (AWS: over Lambda's 6 MB).
    downloads: Downloads | None = None
    # Opens documents: a locked PDF is refused at upload, the notice's crop is drawn.
    documents: DocumentOpener | None = None
    # Forwarding addresses and the mail received (invoices by email).
    inbox_store: InboxStore | None = None
    printer: TextPrinter = field(default_factory=PdfPrinter)
    # The ECB's reference rates: totals in each user's home currency (None: not converted).
    rates: ExchangeRates | None = None

    @property
    def processing(self) -> services.Processing:
        return services.Processing(
            blobs=self.blobs,
            repository=self.repository,
            extractor=self.extractor,
            mailer=self.mailer,
            clock=self.clock,
            timezone=self.settings.tz,
            review=self.review,
            confirm_recipients=self.settings.confirm_recipients,
            public_url=self.settings.public_url,
            links=self.links,
            documents=self.documents,
            home=self.home,
        )

    @property
    def home(self) -> HomeCurrency | None:
        if self.rates is None:
            return None
        return HomeCurrency(self.rates, self.profiles, self.settings.home_currency)

    @property
    def review(self) -> ReviewThresholds:
        return ReviewThresholds(
            total=self.settings.review_threshold, vendor=self.settings.vendor_review_threshold
        )

    def submit(
        self, upload: Upload, owner: str | None = None, thread: MailThread | None = None
    ) -> services.Submitted:
        return services.submit_invoice(
            upload,
            blobs=self.blobs,
            queue=self.queue,
            repository=self.repository,
            intake=self.intake,
            clock=self.clock,
            owner=owner,
            documents=self.documents,
            thread=thread,
        )

    @property
    def inbox(self) -> inbox.Inbox:
        if self.inbox_store is None:
            raise RuntimeError("this Billify has no inbox store")
        return inbox.Inbox(
            store=self.inbox_store,
            access=self.access,
            repository=self.repository,
            mailer=self.mailer,
            clock=self.clock,
            printer=self.printer,
            submit=lambda upload, thread: self.submit(upload, thread=thread),
            domain=self.settings.inbound_domain,
            public_url=self.settings.public_url,
        )

    def replace(self, old: Invoice, upload: Upload) -> services.Submitted:
        return services.replace_invoice(
            old,
            upload,
            blobs=self.blobs,
            queue=self.queue,
            repository=self.repository,
            intake=self.intake,
            clock=self.clock,
            documents=self.documents,
        )

    def process(self, message: InvoiceMessage) -> Invoice | None:
        return services.process_invoice(message, self.processing)

    def mark_not_duplicate(self, invoice_id: str) -> Invoice | None:
        return services.mark_not_duplicate(invoice_id, self.repository)

    def mark_failed(
        self, invoice_id: str, reason: str, thread: MailThread | None = None
    ) -> Invoice | None:
        return services.mark_failed(invoice_id, reason, self.processing, thread)

    def give_up(self, body: dict[str, Any], why: str) -> None:
        """The last delivery of an invoice's message failed too (local dead letter, or SQS's
        last receive): record why and tell the user, in the message's thread. Never raises:
        the message stays a dead letter, and retrying it from there finishes the job."""
        invoice_id = str(body.get("invoice_id", ""))
        thread = InvoiceMessage.from_json(body).thread if "blob_key" in body else None
        try:
            self.mark_failed(invoice_id, f"gave up after {why}", thread)
        except Exception:
            log.exception("could not mark invoice %s as failed", invoice_id)

    @property
    def reporting(self) -> services.Reporting:
        return services.Reporting(
            repository=self.repository,
            mailer=self.mailer,
            clock=self.clock,
            timezone=self.settings.tz,
            confirm_recipients=self.settings.confirm_recipients,
            claim_lease=dt.timedelta(seconds=self.settings.report_claim_lease),
            links=self.links,
            public_url=self.settings.public_url,
            home=self.home,
        )

    def last_month(self) -> Month:
        """The month before the current one, in the configured time zone."""
        return Month.before(self.clock.now(), self.settings.tz)

    def queue_monthly_reports(self, month: Month) -> int:
        return services.queue_monthly_reports(
            month, repository=self.repository, reports=self.reports, timezone=self.settings.tz
        )

    def send_monthly_reports(self, jobs: Sequence[ReportJob]) -> list[services.ReportResult]:
        return services.send_monthly_reports(jobs, self.reporting)

    @property
    def accounts(self) -> accounts.Accounts:
        return accounts.Accounts(
            store=self.access,
            repository=self.repository,
            queue=self.queue,
            mailer=self.mailer,
            clock=self.clock,
            links=self.links,
            timezone=self.settings.tz,
            public_url=self.settings.public_url,
            profiles=self.profiles,
        )

    def confirm_recipient(self, token: str) -> services.Confirmed | None:
        return services.confirm_recipient(
            token, repository=self.repository, queue=self.queue, clock=self.clock
        )


@dataclass
class LocalBillify(Billify):
    """The embedded default: the queues are local SQLite queues the workers consume."""

    queue: SqliteQueue
    reports: SqliteQueue

    def handle_dead_letter(self, body: dict[str, Any], error: str) -> None:
        self.give_up(body, f"repeated failures: {error}")

    def handle_dead_report(self, body: dict[str, Any], error: str) -> None:
        # Its claim was released when sending failed: the next monthly run (at the next start
        # of `serve`, or `billify report`) queues it again.
        log.error("gave up on the monthly report job %s: %s", body, error)


def build_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        smtp = SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            tls=settings.smtp_tls,
            timeout=settings.smtp_timeout,
        )
        return SmtpMailer(smtp, settings.mail_from)
    return OutboxMailer(settings.outbox_dir, settings.mail_from)


class NoExtractor:
    """For commands and processes that never extract: the OCR engine is never loaded."""

    def extract(self, document: bytes, media_type: str) -> Extraction:
        raise RuntimeError("this command does not extract")


def build_extractor(ocr_threads: int | None = None) -> Extractor:
    """The bundled extractor; ``ocr_threads``: onnxruntime threads (default: the engine's)."""
    from billify.adapters.local.bundled_extractor import BundledExtractor, OcrSettings

    if ocr_threads is None:
        return BundledExtractor()
    return BundledExtractor(OcrSettings(threads=ocr_threads))


def build_local(
    settings: Settings | None = None,
    *,
    blobs: BlobStore | None = None,
    queue: SqliteQueue | None = None,
    reports: SqliteQueue | None = None,
    repository: InvoiceRepository | None = None,
    mailer: Mailer | None = None,
    extractor: Extractor | None = None,
    clock: Clock | None = None,
    access: AccessStore | None = None,
    inbox_store: InboxStore | None = None,
    profiles: ProfileStore | None = None,
    rates: ExchangeRates | None = None,
) -> LocalBillify:
    """Wire the embedded default. An adapter given replaces the configured one (tests pass
    fakes this way); a misspelt name is a TypeError, never the real OCR loaded by surprise."""
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database, busy = settings.database_path, settings.db_busy_timeout
    components: dict[str, Any] = {
        "blobs": blobs or FileBlobStore(settings.blob_dir),
        "queue": queue or local_queue(settings, settings.queue_path),
        "reports": reports or local_queue(settings, settings.report_queue_path),
        "repository": repository or SqliteInvoiceRepository(database, busy),
        "mailer": mailer or build_mailer(settings),
        "extractor": extractor or build_extractor(settings.ocr_threads),
        "clock": clock or SystemClock(),
        "access": access or SqliteAccessStore(database, busy),
        "inbox_store": inbox_store or SqliteInboxStore(database, busy),
        "profiles": profiles or SqliteProfileStore(database, busy),
        "rates": rates or EcbRates(settings.data_dir / RATES_FILE),
        "documents": Documents(),
        "links": ActionLinks(
            settings.secret_key.get_secret_value().encode()
            if settings.secret_key
            else load_or_create_secret(settings.secret_key_path)
        ),
    }
    queue, repository = components["queue"], components["repository"]
    if isinstance(queue, SqliteQueue) and isinstance(repository, SqliteInvoiceRepository):
        queue.adopt(settings.data_dir / LEGACY_QUEUE_FILE)
        components["intake"] = SqliteIntake(repository, queue)
    else:  # a fake in a test
        components["intake"] = RecordThenQueue(repository, queue)
    app = LocalBillify(settings=settings, **components)
    app.queue.on_dead_letter = app.handle_dead_letter
    app.reports.on_dead_letter = app.handle_dead_report
    return app


# The ECB's rates as last downloaded (``EcbRates.refresh``), in the data folder.
RATES_FILE = "ecb-rates.zip"

# Where the invoice queue lived before it moved into the invoices' database file.
LEGACY_QUEUE_FILE = "queue.sqlite3"


def local_queue(settings: Settings, path: Path) -> SqliteQueue:
    return SqliteQueue(
        path,
        visibility_timeout=settings.visibility_timeout,
        max_attempts=settings.max_attempts,
        backoff_base=settings.retry_backoff,
        backoff_max=settings.retry_backoff_max,
        busy_timeout=settings.db_busy_timeout,
    )


def build_aws_extractor(settings: AwsSettings) -> Extractor:
    """The reading pipeline with Textract as its OCR engine (paid only for images and pages
    without a text layer), or the bundled extractor (container image)."""
    if settings.extractor != "textract":
        return build_extractor()
    from billify.adapters.aws.textract import TextractOcr
    from billify.reading import DocumentPipeline

    return DocumentPipeline(Documents(), TextractOcr())


def build_aws(
    settings: AwsSettings | None = None,
    *,
    blobs: BlobStore | None = None,
    queue: InvoiceQueue | None = None,
    reports: ReportQueue | None = None,
    repository: InvoiceRepository | None = None,
    mailer: Mailer | None = None,
    extractor: Extractor | None = None,
    clock: Clock | None = None,
    access: AccessStore | None = None,
    inbox_store: InboxStore | None = None,
    profiles: ProfileStore | None = None,
    rates: ExchangeRates | None = None,
    direct_uploads: DirectUploads | None = None,
) -> Billify:
    """Wire the AWS adapters (Lambda). An adapter given replaces the configured one, as in
    ``build_local``.
    boto3 is imported here only when called, so the local mode never needs it."""
    from billify.adapters.aws.direct_upload import S3DirectUploads
    from billify.adapters.aws.downloads import S3Downloads
    from billify.adapters.aws.dynamo_access import DynamoAccessStore
    from billify.adapters.aws.dynamo_inbox import DynamoInboxStore
    from billify.adapters.aws.dynamo_profiles import DynamoProfileStore
    from billify.adapters.aws.dynamodb import DynamoInvoiceRepository
    from billify.adapters.aws.s3 import S3BlobStore
    from billify.adapters.aws.ses import SesMailer
    from billify.adapters.aws.sqs import SqsQueue, SqsReportQueue

    settings = settings or AwsSettings()  # fields come from the environment
    components: dict[str, Any] = {
        "blobs": blobs or S3BlobStore(settings.bucket),
        "queue": queue or SqsQueue(settings.queue_url),
        "reports": reports or SqsReportQueue(settings.report_queue_url),
        "repository": repository
        or DynamoInvoiceRepository(settings.table, month_shards=settings.month_shards),
        "mailer": mailer
        or SesMailer(
            settings.mail_from,
            configuration_set=settings.ses_configuration_set,
            max_send_rate=settings.ses_max_send_rate,
        ),
        "extractor": extractor or build_aws_extractor(settings),
        "clock": clock or SystemClock(),
        "access": access or DynamoAccessStore(settings.table),
        "inbox_store": inbox_store or DynamoInboxStore(settings.table),
        "profiles": profiles or DynamoProfileStore(settings.table),
        # Lambda may write only /tmp: a refresh there lasts as long as the instance.
        "rates": rates or EcbRates(Path(tempfile.gettempdir()) / RATES_FILE),
        "documents": Documents(),
        "direct_uploads": direct_uploads or S3DirectUploads(settings.bucket),
        "downloads": S3Downloads(settings.bucket),
        "links": ActionLinks(settings.secret_key.get_secret_value().encode()),
    }
    components["intake"] = RecordThenQueue(components["repository"], components["queue"])
    return Billify(settings=settings, **components)
