"""Invoices by email, over the in-memory fakes: addresses, files taken, replies, limits."""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from billify import inbox
from billify.bootstrap import Billify
from billify.config import Settings
from billify.domain.emails import to_mime
from billify.domain.inbound import MAX_DEPTH, MAX_FILES, html_rows, read_mail
from billify.entrypoints.http import create_app
from billify.ports import InvoiceMessage
from tests.conftest import MINIMAL_PDF, jpeg_bytes
from tests.fakes import FakeMailer, FakeQueue, fake_app
from tests.mail import mail_bytes
from tests.sessions import sign_in

ANA = "ana@example.com"
DOMAIN = "in.billify.test"


@pytest.fixture
def app(tmp_path: Path) -> Billify:
    return fake_app(Settings(data_dir=tmp_path, inbound_domain=DOMAIN))


def address(app: Billify, email: str = ANA) -> str:
    found = inbox.inbound_address(email, app.inbox)
    assert found is not None
    return found


def owner(app: Billify, recipient: str) -> str | None:
    return inbox.owner_of(recipient, app.inbox)


def sent(app: Billify) -> FakeMailer:
    assert isinstance(app.mailer, FakeMailer)
    return app.mailer


def queued(app: Billify) -> list[InvoiceMessage]:
    assert isinstance(app.queue, FakeQueue)
    return app.queue.messages


def test_each_user_has_an_address_of_their_own(app: Billify) -> None:
    ana, bo = address(app), address(app, "bo@example.com")
    assert ana != bo and ana.endswith("@" + DOMAIN)
    assert address(app) == ana  # the same until replaced
    assert owner(app, ana) == ANA
    assert owner(app, ana.upper()) == ANA  # addresses are case-blind
    assert owner(app, ana.replace("@", "+shop@")) == ANA  # a person's own tag
    assert owner(app, ana.replace(DOMAIN, "other.test")) is None
    assert owner(app, "nobody@" + DOMAIN) is None


def test_a_new_address_retires_the_old_one(app: Billify) -> None:
    old = address(app)
    new = inbox.new_inbound_address(ANA, app.inbox)
    assert new is not None and new != old
    assert owner(app, old) is None and owner(app, new) == ANA


def test_no_domain_no_addresses(tmp_path: Path) -> None:
    app = fake_app(Settings(data_dir=tmp_path))
    assert inbox.inbound_address(ANA, app.inbox) is None
    assert inbox.owner_of("x@" + DOMAIN, app.inbox) is None


def test_every_attachment_becomes_an_invoice_answered_in_the_thread(app: Billify) -> None:
    raw = mail_bytes(
        address(app),
        message_id="<m1@client.example>",
        files=[("a.pdf", MINIMAL_PDF, "application/pdf"), ("b.jpg", jpeg_bytes(1), "image/jpeg")],
    )
    [received] = inbox.receive(raw, [ANA], app.inbox)
    assert [i.original_filename for i in received.invoices] == ["a.pdf", "b.jpg"]
    assert {i.uploader.email for i in received.invoices} == {ANA}
    assert received.invoices[0].uploader.name == "Ana Lima"  # from the person's own From
    assert not received.answered  # everything was read: the notices are the answer
    for message in queued(app):
        assert message.thread is not None and message.thread.message_id == "<m1@client.example>"
        app.process(message)
    notices = sent(app).sent
    assert len(notices) == 2
    for notice in notices:
        mime = to_mime(notice, "billify@localhost")
        assert mime["In-Reply-To"] == "<m1@client.example>"
        assert "<m1@client.example>" in mime["References"]
        assert mime["Subject"] == "Re: Fwd: your invoice"


def test_inline_pictures_and_forwarded_messages_are_read(app: Billify) -> None:
    big = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(big, format="PNG")
    logo = io.BytesIO()
    Image.new("RGB", (120, 40), "red").save(logo, format="PNG")
    inner = mail_bytes("ana@example.com", files=[("inner.pdf", MINIMAL_PDF, "application/pdf")])
    raw = mail_bytes(
        address(app),
        files=[],
        inline=[
            ("photo.png", big.getvalue(), "image/png"),
            ("logo.png", logo.getvalue(), "image/png"),
        ],
        forwarded=inner,
    )
    [received] = inbox.receive(raw, [ANA], app.inbox)
    names = sorted(i.original_filename or "" for i in received.invoices)
    assert names == ["inner.pdf", "photo.png"]  # the logo is no expense


def test_the_same_message_twice_gives_one_invoice(app: Billify) -> None:
    raw = mail_bytes(address(app), message_id="<same@client.example>")
    inbox.receive(raw, [ANA], app.inbox)
    [again] = inbox.receive(raw, [ANA], app.inbox)
    assert again.again and not again.invoices
    assert len(queued(app)) == 1


