"""The whole AWS flow against the emulators: API Gateway event -> upload_invoice -> S3/DynamoDB/
SQS -> extract_bill_info (Textract stub) -> DynamoDB record -> SES notice -> the monthly job."""

from __future__ import annotations

import io
import json
import threading
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image

from billify.entrypoints import lambda_handlers
from tests.aws.conftest import LambdaContext, Stack, get_event, load_event, upload_event
from tests.conftest import png_bytes

ANA = {"name": "Ana Lima", "email": "ana@example.com"}
# The receipt image the recorded DetectDocumentText answer is of (its "_image").
RECEIPT: dict[str, Any] = load_event("textract/detect_document_text_receipt.json")["_image"]


def recorded(name: str) -> Any:
    """A recorded Textract answer as the service sends it (our "_" notes removed)."""
    data = load_event(f"textract/{name}")
    return {key: value for key, value in data.items() if not key.startswith("_")}


def receipt_page() -> Image.Image:
    """A blank page of the recorded receipt's size: what the stub's answer is read against."""
    return Image.new("L", (RECEIPT["width"], RECEIPT["height"]), 255)


def receipt_png() -> bytes:
    out = io.BytesIO()
    receipt_page().save(out, format="PNG")
    return out.getvalue()


def upload(stack: Stack, content: bytes, context: LambdaContext, **fields: str) -> Any:
    event = upload_event({**ANA, **fields}, ("receipt.png", content, "image/png"))
    response = lambda_handlers.upload_invoice(event, context)
    return response["statusCode"], json.loads(response["body"])


def test_upload_extract_notify_report(stack: Stack, context: LambdaContext) -> None:
    stack.textract.answer("DetectDocumentText", recorded("detect_document_text_receipt.json"))
    content = receipt_png()

    status, body = upload(stack, content, context)
    assert status == 202
    assert body == {"id": body["id"], "status": "queued", "duplicate": False}
    invoice_id = body["id"]
    stored = stack.client("s3").list_objects_v2(Bucket=stack.bucket)["Contents"]
    assert [o["Key"] for o in stored] == [stack.raw_item(invoice_id)["blob_key"]]

    stack.drain(context)

    item = stack.raw_item(invoice_id)
    # The seed's attributes, top level; money as a DynamoDB number.
    assert item["id"] == invoice_id
    assert item["name"] == "Ana Lima" and item["email"] == "ana@example.com"
    assert item["total"] == Decimal("60.30")
    assert item["timestamp"] == item["received_at"]
    assert item["status"] == "processed" and item["owner"] == "key-ana"
    operation, request = stack.textract.requests[0]
    assert operation == "DetectDocumentText" and "Bytes" in request["Document"]

    notices = stack.emails_to("ana@example.com", "notice:")
    assert len(notices) == 1
    assert notices[0]["From"] == stack.sender
    text = notices[0].get_payload()[0].get_payload(decode=True).decode()  # type: ignore[index,union-attr]
    assert "60.30" in text

    got = lambda_handlers.get_invoice(get_event(invoice_id), context)
    assert got["statusCode"] == 200
    record = json.loads(got["body"])
    assert (record["total"], record["currency"], record["vendor"]) == (
        "60.30",
        "MYR",
        "INDAH GIFT & HOME DECO",
    )
    assert record["date"] == "2018-10-19" and record["source"] == "textract"
    # Another API key sees nothing, exactly as for an unknown id.
    other = lambda_handlers.get_invoice(get_event(invoice_id, api_key_id="key-bob"), context)
    assert other["statusCode"] == 404
    assert json.loads(other["body"]) == json.loads(
        lambda_handlers.get_invoice(get_event("f" * 32), context)["body"]
    )

    # The same file again: no second record, answered with the first.
    status, again = upload(stack, content, context)
    assert (status, again["id"], again["duplicate"]) == (200, invoice_id, True)

    # A redelivered message (SQS is at-least-once): one record, one notice.
    stack.client("sqs").send_message(
        QueueUrl=stack.queue_url,
        MessageBody=json.dumps({"invoice_id": invoice_id, "blob_key": item["blob_key"]}),
    )
    stack.drain(context)
    assert len(stack.emails_to("ana@example.com", "notice:")) == 1
    assert stack.textract.operations() == ["DetectDocumentText"]

    # The schedule fires at 00:05 on the 1st (Europe/Berlin here): twice, and concurrently.
    # Each run queues the month's jobs; the report function sends each user's report once.
    month = _month_of(item["received_at"])
    event = {"month": month}
    results: list[dict[str, Any]] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                lambda_handlers.monthly_bill_aggregator(event, LambdaContext())
            )
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.append(lambda_handlers.monthly_bill_aggregator(event, context))
    assert results == [{"month": month, "queued": 1}] * 3
    assert stack.emails_to("ana@example.com", "report:") == []  # queued, not sent yet
    polls = stack.drain_reports(context)
    assert [p["batchItemFailures"] for p in polls] == [[]] * len(polls)
    reports = stack.emails_to("ana@example.com", f"report:{month}")
    assert len(reports) == 1, [r["X-Billify-Key"] for r in stack.sent_emails()]
    assert stack.raw_item(f"report#{month}#ana@example.com")["sent_at"]
    assert "INDAH GIFT" in reports[0].as_string() or "60.30" in reports[0].as_string()


