"""AWS Lambda entrypoints. Each parses its event, makes one use-case call and answers; HTTP
requests are answered by the same FastAPI app as ``billify serve`` (through Mangum).

Settings (``BILLIFY_*``, see docs/aws.md) are read and validated once per container, on the
first invocation, together with the adapters (``bootstrap.build_aws``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)

from billify import inbox
from billify.adapters.aws.direct_upload import INCOMING_PREFIX, S3DirectUploads
from billify.bootstrap import Billify, build_aws
from billify.config import AwsSettings
from billify.domain.inbound import MAX_MESSAGE_BYTES
from billify.domain.reports import Month
from billify.domain.uploads import UploadRejected, validate_upload
from billify.home_currency import refresh_if_stale
from billify.ports import BlobNotFound, DuplicateUpload, InvoiceMessage, ReportJob
from billify.services import ReportOutcome

log = logging.getLogger(__name__)
logging.getLogger("billify").setLevel(logging.INFO)


@dataclass(frozen=True)
class Runtime:
    """What one container keeps between invocations."""

    settings: AwsSettings
    app: Billify
    idempotency: IdempotencyConfig
    process: Callable[..., dict[str, Any]]

    # The HTTP app, once built (a list: the dataclass is frozen, its contents are not).
    _http: list[Callable[[dict[str, Any], Any], dict[str, Any]]] = field(
        default_factory=list, compare=False, repr=False
    )

    def http(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Answer an API Gateway event with the FastAPI app (``billify.entrypoints.http``)
        behind Mangum, built on the first HTTP invocation only: the queue and schedule
        functions never import FastAPI. No lifespan: ``serve``'s background work (workers,
        scheduler) is SQS and EventBridge here. The caller is whoever the app says (a session
        cookie, or an ``x-api-key`` checked against ``BILLIFY_API_KEYS``): API Gateway checks
        no key."""
        if not self._http:
            self._http.append(self._http_app(event))
        return self._http[0](event, context)

    def _http_app(self, event: dict[str, Any]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        from mangum import Mangum

        from billify.entrypoints.http import create_app

        app = self.app
        public_url = public_url_of(event)
        if "public_url" not in self.settings.model_fields_set and public_url:
            # Not configured (the template cannot give the API's own functions its URL: a
            # circular reference): the address API Gateway says it was called at.
            settings = self.settings.model_copy(update={"public_url": public_url})
            app = dataclasses.replace(app, settings=settings)
        handler: Callable[[dict[str, Any], Any], dict[str, Any]] = Mangum(
            create_app(app), lifespan="off"
        )
        return handler

    @property
    def direct_uploads(self) -> S3DirectUploads:
        """The S3 adapter ``build_aws`` wired (it also reads and discards what arrived)."""
        uploads = self.app.direct_uploads
        assert isinstance(uploads, S3DirectUploads), "build_aws wires S3DirectUploads"
        return uploads


def _refresh_rates_in_background(app: Billify) -> None:
    """The rates shipped with the package end at its release: a container fetches the ECB's
    anew when they are stale, without holding up its first invocation (reports and
    notices meanwhile use the shipped ones)."""
    if app.rates is None:
        return
    rates, url, today = app.rates, app.settings.rates_url, app.clock.now().date()
    threading.Thread(
        target=refresh_if_stale, args=(rates, url, today), name="rates", daemon=True
    ).start()


@cache
def runtime() -> Runtime:
    """Validate the settings and wire the adapters, once per container."""
    settings = AwsSettings()
    app = build_aws(settings)
    _refresh_rates_in_background(app)
    # Idempotency records live in the invoice table too (items ``<function>#<hash>``, expired
    # by the table's TTL on ``expiration``): a message delivered twice at the same time is
    # processed once; the second copy fails and is retried after the first has finished.
    persistence = DynamoDBPersistenceLayer(table_name=settings.table, key_attr="id")
    config = IdempotencyConfig(
        event_key_jmespath="[invoice_id, reason]",
        expires_after_seconds=settings.idempotency_ttl_seconds,
        raise_on_no_idempotency_key=True,
    )

    def process(message: dict[str, Any]) -> dict[str, Any]:
        invoice = app.process(InvoiceMessage.from_json(message))
        return {"invoice_id": message["invoice_id"], "status": invoice and invoice.status.value}

    guarded: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="message", persistence_store=persistence, config=config
    )(process)
    return Runtime(settings=settings, app=app, idempotency=config, process=guarded)