def test_an_html_receipt_is_read_from_its_text(app: Billify) -> None:
    html = (
        "<html><head><style>td{color:red}</style></head><body><h1>Corner Cafe</h1>"
        "<table><tr><td>Flat white</td><td>3.50</td></tr>"
        "<tr><td><b>Total</b></td><td>EUR 3.50</td></tr></table></body></html>"
    )
    raw = mail_bytes(address(app), subject="Your receipt", html=html, files=[])
    [received] = inbox.receive(raw, [ANA], app.inbox)
    [invoice] = received.invoices
    assert invoice.media_type == "application/pdf"
    assert invoice.original_filename == "Your receipt.pdf"
    printed = app.blobs.get(invoice.blob_key)
    assert printed.startswith(b"%PDF")


def test_the_html_body_keeps_its_table_rows() -> None:
    raw = mail_bytes(
        "x@y.test",
        html="<table><tr><td>Total</td><td>12.50</td></tr></table><p>Thanks<br>Shop</p>",
        files=[],
    )
    assert read_mail(raw).body_rows == (("Total", "12.50"), ("Thanks",), ("Shop",))


def test_nothing_readable_gets_one_reply_saying_why(app: Billify) -> None:
    raw = mail_bytes(
        address(app),
        text="hello there",
        files=[("archive.zip", b"PK\x03\x04" + b"\0" * 100, "application/zip")],
        message_id="<z@client.example>",
    )
    [received] = inbox.receive(raw, [ANA], app.inbox)
    assert received.answered and not received.invoices
    [reply] = sent(app).sent
    assert reply.subject == "Re: Fwd: your invoice"
    assert "archive.zip" in reply.text and "archives are not opened" in reply.text
    assert to_mime(reply, "b@localhost")["In-Reply-To"] == "<z@client.example>"
    inbox.receive(raw, [ANA], app.inbox)
    assert len(sent(app).sent) == 1  # delivered again: not answered again


def test_a_text_without_amount_or_file_is_answered(app: Billify) -> None:
    raw = mail_bytes(address(app), text="see you soon", files=[])
    [received] = inbox.receive(raw, [ANA], app.inbox)
    assert received.skipped == (inbox.NO_FILE,)
    assert "no PDF or picture is attached" in sent(app).sent[0].text


def test_an_unsupported_file_is_listed_beside_the_read_ones(app: Billify) -> None:
    raw = mail_bytes(
        address(app),
        files=[("a.pdf", MINIMAL_PDF, "application/pdf"), ("notes.txt", b"hi", "text/plain")],
    )
    [received] = inbox.receive(raw, [ANA], app.inbox)
    assert len(received.invoices) == 1 and received.answered
    assert "notes.txt" in sent(app).sent[0].text


def test_a_mail_bomb_is_bounded(app: Billify) -> None:
    files = [(f"{n}.png", grey_png(n), "image/png") for n in range(MAX_FILES + 30)]
    raw = mail_bytes(address(app), files=files)
    [received] = inbox.receive(raw, [ANA], app.inbox)
    assert len(received.invoices) == MAX_FILES
    assert len(received.skipped) == 30
    assert f"only {MAX_FILES} files are read" in sent(app).sent[0].text


