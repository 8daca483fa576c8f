"""AWS Lambda entrypoints. Each parses its event, makes one use-case call and answers.

Settings (``BILLIFY_*``, see docs/aws.md) are read and validated once per container, on the
first invocation, together with the adapters (``bootstrap.build_aws``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

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
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from billify.adapters.aws.dynamodb import InvoiceConflict
from billify.bootstrap import Billify, build_aws
from billify.config import AwsSettings
from billify.domain import notifications
from billify.domain.reports import Month
from billify.domain.uploads import (
    MAX_REQUEST_BYTES,
    MAX_UPLOAD_BYTES,
    UploadRejected,
    validate_upload,
)
from billify.entrypoints.http import ErrorBody, InvoiceOut, UploadAccepted
from billify.ports import InvoiceMessage, ReportJob
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


@cache
def runtime() -> Runtime:
    """Validate the settings and wire the adapters, once per container."""
    settings = AwsSettings()
    app = build_aws(settings)
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


# -- API Gateway (REST, proxy integration) ----------------------------------------------------


def upload_invoice(event: dict[str, Any], context: object) -> dict[str, Any]:
    """``POST /upload-invoice``: multipart ``file``, ``name``, ``email``; 202 once queued."""
    try:
        form = _multipart_form(event)
        file = form.files.get("file")
        if file is None:
            raise UploadRejected("file", "file is required")
        upload = validate_upload(
            form.fields.get("name"), form.fields.get("email"), file.content, file.filename
        )
    except UploadRejected as error:
        return _error(error.status, "invalid_upload", error.message, error.field)
    except _BadRequest as error:
        return _error(400, "invalid_request", str(error))
    try:
        submitted = runtime().app.submit(upload, _caller(event))
    except InvoiceConflict:
        return _error(409, "conflict", "the same file is being uploaded right now; retry", "file")
    body = UploadAccepted(
        id=submitted.invoice.id, status=submitted.invoice.status, duplicate=submitted.duplicate
    )
    return _response(200 if submitted.duplicate else 202, body.model_dump(mode="json"))


def get_invoice(event: dict[str, Any], context: object) -> dict[str, Any]:
    """``GET /invoices/{id}``: the record, visible only to the API key that uploaded it."""
    invoice_id = str((event.get("pathParameters") or {}).get("id") or "")
    invoice = runtime().app.repository.get(invoice_id) if 0 < len(invoice_id) <= 64 else None
    if invoice is None or invoice.owner != _caller(event):
        # Another key's invoice is answered exactly like a missing one: ids do not leak.
        return _error(404, "not_found", "no invoice with this id")
    return _response(200, InvoiceOut.of(invoice).model_dump(mode="json"))


def confirm_recipient(event: dict[str, Any], context: object) -> dict[str, Any]:
    """``GET /confirm?token=...``: the double opt-in link; releases the notices held so far."""
    token = str((event.get("queryStringParameters") or {}).get("token") or "")
    confirmed = runtime().app.confirm_recipient(token) if 0 < len(token) <= 128 else None
    if confirmed is None:
        return _error(404, "not_found", "this link is unknown or was already used")
    page = notifications.confirmation_page(confirmed.email, confirmed.released)
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "text/html; charset=utf-8"},
        "body": page,
    }


def _caller(event: dict[str, Any]) -> str | None:
    """The id of the API key API Gateway checked (the usage plan's key), if any."""
    identity = (event.get("requestContext") or {}).get("identity") or {}
    key_id = identity.get("apiKeyId")
    return str(key_id) if key_id else None


def _response(status: int, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": json.dumps(body),
    }


def _error(status: int, error: str, detail: str, field: str | None = None) -> dict[str, Any]:
    body = ErrorBody(error=error, detail=detail, field=field).model_dump(exclude_none=True)
    return _response(status, body)


class _BadRequest(ValueError):
    pass


@dataclass
class _File:
    filename: str | None
    content: bytes


@dataclass
class _Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, _File] = field(default_factory=dict)


def _multipart_form(event: dict[str, Any]) -> _Form:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type, params = parse_options_header(headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise _BadRequest("the body must be multipart/form-data with file, name and email")
    raw = event.get("body") or ""
    try:
        body = base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else None
    except ValueError as error:
        raise _BadRequest("the body is not valid base64") from error
    if body is None:
        body = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
    if len(body) > MAX_REQUEST_BYTES:
        raise UploadRejected("file", f"file is larger than {MAX_UPLOAD_BYTES} bytes", status=413)
    return _parse_parts(body, params[b"boundary"])


def _parse_parts(body: bytes, boundary: bytes) -> _Form:
    parts: list[tuple[dict[str, str], bytearray]] = []
    name, value = bytearray(), bytearray()

    def header_end() -> None:
        parts[-1][0][name.decode("latin-1").strip().lower()] = value.decode("utf-8", "replace")
        name.clear()
        value.clear()

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": lambda: parts.append(({}, bytearray())),
            "on_header_field": lambda data, start, end: name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: value.extend(data[start:end]),
            "on_header_end": header_end,
            "on_part_data": lambda data, start, end: parts[-1][1].extend(data[start:end]),
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError as error:
        raise _BadRequest(f"the multipart body cannot be read: {error}") from error
    form = _Form()
    for part_headers, data in parts:
        _, disposition = parse_options_header(part_headers.get("content-disposition", ""))
        part_name = disposition.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in disposition:
            filename = disposition[b"filename"].decode("utf-8", "replace")
            form.files.setdefault(part_name, _File(filename or None, bytes(data)))
        else:
            form.fields.setdefault(part_name, data.decode("utf-8", "replace"))
    return form


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
        if attempts >= current.settings.max_receive_count:
            _give_up(current.app, message.invoice_id, attempts, error)
        raise


def _give_up(app: Billify, invoice_id: str, attempts: int, error: Exception) -> None:
    """The last delivery failed too: tell the user (the message still goes to the DLQ)."""
    try:
        app.mark_failed(invoice_id, f"gave up after {attempts} attempts: {error}")
    except Exception:
        log.exception("could not mark invoice %s as failed", invoice_id)


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
    return Month.containing(moment, current.settings.tz).previous()
