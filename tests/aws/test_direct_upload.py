"""Files too big for API Gateway -> Lambda go straight to S3: a presigned POST (signed here,
POSTed over HTTP to moto's S3 like a browser would), then the S3 event -> ``upload_arrived``
-> a queued invoice, and the ``incoming/`` object deleted."""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from billify.adapters.aws.direct_upload import (
    INCOMING_PREFIX,
    PROXY_UPLOAD_LIMIT,
    PresignedPost,
    S3DirectUploads,
    start_direct_upload,
)
from billify.domain.uploads import MAX_UPLOAD_BYTES, UploadRejected
from billify.entrypoints import lambda_handlers
from tests.aws.conftest import LambdaContext, Stack, load_event, multipart
from tests.conftest import png_bytes

# A PDF bigger than what API Gateway can hand Lambda (its 6 MB payload, base64-encoded).
BIG_PDF = b"%PDF-1.4\n%" + b"0" * (PROXY_UPLOAD_LIMIT + 1024 * 1024) + b"\n%%EOF\n"


def post_form(form: PresignedPost, content: bytes, filename: str = "scan.pdf") -> int:
    """What the page does: the signed fields, then the file, as multipart/form-data."""
    body, content_type = multipart(form.fields, (filename, content, "application/pdf"))
    request = urllib.request.Request(
        form.url, data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def eventbridge_event(stack: Stack, key: str) -> dict[str, Any]:
    """EventBridge's "Object Created" event for an object of the stack's bucket."""
    head = stack.client("s3").head_object(Bucket=stack.bucket, Key=key)
    event: dict[str, Any] = load_event("eventbridge_s3_object_created.json")
    event["resources"] = [f"arn:aws:s3:::{stack.bucket}"]
    event["detail"]["bucket"]["name"] = stack.bucket
    event["detail"]["object"].update(
        key=key, size=head["ContentLength"], etag=head["ETag"].strip('"')
    )
    return event


def notification_event(stack: Stack, key: str) -> dict[str, Any]:
    """S3's own event notification (``Records``) for the same."""
    event: dict[str, Any] = load_event("s3_object_created.json")
    record = event["Records"][0]["s3"]
    record["bucket"].update(name=stack.bucket, arn=f"arn:aws:s3:::{stack.bucket}")
    record["object"]["key"] = key
    return event


def policy_of(form: PresignedPost) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(form.fields["policy"]))
    return policy


def incoming(stack: Stack) -> list[str]:
    listed = stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix=INCOMING_PREFIX)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_a_big_file_posted_to_s3_becomes_a_queued_invoice(
    stack: Stack, context: LambdaContext
) -> None:
    uploads = S3DirectUploads(stack.bucket)
    form = start_direct_upload(
        uploads,
        name="Ana Lüma",
        email="Ana@Example.com",
        owner="ana",
        filename="big scan.pdf",
        size=len(BIG_PDF),
    )
    assert form.key.startswith(INCOMING_PREFIX) and form.max_bytes == MAX_UPLOAD_BYTES
    assert json.loads(json.dumps(form.to_json()))["fields"] == form.fields

    # The signed policy pins the key, the size range and every metadata field exactly (moto
    # does not enforce POST policies: S3 does, and this is what it is given).
    conditions = policy_of(form)["conditions"]
    assert ["content-length-range", 1, MAX_UPLOAD_BYTES] in conditions
    assert {"key": form.key} in conditions
    assert {"x-amz-meta-name": "Ana L%C3%BCma"} in conditions
    assert {"x-amz-meta-email": "Ana@example.com"} in conditions  # normalised already
    assert {"x-amz-meta-owner": "ana"} in conditions
    assert {"bucket": stack.bucket} in conditions
    assert form.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"  # Signature Version 4

    assert post_form(form, BIG_PDF) == 204
    assert incoming(stack) == [form.key]

    result = lambda_handlers.upload_arrived(eventbridge_event(stack, form.key), context)
    (outcome,) = result["results"]
    assert outcome["outcome"] == "queued", outcome
    invoice_id = outcome["invoice_id"]
    item = stack.raw_item(invoice_id)
    assert (item["status"], item["name"], item["email"], item["owner"]) == (
        "queued",
        "Ana Lüma",
        "Ana@example.com",
        "ana",
    )
    assert item["file_size"] == len(BIG_PDF) and item["media_type"] == "application/pdf"
    assert item["original_filename"] == "big scan.pdf"
    stored = stack.client("s3").get_object(Bucket=stack.bucket, Key=item["blob_key"])
    assert stored["Body"].read() == BIG_PDF
    assert incoming(stack) == []  # taken
    queued = stack.client("sqs").receive_message(QueueUrl=stack.queue_url)["Messages"]
    assert [json.loads(m["Body"])["invoice_id"] for m in queued] == [invoice_id]

    # S3 delivers events at least once: the same event again finds nothing to take.
    late = load_event("eventbridge_s3_object_created.json")
    late["detail"]["bucket"]["name"] = stack.bucket
    late["detail"]["object"]["key"] = form.key
    again = lambda_handlers.upload_arrived(late, context)
    assert again["results"] == [{"key": form.key, "outcome": "gone"}]