def grey_png(shade: int) -> bytes:
    """A small PNG of its own per shade (lossless: no two alike)."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8), shade).save(buffer, format="PNG")
    return buffer.getvalue()


def test_deeply_nested_forwards_are_not_opened() -> None:
    raw = mail_bytes("x@y.test", files=[("deep.pdf", MINIMAL_PDF, "application/pdf")])
    for _ in range(20):
        raw = mail_bytes("x@y.test", files=[], forwarded=raw)
    mail = read_mail(raw)
    assert mail.files == ()
    assert any(f"more than {MAX_DEPTH} levels" in s.reason for s in mail.skipped)


def test_too_many_messages_an_hour_are_refused_for_now(app: Billify) -> None:
    to = address(app)
    for n in range(inbox.MESSAGES_PER_HOUR):
        raw = mail_bytes(to, files=[("a.png", grey_png(n), "image/png")])
        inbox.receive(raw, [ANA], app.inbox)
    with pytest.raises(inbox.MailRefused) as refused:
        inbox.receive(mail_bytes(to), [ANA], app.inbox)
    assert not refused.value.permanent


def test_no_header_injection_from_subject_or_filename(app: Billify) -> None:
    raw = (
        f"From: ana@example.com\r\nTo: {address(app)}\r\nMessage-ID: <inj@x>\r\n"
        "Subject: =?utf-8?q?Hi=0D=0ABcc:_victim@example.com?=\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        "hi\r\n--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment;"
        " filename*=utf-8''x%0D%0ABcc%3A%20v%40e.com.zip\r\n\r\nPK\r\n--b--\r\n"
    ).encode()
    inbox.receive(raw, [ANA], app.inbox)
    [reply] = sent(app).sent
    mime = message_from_bytes(to_mime(reply, "b@localhost").as_bytes(), policy=policy.default)
    assert mime["Bcc"] is None
    assert "\n" not in str(mime["Subject"]) and "Bcc: victim" in str(mime["Subject"])


def test_a_shared_mailbox_takes_mail_only_from_known_users(app: Billify) -> None:
    raw = mail_bytes("invoices@company.test", sender="Stranger <who@else.test>")
    assert inbox.receive_from_sender(raw, app.inbox) is None
    app.repository.confirm_address(ANA, app.clock.now())
    received = inbox.receive_from_sender(mail_bytes("invoices@company.test"), app.inbox)
    assert received is not None and len(received.invoices) == 1


# -- the address on the page and in GET /me ----------------------------------------------------


def http_client(app: Billify) -> TestClient:
    return TestClient(create_app(app), base_url="http://127.0.0.1:8000")


def test_me_shows_the_address_and_a_new_one_retires_it(app: Billify) -> None:
    client = http_client(app)
    sign_in(client, sent(app).sent, ANA)
    first = client.get("/me").json()["inbound_address"]
    assert first == address(app)  # the same one the receiver knows
    answer = client.post("/me/inbound-address")
    assert answer.status_code == 200, answer.text
    second = answer.json()["inbound_address"]
    assert second != first and client.get("/me").json()["inbound_address"] == second
    assert owner(app, first) is None and owner(app, second) == ANA


def test_only_a_full_session_may_change_the_address(app: Billify) -> None:
    anonymous = http_client(app)
    anonymous.headers["origin"] = "http://127.0.0.1:8000"
    assert anonymous.post("/me/inbound-address").status_code == 401
    client = http_client(app)
    sign_in(client, sent(app).sent, ANA)
    del client.headers["origin"]
    assert client.post("/me/inbound-address").status_code == 403  # a forged cross-site post


def test_no_domain_no_address_on_the_page(tmp_path: Path) -> None:
    app = fake_app(Settings(data_dir=tmp_path))
    client = http_client(app)
    sign_in(client, sent(app).sent, ANA)
    assert client.get("/me").json()["inbound_address"] is None
    answer = client.post("/me/inbound-address")
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"


def test_a_forged_sender_is_not_taken_from_a_shared_mailbox(app: Billify) -> None:
    app.repository.confirm_address(ANA, app.clock.now())

    def signed(results: str) -> bytes:
        raw = mail_bytes("invoices@company.test", message_id=f"<{len(results)}@x>")
        return f"Authentication-Results: mx.company.test; {results}\r\n".encode() + raw

    forged = signed("spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail")
    assert inbox.receive_from_sender(forged, app.inbox) is None
    assert inbox.receive_from_sender(signed("spf=softfail; dkim=fail"), app.inbox) is None
    # Forwarded through another server: SPF fails but the author's DKIM signature holds.
    relayed = inbox.receive_from_sender(
        signed("spf=fail; dkim=pass header.d=example.com"), app.inbox
    )
    assert relayed is not None and len(relayed.invoices) == 1


def test_a_reply_that_cannot_be_sent_after_invoices_were_queued_loses_nothing(
    app: Billify,
) -> None:
    raw = mail_bytes(
        address(app),
        files=[("a.pdf", MINIMAL_PDF, "application/pdf"), ("n.txt", b"hi", "text/plain")],
    )
    sent(app).failures_left = 1
    [received] = inbox.receive(raw, [ANA], app.inbox)  # no error: the invoice is queued
    assert len(received.invoices) == 1 and len(queued(app)) == 1
    assert inbox.receive(raw, [ANA], app.inbox)[0].again


def test_an_answer_alone_that_cannot_be_sent_is_tried_again(app: Billify) -> None:
    raw = mail_bytes(address(app), text="hello", files=[])
    sent(app).failures_left = 1
    with pytest.raises(ConnectionRefusedError):
        inbox.receive(raw, [ANA], app.inbox)
    [received] = inbox.receive(raw, [ANA], app.inbox)  # the sender's retry
    assert received.answered and len(sent(app).sent) == 1


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_any_bytes_read_as_mail_without_error(raw: bytes) -> None:
    mail = read_mail(raw)
    assert len(mail.files) <= MAX_FILES


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=3000))
def test_any_html_reads_as_rows(html: str) -> None:
    rows = html_rows(html)
    assert all(cell.strip() == cell and cell for row in rows for cell in row)
