"""What only the local transports have: the outbox's file names, SMTP's sessions and a server
that is down. What every Mailer does (delivery as written, batches, the same key again,
refusals): test_mailer_contract.py."""

import email
import email.policy
from pathlib import Path

import pytest

from billify.adapters.local.mailers import OutboxMailer, SmtpMailer, SmtpSettings
from billify.domain.emails import OutgoingEmail
from billify.domain.models import Uploader
from tests.smtp_server import free_port, smtp_server

SENDER = "Billify <billify@example.com>"


def message(key: str = "notice:1") -> OutgoingEmail:
    return OutgoingEmail(
        key,
        Uploader("Zoë <Admin>", "zoe@example.com"),
        "Invoice: MYR 9.00",
        "Total MYR 9.00",
        "<p>Total <b>MYR 9.00</b></p>",
    )


def test_smtp_with_nobody_listening_raises_so_the_caller_retries() -> None:
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", free_port(), timeout=2), SENDER)
    with pytest.raises(OSError):
        mailer.send(message())  # connection refused


def test_outbox_writes_one_eml_per_key(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox", SENDER)
    mailer.send(message("notice:1"))
    mailer.send(message("notice:1"))  # redelivered: overwrites, no second copy
    mailer.send(message("report:2026-11:zoe@example.com"))
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == ["notice_1.eml", "report_2026-11_zoe_example.com.eml"]
    parsed = email.message_from_bytes(
        (tmp_path / "outbox" / "notice_1.eml").read_bytes(), policy=email.policy.default
    )
    assert parsed["From"] == SENDER and parsed["Subject"] == "Invoice: MYR 9.00"


def test_smtp_keeps_one_session_for_many_messages_and_reconnects_once_dropped() -> None:
    with smtp_server() as (handler, port):
        mailer = SmtpMailer(SmtpSettings("127.0.0.1", port, timeout=5), SENDER)
        assert mailer.send_batch([message(f"report:{n}") for n in range(3)]) == [None] * 3
        mailer.send(message("notice:4"))
        assert handler.sessions == 1 and len(handler.received()) == 4
    with smtp_server(port) as (handler, _):  # the server restarted: the old session is dead
        mailer.send(message("notice:5"))
        assert handler.sessions == 1 and len(handler.received()) == 1
        handler.refuse_with = "550 mailbox unavailable"
        errors = mailer.send_batch([message("report:6"), message("report:7")])
        assert all(error is not None and "550" in str(error) for error in errors)
        handler.refuse_with = None
        mailer.send(message("notice:8"))  # a refusal does not end the session
        assert handler.sessions == 1 and len(handler.received()) == 2
    mailer.close()