def _month_of(received_at: str) -> str:
    import datetime as dt
    from zoneinfo import ZoneInfo

    moment = dt.datetime.fromisoformat(received_at).astimezone(ZoneInfo("Europe/Berlin"))
    return f"{moment:%Y-%m}"


def test_scheduled_event_reports_the_month_just_ended(stack: Stack, context: LambdaContext) -> None:
    event = load_event("scheduler_monthly.json")  # 2026-11-30T23:05Z = Dec 1st 00:05 in Berlin
    assert lambda_handlers.monthly_bill_aggregator(event, context)["month"] == "2026-11"


@pytest.mark.max_receive_count(2)
def test_poison_message_goes_to_the_dead_letter_queue(stack: Stack, context: LambdaContext) -> None:
    stack.textract.answer("DetectDocumentText", recorded("detect_document_text_receipt.json"))
    status, body = upload(stack, receipt_png(), context)
    assert status == 202
    sqs = stack.client("sqs")
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody="{not json")

    first = stack.poll_queue(context)
    assert first is not None and len(first["batchItemFailures"]) == 1  # the good one went on
    assert stack.raw_item(body["id"])["status"] == "processed"

    stack.drain(context)  # the second delivery fails too; a third is moved by SQS's redrive
    dead = sqs.receive_message(QueueUrl=stack.dlq_url, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in dead] == ["{not json"]
    assert "Messages" not in sqs.receive_message(QueueUrl=stack.queue_url)


@pytest.mark.max_receive_count(2)
def test_invoice_failing_every_delivery_is_marked_failed_and_dead_lettered(
    stack: Stack, context: LambdaContext
) -> None:
    outage = {"__type": "InternalServerError", "message": "Textract is down"}
    stack.textract.answer("DetectDocumentText", outage, status=500)
    status, body = upload(stack, png_bytes(), context)
    assert status == 202

    stack.drain(context)

    item = stack.raw_item(body["id"])
    assert item["status"] == "failed" and "gave up after 2 attempts" in item["error"]
    assert (
        len(stack.emails_to("ana@example.com", "failed:"))
        + len(stack.emails_to("ana@example.com", "notice:"))
        == 1
    )
    dead = stack.client("sqs").receive_message(QueueUrl=stack.dlq_url)["Messages"]
    assert json.loads(dead[0]["Body"])["invoice_id"] == body["id"]


def test_rejected_uploads_answer_with_the_local_error_shape(
    stack: Stack, context: LambdaContext
) -> None:
    cases = [
        ({"name": "Ana"}, ("a.png", png_bytes(), "image/png"), 400, "email"),
        (ANA, ("a.txt", b"hello", "text/plain"), 415, "file"),
        (ANA, None, 400, "file"),
        (
            {**ANA, "name": "Ana\nBcc: x@example.com"},
            ("a.png", png_bytes(), "image/png"),
            400,
            "name",
        ),
    ]
    for fields, file, status, field in cases:
        response = lambda_handlers.upload_invoice(upload_event(fields, file), context)
        body = json.loads(response["body"])
        assert (response["statusCode"], body["error"], body["field"]) == (
            status,
            "invalid_upload",
            field,
        ), body
        assert response["headers"]["Content-Type"] == "application/json"
    not_multipart = upload_event(ANA, None)
    not_multipart["headers"]["Content-Type"] = "application/json"
    response = lambda_handlers.upload_invoice(not_multipart, context)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"] == "invalid_request"
    assert "Contents" not in stack.client("s3").list_objects_v2(Bucket=stack.bucket)


def test_double_opt_in_holds_notices_until_the_link_is_opened(
    stack: Stack, context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    monkeypatch.setenv("BILLIFY_CONFIRM_RECIPIENTS", "true")
    monkeypatch.setenv("BILLIFY_PUBLIC_URL", "https://api.example.org/v1")
    lambda_handlers.runtime.cache_clear()
    stack.textract.answer("DetectDocumentText", recorded("detect_document_text_receipt.json"))
    status, body = upload(stack, receipt_png(), context, email="new@example.com")
    assert status == 202
    stack.drain(context)
    assert stack.emails_to("new@example.com", "notice:") == []
    links = stack.emails_to("new@example.com", "confirm:")
    assert len(links) == 1
    text = links[0].get_payload()[0].get_payload(decode=True).decode()  # type: ignore[index,union-attr]
    token = re.search(r"https://api\.example\.org/v1/confirm\?token=(\S+)", text)
    assert token is not None

    def open_link(value: str) -> dict[str, Any]:
        event = {"queryStringParameters": {"token": value}, "requestContext": {}}
        return lambda_handlers.confirm_recipient(event, context)

    assert open_link("forged")["statusCode"] == 404
    assert open_link(token[1])["statusCode"] == 200
    assert open_link(token[1])["statusCode"] == 404  # single use
    stack.drain(context)
    notices = stack.emails_to("new@example.com", "notice:")
    assert [str(m["X-Billify-Key"]) for m in notices] == [f"notice:{body['id']}"]
