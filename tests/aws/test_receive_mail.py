"""Invoices by email on AWS, against moto over HTTP: SES's receipt rule stores the raw message
in the bucket (its S3 action, done here by the test as SES would: ``inbound/<messageId>``),
then invokes ``receive_mail`` with the rule's event (its Lambda action: the documented event,
tests/events/ses_inbound.json). From there everything is real: the user's address in
DynamoDB, the invoice recorded and queued on SQS with the message's thread, the extract
handler reading it (Textract stub), and the notice sent through moto's SES as a reply."""

from __future__ import annotations

import copy
import json
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest

from billify import inbox
from billify.bootstrap import Billify
from billify.entrypoints import lambda_handlers
from billify.entrypoints.lambda_handlers import INBOUND_PREFIX, failed_verdicts
from tests.aws.conftest import LambdaContext, Stack, load_event
from tests.aws.test_flow import receipt_png, recorded
from tests.fakes import FixedClock
from tests.mail import mail_bytes

DOMAIN = "in.billify.example"
ANA = "ana@example.com"
EVENT: dict[str, Any] = load_event("ses_inbound.json")


@pytest.fixture
def app(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Billify:
    """The functions' app with BILLIFY_INBOUND_DOMAIN set (as the template gives it) and a
    fixed clock (the hourly limit's window is then known)."""
    monkeypatch.setenv("BILLIFY_INBOUND_DOMAIN", DOMAIN)
    lambda_handlers.runtime.cache_clear()
    built = lambda_handlers.runtime().app
    built.clock = FixedClock()
    return built


def address(app: Billify, email: str = ANA) -> str:
    made = inbox.inbound_address(email, app.inbox)
    assert made is not None and made.endswith(f"@{DOMAIN}")
    return made


def deliver(
    stack: Stack, raw: bytes, recipients: list[str], message_id: str, **verdicts: str
) -> Any:
    """What the receipt rule does: the S3 action stores the message, then the Lambda action
    invokes the function with the event (verdicts: ``spam="FAIL"``...)."""
    stack.client("s3").put_object(Bucket=stack.bucket, Key=INBOUND_PREFIX + message_id, Body=raw)
    return lambda_handlers.receive_mail(ses_event(message_id, recipients, **verdicts), None)


def ses_event(message_id: str, recipients: list[str], **verdicts: str) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    ses = event["Records"][0]["ses"]
    ses["mail"]["messageId"] = message_id
    ses["mail"]["destination"] = ses["receipt"]["recipients"] = recipients
    for check, status in verdicts.items():
        ses["receipt"][f"{check}Verdict"] = {"status": status}
    return event


def stored(stack: Stack, prefix: str = "") -> list[str]:
    listing = stack.client("s3").list_objects_v2(Bucket=stack.bucket, Prefix=prefix)
    return [o["Key"] for o in listing.get("Contents", [])]


def queued(stack: Stack) -> list[dict[str, Any]]:
    """The invoice queue's messages, left on it (the queue's visibility timeout is 0 here)."""
    response = stack.client("sqs").receive_message(
        QueueUrl=stack.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    return [json.loads(m["Body"]) for m in response.get("Messages", [])]


def replies(stack: Stack) -> list[Message]:
    """The replies about a message itself (what was not read) sent to Ana. Their key is long
    (``mail-read:mail:<sha256>``), so ``to_mime`` writes the header as RFC 2047 encoded words:
    decoded here (``Stack.emails_to`` compares it undecoded)."""
    return [
        m
        for m in stack.sent_emails()
        if ANA in str(m["To"])
        and str(make_header(decode_header(str(m["X-Billify-Key"])))).startswith("mail-read:")
    ]


def table_ids(stack: Stack) -> set[str]:
    pages = stack.client("dynamodb").get_paginator("scan").paginate(TableName=stack.table)
    return {item["id"]["S"] for page in pages for item in page["Items"]}


def test_a_forwarded_invoice_is_recorded_queued_read_and_answered_in_its_thread(
    stack: Stack, app: Billify, context: LambdaContext
) -> None:
    stack.textract.answer("DetectDocumentText", recorded("detect_document_text_receipt.json"))
    to = address(app)
    raw = mail_bytes(
        to,
        files=[("receipt.png", receipt_png(), "image/png")],
        message_id="<fwd-1@client.example>",
    )

    result = deliver(stack, raw, [to], "ses-message-1")
    ((outcome,),) = [result["results"]]
    assert outcome["outcome"] == "received" and outcome["again"] == 0
    (invoice_id,) = outcome["invoices"]

    item = stack.raw_item(invoice_id)
    assert (item["status"], item["email"], item["name"]) == ("queued", ANA, "Ana Lima")
    assert item["original_filename"] == "receipt.png"
    (message,) = queued(stack)
    assert message["invoice_id"] == invoice_id
    assert message["thread"] == {
        "message_id": "<fwd-1@client.example>",
        "references": [],
        "subject": "Fwd: your invoice",
    }
    # The raw message is gone once its invoice is queued; the file is kept under invoices/.
    assert stored(stack, INBOUND_PREFIX) == []
    assert stored(stack) == [item["blob_key"]]
    assert replies(stack) == []  # everything was read: nothing to say

    stack.drain(context)  # the extract function, as SQS's event source mapping runs it

    assert stack.raw_item(invoice_id)["status"] == "processed"
    (notice,) = stack.emails_to(ANA, "notice:")
    assert notice["In-Reply-To"] == "<fwd-1@client.example>"
    assert notice["References"] == "<fwd-1@client.example>"
    assert notice["Subject"] == "Re: Fwd: your invoice"
    assert "60.30" in notice.as_string()

    # The same event delivered again (Lambda invokes at least once): nothing left to take.
    again = lambda_handlers.receive_mail(ses_event("ses-message-1", [to]), None)
    assert again["results"][0]["outcome"] == "gone"
    # The same message received again (the sender's server retried after a lost answer:
    # SES gives it a new id): recognised by its Message-ID, no second invoice.
    repeat = deliver(stack, raw, [to], "ses-message-2")
    assert repeat["results"][0] | {"message_id": ""} == {
        "message_id": "",
        "outcome": "received",
        "invoices": [],
        "duplicates": 0,
        "skipped": 0,
        "again": 1,
    }
    assert queued(stack) == []
    assert len(stored(stack, "invoices/")) == 1
    assert len(stack.emails_to(ANA, "notice:")) == 1


def test_what_is_not_read_is_answered_in_the_thread_through_ses(stack: Stack, app: Billify) -> None:
    to = address(app)
    raw = mail_bytes(
        to,
        text="Here you go",
        files=[("invoices.zip", b"PK\x03\x04 not really", "application/zip")],
        message_id="<zip-1@client.example>",
    )
    (outcome,) = deliver(stack, raw, [to], "ses-zip")["results"]
    assert (outcome["outcome"], outcome["invoices"], outcome["skipped"]) == ("received", [], 1)
    (reply,) = replies(stack)
    assert reply["In-Reply-To"] == "<zip-1@client.example>"
    assert "archives are not opened" in reply.as_string()
    assert stored(stack) == [] and queued(stack) == []


@pytest.mark.parametrize("check", ["spam", "virus", "spf", "dkim"])
def test_a_failing_verdict_is_dropped_counted_and_deleted(
    stack: Stack, app: Billify, check: str, capsys: pytest.CaptureFixture[str]
) -> None:
    to = address(app)
    before = table_ids(stack)
    raw = mail_bytes(to, message_id=f"<{check}@spam.example>")
    (outcome,) = deliver(stack, raw, [to], f"ses-{check}", **{check: "FAIL"})["results"]
    assert (outcome["outcome"], outcome["reason"]) == ("dropped", f"verdict:{check}")
    assert stored(stack) == []  # the stored message is deleted: nothing kept
    assert queued(stack) == [] and stack.sent_emails() == []
    assert table_ids(stack) == before  # no invoice, not even the message remembered
    # Counted: one CloudWatch metric in Powertools' embedded metric format, on stdout.
    (metric,) = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if "InboundMail" in line
    ]
    assert metric["InboundMailDropped"] == [1.0]
    assert metric["Reason"] == "verdict"
    (directive,) = metric["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Billify"


def test_gray_verdicts_are_not_proof_of_anything(stack: Stack, app: Billify) -> None:
    to = address(app)
    raw = mail_bytes(to, message_id="<gray@client.example>")
    result = deliver(
        stack, raw, [to], "ses-gray", spam="GRAY", spf="GRAY", dkim="PROCESSING_FAILED"
    )
    assert result["results"][0]["outcome"] == "received"
    assert len(queued(stack)) == 1


def test_mail_to_an_unknown_or_replaced_address_leaves_nothing(stack: Stack, app: Billify) -> None:
    old = address(app)
    new = inbox.new_inbound_address(ANA, app.inbox)
    assert new is not None and new != old
    before = table_ids(stack)
    strangers = [old, f"aaaaaaaaaaaaaaaa@{DOMAIN}", f"{new.split('@')[0]}@elsewhere.example"]
    for n, to in enumerate(strangers):
        raw = mail_bytes(to, message_id=f"<stranger-{n}@client.example>")
        (outcome,) = deliver(stack, raw, [to], f"ses-stranger-{n}")["results"]
        assert (outcome["outcome"], outcome["reason"]) == ("dropped", "unknown-address"), to
    assert stored(stack) == []
    assert table_ids(stack) == before
    assert queued(stack) == [] and stack.sent_emails() == []

    # Among several recipients, the known one gets it; a personal tag after + is the token's.
    tagged = new.replace("@", "+receipts@")
    raw = mail_bytes(tagged, message_id="<tagged@client.example>")
    (outcome,) = deliver(stack, raw, [strangers[1], tagged], "ses-tagged")["results"]
    assert outcome["outcome"] == "received" and len(outcome["invoices"]) == 1


def test_over_the_hourly_limit_the_event_fails_and_its_retry_takes_it(
    stack: Stack, app: Billify
) -> None:
    """A temporary refusal raises: Lambda invokes the event again later (EventInvokeConfig),
    and the stored message waits for it."""
    to = address(app)
    clock = app.clock
    assert isinstance(clock, FixedClock)
    window = clock.now().replace(minute=0, second=0, microsecond=0)
    for _ in range(inbox.MESSAGES_PER_HOUR):
        app.access.count_attempt(f"inbound:{ANA}", window, inbox.HOUR)
    raw = mail_bytes(to, message_id="<busy@client.example>")
    with pytest.raises(inbox.MailRefused) as refused:
        deliver(stack, raw, [to], "ses-busy")
    assert not refused.value.permanent
    assert stored(stack) == [f"{INBOUND_PREFIX}ses-busy"] and queued(stack) == []

    clock.advance(hours=1)  # Lambda's retry, in the next window
    retried = lambda_handlers.receive_mail(ses_event("ses-busy", [to]), None)
    assert retried["results"][0]["outcome"] == "received"
    assert stored(stack, INBOUND_PREFIX) == [] and len(queued(stack)) == 1


def test_a_permanent_refusal_is_dropped(
    stack: Stack, app: Billify, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``inbox.receive`` refuses nothing for good today; should it (a rule of its own), the
    handler drops the message rather than have Lambda retry it."""

    def refuse(raw: bytes, owners: Any, deps: Any) -> Any:
        raise inbox.MailRefused("not for us", permanent=True)

    monkeypatch.setattr(inbox, "receive", refuse)
    to = address(app)
    (outcome,) = deliver(stack, mail_bytes(to), [to], "ses-refused")["results"]
    assert (outcome["outcome"], outcome["reason"]) == ("dropped", "refused")
    assert stored(stack) == []


def test_a_message_over_the_size_limit_is_dropped(
    stack: Stack, app: Billify, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SES stores messages of up to 40 MB; Billify reads 25 MB (``MAX_MESSAGE_BYTES``, the
    SMTP receiver's 552), here made small."""
    monkeypatch.setattr(lambda_handlers, "MAX_MESSAGE_BYTES", 1000)
    to = address(app)
    raw = mail_bytes(to, files=[("big.pdf", b"%PDF-1.4 " + b"x" * 2000, "application/pdf")])
    (outcome,) = deliver(stack, raw, [to], "ses-big")["results"]
    assert (outcome["outcome"], outcome["reason"]) == ("dropped", "too-large")
    assert stored(stack) == [] and queued(stack) == []


def test_an_event_without_a_usable_message_id_is_ignored(stack: Stack, app: Billify) -> None:
    event = ses_event("../invoices/x", [address(app)])
    assert lambda_handlers.receive_mail(event, None)["results"][0]["outcome"] == "ignored"
    assert lambda_handlers.receive_mail({"Records": []}, None) == {"results": []}


# -- the verdict rule, pure -----------------------------------------------------------------------


def test_failed_verdicts() -> None:
    receipt = EVENT["Records"][0]["ses"]["receipt"]
    assert failed_verdicts(receipt) == []  # PASS all, DMARC GRAY: not enforced
    assert failed_verdicts({}) == []  # no scan (ScanEnabled off): nothing to go by
    failing = {**receipt, "spamVerdict": {"status": "FAIL"}, "dkimVerdict": {"status": "FAIL"}}
    assert failed_verdicts(failing) == ["spam", "dkim"]
    assert failed_verdicts({"virusVerdict": {"status": "fail"}}) == ["virus"]
    assert (
        failed_verdicts({"spfVerdict": {"status": "GRAY"}, "dmarcVerdict": {"status": "FAIL"}})
        == []
    )
    for status in ("PASS", "GRAY", "PROCESSING_FAILED", "DISABLED", None):
        assert failed_verdicts({"spfVerdict": {"status": status}, "virusVerdict": None}) == []