def test_the_same_file_twice_is_one_invoice(stack: Stack, context: LambdaContext) -> None:
    uploads = S3DirectUploads(stack.bucket)
    ids = []
    for _ in range(2):
        form = start_direct_upload(uploads, name="Ana", email="ana@example.com")
        assert post_form(form, png_bytes(), "receipt.png") == 204
        (outcome,) = lambda_handlers.upload_arrived(notification_event(stack, form.key), context)[
            "results"
        ]
        ids.append(outcome.get("invoice_id"))
        assert outcome["outcome"] == ("queued" if len(ids) == 1 else "duplicate")
    assert ids[0] == ids[1]
    assert incoming(stack) == []


def test_a_refused_file_is_deleted_and_recorded_nowhere(
    stack: Stack, context: LambdaContext
) -> None:
    uploads = S3DirectUploads(stack.bucket)
    form = start_direct_upload(uploads, name="Ana", email="ana@example.com")
    assert post_form(form, b"#!/bin/sh\necho not an invoice\n", "evil.sh") == 204

    result = lambda_handlers.upload_arrived(notification_event(stack, form.key), context)
    (outcome,) = result["results"]
    assert (outcome["outcome"], outcome["field"]) == ("refused", "file")
    assert incoming(stack) == []
    listed = stack.client("s3").list_objects_v2(Bucket=stack.bucket)
    assert "Contents" not in listed  # nothing under invoices/ either
    assert "Messages" not in stack.client("sqs").receive_message(QueueUrl=stack.queue_url)


def test_objects_of_other_buckets_or_prefixes_are_ignored(
    stack: Stack, context: LambdaContext
) -> None:
    stack.client("s3").put_object(Bucket=stack.bucket, Key="invoices/x.pdf", Body=b"%PDF-")
    event = notification_event(stack, "invoices/x.pdf")
    assert lambda_handlers.upload_arrived(event, context)["results"] == [
        {"key": "invoices/x.pdf", "outcome": "ignored"}
    ]
    other = notification_event(stack, "incoming/abc")
    other["Records"][0]["s3"]["bucket"]["name"] = "someone-elses"
    assert lambda_handlers.upload_arrived(other, context)["results"][0]["outcome"] == "ignored"
    assert stack.client("s3").head_object(Bucket=stack.bucket, Key="invoices/x.pdf")


def test_the_uploader_is_checked_before_signing(stack: Stack) -> None:
    uploads = S3DirectUploads(stack.bucket)
    cases: list[tuple[dict[str, Any], str, int]] = [
        ({"name": "Ana", "email": "not-an-address"}, "email", 400),
        ({"name": "Ana\nBcc: x@example.com", "email": "ana@example.com"}, "name", 400),
        ({"name": "", "email": "ana@example.com"}, "name", 400),
        ({"name": "Ana", "email": "ana@example.com", "size": MAX_UPLOAD_BYTES + 1}, "file", 413),
        ({"name": "Ana", "email": "ana@example.com", "size": 0}, "file", 400),
    ]
    for fields, field, status in cases:
        with pytest.raises(UploadRejected) as refused:
            start_direct_upload(uploads, **fields)
        assert (refused.value.field, refused.value.status) == (field, status)
    # A key is only ever signed under incoming/.
    with pytest.raises(ValueError):
        uploads.presigned_post("invoices/x.pdf", 10, dt.timedelta(minutes=1))
