"""IMAP polling of a shared mailbox, against a real dovecot (tests/dovecot.py): what becomes
an invoice, what is marked done and when, and that nothing is taken twice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from imap_tools import BaseMailBox
from pydantic import ValidationError

from billify import inbox
from billify.adapters.local import imap_poller
from billify.adapters.local.imap_poller import (
    ImapConfig,
    ImapError,
    ImapPoller,
    PollResult,
    start_imap_poller,
)
from billify.bootstrap import LocalBillify, build_local
from billify.config import Settings
from billify.domain.inbound import MailThread
from billify.domain.models import Invoice
from billify.domain.uploads import Upload
from billify.services import Submitted
from tests.conftest import MINIMAL_PDF, jpeg_bytes, png_bytes
from tests.dovecot import Dovecot, Stored
from tests.dovecot import dovecot_fixture as dovecot_fixture  # the `dovecot` fixture
from tests.fakes import FakeExtractor, FakeMailer
from tests.mail import mail_bytes

ANA = "ana@example.com"
SHARED = "invoices@company.test"
DONE = "$Billify"
SEEN = "\\Seen"
LOG = "billify.adapters.local.imap_poller"


@pytest.fixture
def folder(dovecot: Dovecot) -> str:
    return dovecot.new_folder()


def make_app(tmp_path: Path, dovecot: Dovecot, folder: str, **settings: Any) -> LocalBillify:
    app = build_local(
        Settings(
            data_dir=tmp_path,
            imap_host=dovecot.host,
            imap_port=dovecot.port,
            imap_user=dovecot.user,
            imap_password=dovecot.password,
            imap_tls="none",
            imap_folder=folder,
            imap_interval=0.05,
            **settings,
        ),
        extractor=FakeExtractor(),
        mailer=FakeMailer(),
    )
    app.repository.confirm_address(ANA, app.clock.now())  # Ana has signed in: a known user
    return app


@pytest.fixture
def app(tmp_path: Path, dovecot: Dovecot, folder: str) -> LocalBillify:
    return make_app(tmp_path, dovecot, folder)


def poller(app: LocalBillify, **changes: object) -> ImapPoller:
    """A new poller, as after a restart: its own connection, nothing in memory."""
    config = ImapConfig.from_settings(app.settings)
    assert config is not None
    return ImapPoller(dataclasses.replace(config, **changes), app.inbox)  # type: ignore[arg-type]


def invoices(app: LocalBillify, email: str = ANA) -> list[Invoice]:
    start, end = dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    return list(app.repository.received_between(start, end, email))


def only(dovecot: Dovecot, folder: str) -> Stored:
    [message] = dovecot.messages(folder)
    return message


def from_ana(n: int = 0, **fields: object) -> bytes:
    """A message from Ana with a file of its own (``n``) attached."""
    files = [(f"receipt-{n}.jpg", jpeg_bytes(n), "image/jpeg")]
    return mail_bytes(SHARED, files=files, **fields)  # type: ignore[arg-type]


def test_a_known_senders_files_become_invoices_then_the_message_is_flagged(
    app: LocalBillify, dovecot: Dovecot, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    picture = png_bytes(320, 320)  # inline, big enough not to be a logo
    forwarded = mail_bytes(
        "ana@example.com",
        sender="Shop <billing@shop.test>",
        files=[("forwarded.jpg", jpeg_bytes(3), "image/jpeg")],
    )
    inline_pdf = MINIMAL_PDF + b"% shown inline\n"
    raw = mail_bytes(
        SHARED,
        html="<p>my receipts</p>",
        inline=[("photo.png", picture, "image/png"), ("inline.pdf", inline_pdf, "application/pdf")],
        files=[("invoice.pdf", MINIMAL_PDF, "application/pdf")],
        forwarded=forwarded,
    )
    dovecot.append(raw, folder)
    handed: list[bytes] = []

    def spy(raw: bytes, deps: inbox.Inbox) -> inbox.Received | None:
        handed.append(raw)
        return inbox.receive_from_sender(raw, deps)

    monkeypatch.setattr(imap_poller, "receive_from_sender", spy)
    assert poller(app).poll_once() == PollResult(taken=1)
    assert handed == [only(dovecot, folder).raw]  # the message as the server keeps it
    found = {i.original_filename: app.blobs.get(i.blob_key) for i in invoices(app)}
    assert found == {  # every file, byte for byte
        "invoice.pdf": MINIMAL_PDF,
        "photo.png": picture,
        "inline.pdf": inline_pdf,
        "forwarded.jpg": jpeg_bytes(3),
    }
    message = only(dovecot, folder)
    assert {DONE, SEEN} <= message.flags
    assert poller(app).poll_once() == PollResult()  # flagged: not looked at again


def test_with_a_done_folder_processed_mail_is_moved_there(
    tmp_path: Path, dovecot: Dovecot, folder: str
) -> None:
    done = f"{folder}-done"  # made by the poller on first use
    app = make_app(tmp_path, dovecot, folder, imap_done_folder=done)
    dovecot.append(from_ana(1), folder)
    dovecot.append(mail_bytes(SHARED, sender="who@else.test"), folder)
    assert poller(app).poll_once() == PollResult(taken=1, ignored=1)
    assert dovecot.messages(folder) == []
    moved = dovecot.messages(done)
    assert len(moved) == 2 and all(SEEN in m.flags for m in moved)
    assert len(invoices(app)) == 1


def test_an_unknown_senders_message_is_not_taken_but_flagged(
    app: LocalBillify, dovecot: Dovecot, folder: str
) -> None:
    dovecot.append(mail_bytes(SHARED, sender="Stranger <who@else.test>"), folder)
    assert poller(app).poll_once() == PollResult(ignored=1)
    assert invoices(app, "who@else.test") == [] and invoices(app) == []
    assert {DONE, SEEN} <= only(dovecot, folder).flags


def test_after_a_restart_a_message_recorded_but_not_flagged_is_not_taken_again(
    app: LocalBillify, dovecot: Dovecot, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.append(from_ana(1), folder)
    assert poller(app).poll_once() == PollResult(taken=1)
    # As if the process died between recording the message and flagging it:
    with dovecot.mailbox(folder) as mailbox:
        typ, _ = mailbox.client.uid("STORE", "1:*", "-FLAGS.SILENT", f"({DONE} {SEEN})")
        assert typ == "OK"
    assert DONE not in only(dovecot, folder).flags

    def no_fetch(*args: object) -> bytes:
        raise AssertionError("a message recorded by its UID is not fetched again")

    monkeypatch.setattr(ImapPoller, "_body", no_fetch)
    assert poller(app).poll_once() == PollResult(again=1)
    assert len(invoices(app)) == 1
    assert {DONE, SEEN} <= only(dovecot, folder).flags


def test_the_same_message_under_two_uids_gives_one_invoice(
    app: LocalBillify, dovecot: Dovecot, folder: str
) -> None:
    raw = from_ana(1, message_id="<twice@client.example>")
    dovecot.append(raw, folder)
    dovecot.append(raw, folder)
    assert poller(app).poll_once() == PollResult(taken=1, again=1)
    dovecot.append(raw, folder)  # once more, after it was processed: a third UID
    assert poller(app).poll_once() == PollResult(again=1)
    assert len(invoices(app)) == 1
    assert all({DONE, SEEN} <= m.flags for m in dovecot.messages(folder))
    assert isinstance(app.mailer, FakeMailer) and app.mailer.sent == []  # no "already had it"


def test_over_the_hourly_limit_messages_wait_unflagged_for_the_next_poll(
    app: LocalBillify, dovecot: Dovecot, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox, "MESSAGES_PER_HOUR", 1)
    for n in range(3):
        dovecot.append(from_ana(n), folder)
    polling = poller(app)
    assert polling.poll_once() == PollResult(taken=1, deferred=2)
    flags = [m.flags for m in dovecot.messages(folder)]
    assert [DONE in f for f in flags] == [True, False, False]
    assert not any(SEEN in f for f in flags[1:])  # read without marking seen
    monkeypatch.setattr(inbox, "MESSAGES_PER_HOUR", 100)
    assert polling.poll_once() == PollResult(taken=2)
    assert len(invoices(app)) == 3


def test_a_failure_to_queue_leaves_the_message_for_the_next_poll(
    app: LocalBillify, dovecot: Dovecot, folder: str
) -> None:
    dovecot.append(from_ana(1), folder)

    def queue_down(upload: Upload, thread: MailThread | None) -> Submitted:
        raise ConnectionError("queue unavailable")

    config = ImapConfig.from_settings(app.settings)
    assert config is not None
    failing = ImapPoller(config, dataclasses.replace(app.inbox, submit=queue_down))
    assert failing.poll_once() == PollResult(deferred=1)
    assert DONE not in only(dovecot, folder).flags and invoices(app) == []
    assert poller(app).poll_once() == PollResult(taken=1)
    assert len(invoices(app)) == 1


def test_a_message_too_large_is_not_read_but_marked_done(
    app: LocalBillify, dovecot: Dovecot, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imap_poller, "MAX_MESSAGE_BYTES", 1000)
    dovecot.append(from_ana(1, text="x" * 2000), folder)
    assert poller(app).poll_once() == PollResult(ignored=1)
    assert invoices(app) == [] and DONE in only(dovecot, folder).flags


def test_a_poll_fetches_a_bounded_number_of_messages(
    app: LocalBillify, dovecot: Dovecot, folder: str
) -> None:
    for n in range(5):
        dovecot.append(from_ana(n), folder)
    polling = poller(app, batch=2, max_per_poll=2)
    assert polling.poll_once() == PollResult(taken=2, remaining=3)
    assert polling.poll_once() == PollResult(taken=2, remaining=1)
    assert polling.poll_once() == PollResult(taken=1)
    assert len(invoices(app)) == 5


def test_an_ascii_password_logs_in_with_login_quoted(app: LocalBillify, dovecot: Dovecot) -> None:
    assert '"' in dovecot.ascii_password and "\\" in dovecot.ascii_password
    polling = poller(app, user=dovecot.ascii_user, password=dovecot.ascii_password, folder="INBOX")
    assert polling.poll_once() == PollResult()


def test_imap_over_tls_with_the_servers_certificate_checked(
    app: LocalBillify, dovecot: Dovecot, folder: str
) -> None:
    dovecot.append(from_ana(1), folder)
    tls = poller(app, tls="ssl", port=dovecot.tls_port, ssl_context=dovecot.ssl_context())
    assert tls.poll_once() == PollResult(taken=1)
    dovecot.append(from_ana(2), folder)
    starttls = poller(app, tls="starttls", port=dovecot.port, ssl_context=dovecot.ssl_context())
    assert starttls.poll_once() == PollResult(taken=1)
    assert len(invoices(app)) == 2


def test_an_untrusted_certificate_is_a_clear_error(app: LocalBillify, dovecot: Dovecot) -> None:
    with pytest.raises(ImapError, match=r"certificate of the IMAP server .* is not trusted"):
        poller(app, tls="ssl", port=dovecot.tls_port).poll_once()  # the system's CAs only


def test_the_wrong_tls_mode_is_a_clear_error(app: LocalBillify, dovecot: Dovecot) -> None:
    with pytest.raises(ImapError, match="is BILLIFY_IMAP_TLS=ssl right for port"):
        poller(app, tls="ssl", port=dovecot.port, ssl_context=dovecot.ssl_context()).poll_once()
    with pytest.raises(ImapError, match="is BILLIFY_IMAP_TLS=none right for port"):
        poller(app, tls="none", port=dovecot.tls_port, timeout=0.5).poll_once()


def test_a_wrong_password_is_a_clear_error(app: LocalBillify) -> None:
    with pytest.raises(ImapError) as failed:
        poller(app, password="wrong").poll_once()
    assert "refused the login" in str(failed.value)
    assert "BILLIFY_IMAP_PASSWORD" in str(failed.value)


def test_a_missing_folder_is_a_clear_error(app: LocalBillify) -> None:
    with pytest.raises(ImapError, match="BILLIFY_IMAP_FOLDER"):
        poller(app, folder="no-such-folder").poll_once()


def test_a_connection_dropped_mid_poll_is_a_clear_error_and_the_next_poll_goes_on(
    app: LocalBillify, dovecot: Dovecot, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.append(from_ana(1), folder)
    fetch = ImapPoller._body

    def drop(self: ImapPoller, mailbox: BaseMailBox, uid: str) -> bytes | None:
        mailbox.client.sock.shutdown(socket.SHUT_RDWR)  # as when the server goes away
        return fetch(self, mailbox, uid)

    monkeypatch.setattr(ImapPoller, "_body", drop)
    with pytest.raises(ImapError, match=r"the connection to the IMAP server .* broke"):
        poller(app).poll_once()
    assert DONE not in only(dovecot, folder).flags
    monkeypatch.setattr(ImapPoller, "_body", fetch)
    assert poller(app).poll_once() == PollResult(taken=1)


def test_an_unreachable_server_is_a_clear_error(app: LocalBillify) -> None:
    from tests.smtp_server import free_port

    with pytest.raises(ImapError, match="cannot reach the IMAP server"):
        poller(app, port=free_port(), timeout=2).poll_once()


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_run_logs_a_failed_login_keeps_going_and_recovers(
    app: LocalBillify, dovecot: Dovecot, folder: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOG)
    dovecot.append(from_ana(1), folder)
    polling = poller(app, password="wrong")
    stop = threading.Event()
    thread = threading.Thread(target=polling.run, args=(stop,))
    thread.start()
    try:

        def failures() -> int:
            return sum("refused the login" in r.getMessage() for r in caplog.records)

        wait_for(lambda: failures() >= 2)  # failed, waited, tried again
        assert thread.is_alive()
        polling.config = dataclasses.replace(polling.config, password=dovecot.password)
        wait_for(lambda: len(invoices(app)) == 1)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert "wrong" not in caplog.text and dovecot.password not in caplog.text
    assert any("works again" in r.getMessage() for r in caplog.records)


def test_waits_grow_after_repeated_failures(app: LocalBillify) -> None:
    polling = poller(app, interval=60.0)
    assert [polling.backoff(n) for n in (1, 2, 3, 4, 5, 6, 20)] == [
        60,
        120,
        240,
        480,
        900,
        900,
        900,
    ]


def test_start_imap_poller_polls_in_the_background_until_stopped(
    app: LocalBillify, dovecot: Dovecot, folder: str
) -> None:
    stop = threading.Event()
    thread = start_imap_poller(app, stop)
    assert thread is not None and thread.daemon
    try:
        dovecot.append(from_ana(1), folder)
        wait_for(lambda: len(invoices(app)) == 1)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_no_imap_host_no_poller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BILLIFY_IMAP_HOST", raising=False)
    app = build_local(Settings(data_dir=tmp_path), extractor=FakeExtractor(), mailer=FakeMailer())
    assert start_imap_poller(app, threading.Event()) is None


def test_a_host_without_login_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="BILLIFY_IMAP_PASSWORD must be set"):
        Settings(data_dir=tmp_path, imap_host="imap.example.com", imap_user="me")
    with pytest.raises(ValidationError, match="BILLIFY_IMAP_USER and BILLIFY_IMAP_PASSWORD"):
        Settings(data_dir=tmp_path, imap_host="imap.example.com")


def test_the_port_follows_the_tls_mode(tmp_path: Path) -> None:
    def port(**settings: Any) -> int:
        base = Settings(
            data_dir=tmp_path, imap_host="h", imap_user="u", imap_password="p", **settings
        )
        config = ImapConfig.from_settings(base)
        assert config is not None
        return config.effective_port

    assert port() == 993
    assert port(imap_tls="starttls") == 143
    assert port(imap_tls="none") == 143
    assert port(imap_port=1143) == 1143
    with pytest.raises(ValidationError, match="starttls does not work on port 993"):
        port(imap_tls="starttls", imap_port=993)