# -- API Gateway (REST, proxy integration): the one HTTP app --------------------------------------


def upload_invoice(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``POST /upload-invoice`` (UploadInvoiceFunction): the HTTP app's own upload route."""
    return runtime().http(event, context)


def api(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every other route (ApiFunction): the page, the invoices, sign-in, ``/confirm``,
    ``/health``, ``/docs``. The same FastAPI app as ``billify serve``."""
    return runtime().http(event, context)


def public_url_of(event: dict[str, Any]) -> str | None:
    """The base URL a REST API proxy event was called at, from what API Gateway itself
    reports (never the client's Host header): its domain, then the part of the request's
    path before the API's own path (the stage ``/v1`` on the execute-api domain, a custom
    domain's base path, or nothing)."""
    context = event.get("requestContext") or {}
    domain = context.get("domainName")
    full, own = str(context.get("path") or ""), str(event.get("path") or "")
    if not domain or not own or not full.endswith(own):
        return None
    return f"https://{domain}{full[: len(full) - len(own)]}".rstrip("/")


# -- S3 (EventBridge "Object Created" on incoming/): direct uploads ------------------------------


def upload_arrived(event: dict[str, Any], context: object) -> dict[str, Any]:
    """A file the browser POSTed straight to the bucket (``direct_upload``): checked like any
    upload, submitted, then deleted from ``incoming/``. A refused file is logged and deleted;
    a failure to submit raises (the object stays, and Lambda retries the event). Accepts
    EventBridge's S3 event and S3's own notification (``Records``)."""
    current = runtime()
    uploads = current.direct_uploads
    results: list[dict[str, Any]] = []
    for bucket, key in _arrived_objects(event):
        if bucket != current.settings.bucket or not key.startswith(INCOMING_PREFIX):
            log.warning("ignored object %s/%s: not a direct upload of this stack", bucket, key)
            results.append({"key": key, "outcome": "ignored"})
            continue
        results.append({"key": key, **_take_arrival(current.app, uploads, key)})
    return {"results": results}


def _take_arrival(app: Billify, uploads: S3DirectUploads, key: str) -> dict[str, Any]:
    try:
        arrived = uploads.fetch(key)
    except BlobNotFound:
        # Taken by an earlier delivery of the same event (S3 announces at least once).
        log.info("direct upload %s already taken", key)
        return {"outcome": "gone"}
    try:
        upload = validate_upload(arrived.name, arrived.email, arrived.content, arrived.filename)
    except UploadRejected as error:
        log.warning("direct upload %s refused (%s): %s", key, error.field, error.message)
        uploads.discard(key)
        return {"outcome": "refused", "field": error.field, "detail": error.message}
    try:
        submitted = app.submit(upload, arrived.owner)
    except DuplicateUpload:
        # The same file from the same person is being recorded right now: that one wins.
        log.info("direct upload %s is a concurrent copy of another upload", key)
        uploads.discard(key)
        return {"outcome": "duplicate"}
    uploads.discard(key)
    log.info("direct upload %s is invoice %s", key, submitted.invoice.id)
    return {
        "outcome": "duplicate" if submitted.duplicate else "queued",
        "invoice_id": submitted.invoice.id,
    }


def _arrived_objects(event: dict[str, Any]) -> list[tuple[str, str]]:
    """(bucket, key) of each object an S3 event announces."""
    if event.get("source") == "aws.s3":  # EventBridge
        detail = event.get("detail") or {}
        return [(str(detail["bucket"]["name"]), str(detail["object"]["key"]))]
    return [
        # S3 notifications URL-encode keys (a space as "+").
        (str(r["s3"]["bucket"]["name"]), unquote_plus(str(r["s3"]["object"]["key"])))
        for r in event.get("Records") or []
        if str(r.get("eventName", "")).startswith("ObjectCreated")
    ]


# -- SES receiving: invoices by email ------------------------------------------------------------

# Where the receipt rule's S3 action stores each message, as ``<prefix><SES message id>``
# (template.yaml: ObjectKeyPrefix; the bucket's lifecycle expires what is left there).
INBOUND_PREFIX = "inbound/"
# SES's verdicts a message must not FAIL (receipt rule with ScanEnabled), in the order named.
ENFORCED_VERDICTS = {
    "virus": "virusVerdict",
    "spam": "spamVerdict",
    "spf": "spfVerdict",
    "dkim": "dkimVerdict",
}
METRICS_NAMESPACE = "Billify"


def failed_verdicts(receipt: Mapping[str, Any]) -> list[str]:
    """The checks SES says a message failed (``virus``, ``spam``, ``spf``, ``dkim``); empty:
    take it. Only ``FAIL`` refuses: ``GRAY`` (neither passed nor failed, e.g. no DKIM
    signature), ``PROCESSING_FAILED`` and a missing verdict (no scan) prove nothing. DMARC is
    not enforced: a message forwarded by a person's own mail rule often fails it."""
    failed = []
    for check, verdict in ENFORCED_VERDICTS.items():
        status = (receipt.get(verdict) or {}).get("status")
        if str(status or "").upper() == "FAIL":
            failed.append(check)
    return failed


def receive_mail(event: dict[str, Any], context: object) -> dict[str, Any]:
    """SES's receipt rule stored a message in the bucket (its S3 action, under
    ``INBOUND_PREFIX``) and then invoked this (its Lambda action, asynchronously). A message
    failing a verdict, for no known address, refused for good or too large is dropped: logged,
    counted and its stored copy deleted. Else it goes to ``inbox.receive`` like mail to the
    SMTP receiver, and its copy is deleted once its invoices are queued. A temporary refusal
    (the hourly limit) or a failure raises: Lambda retries the event (twice) and the copy
    stays until then."""
    app = runtime().app
    results = [_take_mail(app, record.get("ses") or {}) for record in event.get("Records") or []]
    return {"results": results}


def _take_mail(app: Billify, ses: dict[str, Any]) -> dict[str, Any]:
    mail, receipt = ses.get("mail") or {}, ses.get("receipt") or {}
    message_id = str(mail.get("messageId") or "")
    if not message_id or "/" in message_id:
        log.warning("ignored an SES event without a usable messageId: %r", message_id)
        return {"message_id": message_id, "outcome": "ignored"}
    key = INBOUND_PREFIX + message_id
    failed = failed_verdicts(receipt)
    if failed:
        return _drop(app, key, message_id, f"verdict:{failed[0]}", f"{'/'.join(failed)} FAIL", mail)
    deps = app.inbox
    recipients = [str(r) for r in receipt.get("recipients") or []]
    owners = [owner for r in recipients if (owner := inbox.owner_of(r, deps))]
    if not owners:  # SES accepts any address of the domain; an unknown one is dropped here
        return _drop(app, key, message_id, "unknown-address", f"{len(recipients)} unknown", mail)
    try:
        raw = app.blobs.get(key)
    except BlobNotFound:
        # Taken by an earlier delivery of the same event (Lambda invokes at least once).
        log.info("mail %s already taken", message_id)
        return {"message_id": message_id, "outcome": "gone"}
    if len(raw) > MAX_MESSAGE_BYTES:
        return _drop(app, key, message_id, "too-large", f"{len(raw)} bytes", mail)
    try:
        received = inbox.receive(raw, owners, deps)
    except inbox.MailRefused as refused:
        if not refused.permanent:
            raise  # e.g. over the hourly limit: Lambda tries the event again later
        return _drop(app, key, message_id, "refused", refused.message, mail)
    app.blobs.delete(key)
    return {
        "message_id": message_id,
        "outcome": "received",
        "invoices": [i.id for r in received for i in r.invoices],
        "duplicates": sum(len(r.duplicates) for r in received),
        "skipped": sum(len(r.skipped) for r in received),
        "again": sum(r.again for r in received),
    }


def _drop(
    app: Billify, key: str, message_id: str, reason: str, detail: str, mail: dict[str, Any]
) -> dict[str, Any]:
    """Log, count (CloudWatch metric ``Billify/InboundMailDropped`` by ``Reason``, through
    Powertools' embedded metric format), and delete the stored copy: nothing is kept."""
    log.warning("mail %s from %r dropped (%s: %s)", message_id, mail.get("source"), reason, detail)
    with single_metric(
        name="InboundMailDropped", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE
    ) as metric:
        metric.add_dimension(name="Reason", value=reason.split(":", 1)[0])
    app.blobs.delete(key)  # S3 answers a delete of a missing key with success too
    return {"message_id": message_id, "outcome": "dropped", "reason": reason}


# -- SQS: extract, record, notify ----------------------------------------------------------------

_processor = BatchProcessor(event_type=EventType.SQS)


def extract_bill_info(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One SQS batch. A failing record is reported alone (``batchItemFailures``) and retried
    by SQS; after the queue's maxReceiveCount it moves to the dead-letter queue."""
    current = runtime()
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        current.idempotency.register_lambda_context(context)
    response = process_partial_response(
        event=event, record_handler=_process_record, processor=_processor, context=context
    )
    return dict(response)


def _process_record(record: SQSRecord) -> None:
    current = runtime()
    message = InvoiceMessage.from_json(json.loads(record.body))  # a malformed body fails here
    try:
        current.process(message=message.to_json())
    except IdempotencyAlreadyInProgressError:
        raise  # another copy is being processed now: retried once it is done
    except Exception as error:
        attempts = int(record.attributes.approximate_receive_count or 1)
        if attempts >= current.settings.max_receive_count:  # the message goes to the DLQ
            current.app.give_up(message.to_json(), f"{attempts} attempts: {error}")
        raise


# -- EventBridge Scheduler: monthly reports ------------------------------------------------------


def monthly_bill_aggregator(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Queue last month's report jobs, one per user, on the report queue. The month comes from
    ``{"month": "YYYY-MM"}`` (manual run), else from the schedule's time (``scheduled_time``
    or an EventBridge ``time``) minus one month, so a retried or late invocation still reports
    the right month. Running it twice is harmless: a job for a user already sent is a no-op."""
    current = runtime()
    month = _month_of(event or {}, current)
    queued = current.app.queue_monthly_reports(month)
    log.info("monthly reports for %s: %d job(s) queued", month, queued)
    return {"month": str(month), "queued": queued}


class ReportNotSent(RuntimeError):
    """Sending failed (the claim was released), or another invocation holds the claim and may
    have died: SQS's redelivery, after the visibility timeout, sends it or finds it sent."""


def send_monthly_report(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One SQS batch of report jobs. A job whose report could not be sent is reported alone
    (``batchItemFailures``) and redelivered; a job delivered twice finds the report sent."""
    response = process_partial_response(
        event=event, record_handler=_report_record, processor=_report_processor, context=context
    )
    return dict(response)


_report_processor = BatchProcessor(event_type=EventType.SQS)


def _report_record(record: SQSRecord) -> None:
    job = ReportJob.from_json(json.loads(record.body))  # a malformed body fails here
    (result,) = runtime().app.send_monthly_reports([job])
    log.info("monthly report %s for %s: %s", job.month, job.email, result.outcome.value)
    if result.outcome in (ReportOutcome.FAILED, ReportOutcome.IN_PROGRESS):
        reason = result.error or result.outcome.value
        raise ReportNotSent(f"report {job.month} for {job.email}: {reason}")


def _month_of(event: dict[str, Any], current: Runtime) -> Month:
    if event.get("month"):
        return Month.parse(str(event["month"]))
    stamp = event.get("scheduled_time") or event.get("time")
    if stamp:
        moment = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
    else:
        moment = current.app.clock.now()
    return Month.before(moment, current.settings.tz)
