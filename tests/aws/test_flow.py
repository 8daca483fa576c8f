"""The whole AWS flow against the emulators: API Gateway event -> upload_invoice (the HTTP app
through Mangum) -> S3/DynamoDB/SQS -> extract_bill_info (Textract stub) -> DynamoDB record ->
SES notice -> the monthly job; reading, confirming and signing in through the ``api`` handler."""

from __future__ import annotations

import io
import json
import threading
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image

from billify.entrypoints import lambda_handlers
from tests.aws.conftest import (
    API_KEYS,
    API_KEYS_SETTING,
    API_URL,
    Answer,
    LambdaContext,
    Stack,
    api_event,
    cookie_value,
    get_event,
    invoke,
    load_event,
    upload_event,
)
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


def upload(
    stack: Stack,
    content: bytes,
    context: LambdaContext,
    api_key: str | None = None,
    **fields: str,
) -> Any:
    event = upload_event({**ANA, **fields}, ("receipt.png", content, "image/png"), api_key)
    answer = invoke(lambda_handlers.upload_invoice, event, context)
    return answer.status, answer.json()


def get(context: LambdaContext, invoice_id: str, **credentials: str) -> Answer:
    return invoke(lambda_handlers.api, get_event(invoice_id, **credentials), context)


@pytest.fixture
def keys(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Scripts' API keys configured (BILLIFY_API_KEYS, hashes): what a test uses to read."""
    monkeypatch.setenv("BILLIFY_API_KEYS", API_KEYS_SETTING)
    lambda_handlers.runtime.cache_clear()
    return API_KEYS


def test_upload_extract_notify_report(
    stack: Stack, context: LambdaContext, keys: dict[str, str]
) -> None:
    stack.textract.answer("DetectDocumentText", recorded("detect_document_text_receipt.json"))
    content = receipt_png()

    status, body = upload(stack, content, context, keys["ana"])
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
    assert item["status"] == "processed" and item["owner"] == "ana"  # the key's label
    operation, request = stack.textract.requests[0]
    assert operation == "DetectDocumentText" and "Bytes" in request["Document"]

    notices = stack.emails_to("ana@example.com", "notice:")
    assert len(notices) == 1
    assert notices[0]["From"] == stack.sender
    text = notices[0].get_payload()[0].get_payload(decode=True).decode()  # type: ignore[index,union-attr]
    assert "60.30" in text

    got = get(context, invoice_id, api_key=keys["ana"])
    assert got.status == 200, got.body
    record = got.json()
    assert (record["total"], record["currency"], record["vendor"]) == (
        "60.30",
        "MYR",
        "INDAH GIFT & HOME DECO",
    )
    assert record["date"] == "2018-10-19" and record["source"] == "textract"
    # Another API key sees nothing, exactly as for an unknown id; no key at all is a 401.
    other = get(context, invoice_id, api_key=keys["bob"])
    assert other.status == 404
    assert other.json() == get(context, "f" * 32, api_key=keys["ana"]).json()
    assert get(context, invoice_id).status == 401
    assert get(context, invoice_id, api_key="bk_forged").status == 401

    # The same file again: no second record, answered with the first.
    status, again = upload(stack, content, context, keys["ana"])
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
        answer = invoke(lambda_handlers.upload_invoice, upload_event(fields, file), context)
        body = answer.json()
        assert (answer.status, body["error"], body["field"]) == (
            status,
            "invalid_upload",
            field,
        ), body
        assert answer.headers["content-type"] == "application/json"
    not_multipart = upload_event(ANA, None)
    not_multipart["headers"]["Content-Type"] = "application/json"
    not_multipart["multiValueHeaders"]["Content-Type"] = ["application/json"]
    answer = invoke(lambda_handlers.upload_invoice, not_multipart, context)
    assert 400 <= answer.status < 500 and answer.json()["error"], answer.body
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

    def open_link(value: str) -> int:
        event = api_event("GET", "/confirm", query={"token": value})
        return invoke(lambda_handlers.api, event, context).status

    assert open_link("forged") == 404
    assert open_link(token[1]) == 200
    assert open_link(token[1]) == 404  # single use
    stack.drain(context)
    notices = stack.emails_to("new@example.com", "notice:")
    assert [str(m["X-Billify-Key"]) for m in notices] == [f"notice:{body['id']}"]


def test_the_page_health_and_docs_are_served_by_the_api_function(
    stack: Stack, context: LambdaContext
) -> None:
    page = invoke(lambda_handlers.api, api_event("GET", "/"), context)
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert b"<html" in page.body.lower()
    script = invoke(lambda_handlers.api, api_event("GET", "/static/app.js"), context)
    assert script.status == 200 and b"fetch(" in script.body
    icon = invoke(lambda_handlers.api, api_event("GET", "/static/icon.svg"), context)
    assert icon.status == 200 and icon.body.startswith(b"<svg")
    health = invoke(lambda_handlers.api, api_event("GET", "/health"), context)
    assert health.status == 200 and health.json()["status"] == "ok"
    docs = invoke(lambda_handlers.api, api_event("GET", "/docs"), context)
    assert docs.status == 200 and b"swagger" in docs.body.lower()
    schema = invoke(lambda_handlers.api, api_event("GET", "/openapi.json"), context).json()
    assert {"/upload-invoice", "/invoices/{invoice_id}", "/auth/sign-in"} <= set(schema["paths"])


def test_sign_in_by_emailed_link_through_the_lambda_entry(
    stack: Stack, context: LambdaContext
) -> None:
    """POST /auth/sign-in -> the SES email's link -> GET /auth/link sets the session cookie ->
    /me and the invoices with it; another person's invoice is a 404. BILLIFY_PUBLIC_URL is not
    set (as in the template for the API's own functions): the links name the address API
    Gateway reported."""
    import re

    status, mine = upload(stack, png_bytes(), context)  # anonymous uploads, one per person
    assert status == 202
    status, theirs = upload(stack, png_bytes(9, 9), context, email="bob@example.com")
    assert status == 202

    asked = invoke(
        lambda_handlers.api,
        api_event("POST", "/auth/sign-in", json_body={"email": "ana@example.com"}),
        context,
    )
    assert asked.status == 202, asked.body
    (message,) = stack.emails_to("ana@example.com", "sign-in:")
    text = message.get_payload()[0].get_payload(decode=True).decode()  # type: ignore[index,union-attr]
    link = re.search(re.escape(API_URL) + r"/auth/link\?token=([\w%-]+)", text)
    assert link is not None, text

    from urllib.parse import unquote

    token = unquote(link[1])

    def call(method: str, path: str, **options: Any) -> Answer:
        return invoke(lambda_handlers.api, api_event(method, path, **options), context)

    opened = call("GET", "/auth/link", query={"token": token})
    assert opened.status == 303, opened.body
    session = cookie_value(opened)
    assert session
    (cookie,) = [c for c in opened.cookies if c.startswith("billify_session=")]
    assert "HttpOnly" in cookie and "Secure" in cookie  # the public URL is https
    # The address is confirmed by signing in (no double opt-in email needed any more).
    assert stack.raw_item("recipient#ana@example.com")["confirmed_at"]
    # The link works once.
    again = call("GET", "/auth/link", query={"token": token})
    assert cookie_value(again) is None

    me = call("GET", "/me", cookie=session)
    assert me.status == 200 and me.json()["email"] == "ana@example.com"
    assert get(context, mine["id"], cookie=session).status == 200
    hidden = get(context, theirs["id"], cookie=session)
    assert hidden.status == 404
    assert hidden.json() == get(context, "f" * 32, cookie=session).json()
    assert get(context, mine["id"]).status == 401  # no cookie, no invoice

    origin = API_URL.rsplit("/", 1)[0]  # the page's origin: scheme and host
    signed_out = call("POST", "/auth/sign-out", cookie=session, headers={"Origin": origin})
    assert signed_out.status == 200, signed_out.body
    assert call("GET", "/me", cookie=session).status == 401


def test_an_identical_upload_in_flight_is_answered_409(
    stack: Stack, context: LambdaContext
) -> None:
    """The same file by the same person while another upload of it is being recorded: the
    DynamoDB transaction refuses it (``InvoiceConflict``, a ``ports.DuplicateUpload``) and the
    app answers 409; nothing is left behind. The other upload is caught half-way here: its
    file's pointer item is written, its invoice not yet visible."""
    import hashlib

    content = png_bytes(5, 7)
    pointer = f"upload#{ANA['email']}#{hashlib.sha256(content).hexdigest()}"
    stack.client("dynamodb").put_item(
        TableName=stack.table,
        Item={"id": {"S": pointer}, "kind": {"S": "upload"}, "invoice_id": {"S": "f" * 32}},
    )
    status, body = upload(stack, content, context)
    assert (status, body.get("error")) == (409, "conflict"), body
    assert "Contents" not in stack.client("s3").list_objects_v2(Bucket=stack.bucket)
