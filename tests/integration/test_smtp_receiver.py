"""The SMTP receiver of `serve`, driven by a real client (smtplib) over loopback."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from billify import inbox
from billify.bootstrap import LocalBillify, build_local
from billify.config import Settings
from billify.domain.inbound import MAX_MESSAGE_BYTES
from billify.domain.models import Invoice
from billify.entrypoints.runtime import start_smtp_receiver
from tests.fakes import FakeExtractor, FakeMailer
from tests.mail import mail_bytes
from tests.smtp_server import free_port

ANA = "ana@example.com"
DOMAIN = "in.billify.test"


def make_app(tmp_path: Path, **settings: object) -> LocalBillify:
    return build_local(
        Settings(  # type: ignore[arg-type]
            data_dir=tmp_path,
            inbound_domain=DOMAIN,
            **{"inbound_smtp_port": free_port(), **settings},
        ),
        extractor=FakeExtractor(),
        mailer=FakeMailer(),
    )


@pytest.fixture
def app(tmp_path: Path) -> Iterator[LocalBillify]:
    app = make_app(tmp_path)
    receiver = start_smtp_receiver(app)
    assert receiver is not None
    yield app
    receiver.stop()


def client(app: LocalBillify) -> smtplib.SMTP:
    port = app.settings.inbound_smtp_port
    assert port is not None
    return smtplib.SMTP("127.0.0.1", port, timeout=10)


def address(app: LocalBillify) -> str:
    found = inbox.inbound_address(ANA, app.inbox)
    assert found is not None
    return found


def invoices(app: LocalBillify) -> list[Invoice]:
    now = app.clock.now()
    return list(app.repository.received_between(now.replace(year=2000), now.replace(year=2100)))


def send(app: LocalBillify, to: str, raw: bytes) -> None:
    with client(app) as smtp:
        smtp.sendmail("ana@example.com", [to], raw)


def test_a_pdf_sent_to_the_address_is_queued_before_the_250(app: LocalBillify) -> None:
    to = address(app)
    send(app, to, mail_bytes(to))
    [invoice] = invoices(app)
    assert invoice.uploader.email == ANA and invoice.original_filename == "invoice.pdf"
    assert app.queue.depth()["visible"] == 1  # durably queued when the client got its answer


def test_an_unknown_or_replaced_address_is_refused_at_rcpt(app: LocalBillify) -> None:
    old = address(app)
    inbox.new_inbound_address(ANA, app.inbox)
    for to in (old, f"nobody@{DOMAIN}", "someone@elsewhere.test"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(app, to, mail_bytes(to))
        assert refused.value.recipients[to][0] == 550
    assert invoices(app) == []
    assert not list(app.settings.blob_dir.rglob("*.*"))  # nothing stored


def test_the_same_message_delivered_twice_is_one_invoice(app: LocalBillify) -> None:
    to = address(app)
    raw = mail_bytes(to, message_id="<twice@client.example>")
    send(app, to, raw)
    send(app, to, raw)
    assert len(invoices(app)) == 1


def test_a_message_over_the_limit_is_refused_and_the_server_goes_on(
    app: LocalBillify,
) -> None:
    to = address(app)
    huge = mail_bytes(
        to, files=[("big.pdf", b"%PDF-" + b"0" * MAX_MESSAGE_BYTES, "application/pdf")]
    )
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
        send(app, to, huge)
    assert refused.value.smtp_code == 552
    send(app, to, mail_bytes(to))
    assert len(invoices(app)) == 1


def test_a_store_failure_is_a_temporary_refusal(
    app: LocalBillify, monkeypatch: pytest.MonkeyPatch
) -> None:
    to = address(app)

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(inbox, "receive", broken)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(app, to, mail_bytes(to))
    assert refused.value.smtp_code == 451  # the sender keeps it and tries again


def test_too_many_recipients_are_refused_for_this_transaction(app: LocalBillify) -> None:
    to = address(app)
    with client(app) as smtp:
        smtp.ehlo()
        smtp.mail("ana@example.com")
        codes = [smtp.rcpt(to)[0] for _ in range(12)]
    assert codes[:10] == [250] * 10 and codes[10:] == [452, 452]


def test_starttls_with_a_configured_certificate(tmp_path: Path) -> None:
    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    app = make_app(
        tmp_path / "data",
        inbound_tls_cert=tmp_path / "server.pem",
        inbound_tls_key=tmp_path / "server.pem",
    )
    receiver = start_smtp_receiver(app)
    assert receiver is not None
    try:
        context = ssl.create_default_context()
        authority.configure_trust(context)
        to = address(app)
        with client(app) as smtp:
            smtp.starttls(context=context)
            smtp.sendmail("ana@example.com", [to], mail_bytes(to))
    finally:
        receiver.stop()
    assert len(invoices(app)) == 1


def test_a_port_in_use_or_a_bad_certificate_is_said_plainly(tmp_path: Path) -> None:
    app = make_app(tmp_path / "a")
    receiver = start_smtp_receiver(app)
    assert receiver is not None
    try:
        same_port = make_app(tmp_path / "b", inbound_smtp_port=app.settings.inbound_smtp_port)
        with pytest.raises(RuntimeError, match=r"cannot receive mail on 127\.0\.0\.1"):
            start_smtp_receiver(same_port)
    finally:
        receiver.stop()
    (tmp_path / "bad.pem").write_text("not a certificate")
    bad = make_app(
        tmp_path / "c", inbound_tls_cert=tmp_path / "bad.pem", inbound_tls_key=tmp_path / "bad.pem"
    )
    with pytest.raises(RuntimeError, match="BILLIFY_INBOUND_TLS_CERT"):
        start_smtp_receiver(bad)
