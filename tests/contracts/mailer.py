"""What every ``Mailer`` must do. Each adapter's test module subclasses the contract with three
fixtures: ``mailer``; ``delivered``, what reached the transport so far (the outbox's files, the
SMTP server's messages, SES's, the fake's list), read back as ``Delivered``; and ``failing``, a
mailer of the same kind whose transport refuses everything. The fake, the outbox and SMTP in
tests/integration, SES in tests/aws."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

import pytest

from billify.domain.emails import OutgoingEmail
from billify.domain.models import Uploader
from billify.ports import Mailer

SENDER = "Billify <billify@example.com>"


@dataclass(frozen=True)
class Delivered:
    key: str
    to: str
    name: str
    subject: str
    message_id: str
    text: str
    html: str

    @classmethod
    def of(cls, sent: OutgoingEmail) -> Delivered:
        return cls(
            sent.key,
            sent.to.email,
            sent.to.name,
            sent.subject,
            sent.message_id,
            sent.text,
            sent.html,
        )

    @classmethod
    def parse(cls, raw: bytes) -> Delivered:
        """A delivered MIME message, as its recipient's mail program reads it."""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return cls.read(message)

    @classmethod
    def read(cls, message: EmailMessage) -> Delivered:
        (to,) = message["To"].addresses
        plain, html = message.get_body(("plain",)), message.get_body(("html",))
        assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
        return cls(
            str(message["X-Billify-Key"]),
            to.addr_spec,
            to.display_name,
            str(message["Subject"]),
            str(message["Message-ID"]),
            _lines(plain.get_content()),
            _lines(html.get_content()),
        )


Deliveries = Callable[[], list[Delivered]]


def _lines(text: str) -> str:
    """The text as written, whatever line ends the transport used (and MIME's final one)."""
    return text.replace("\r\n", "\n").removesuffix("\n")


def message(key: str = "notice:1", to: str = "zoe@example.com") -> OutgoingEmail:
    return OutgoingEmail(
        key,
        Uploader("Zoë <Admin>", to),
        "Rechnung für Zoë: MYR 9.00, Kedai Buku",
        "Total MYR 9.00\nVendor Kedai Buku",
        "<p>Total <b>MYR 9.00</b></p>",
    )


class MailerContract:
    def test_an_email_is_delivered_as_written(self, mailer: Mailer, delivered: Deliveries) -> None:
        mailer.send(message())
        assert delivered() == [Delivered.of(message())]

    def test_a_batch_answers_none_for_each_email_delivered(
        self, mailer: Mailer, delivered: Deliveries
    ) -> None:
        emails = [message(f"report:2026-11:{n}", f"u{n}@example.com") for n in range(3)]
        assert mailer.send_batch(emails) == [None, None, None]
        assert sorted(delivered(), key=lambda d: d.key) == [Delivered.of(e) for e in emails]
        assert mailer.send_batch([]) == []

    def test_the_same_key_again_is_recognisably_the_same_email(
        self, mailer: Mailer, delivered: Deliveries
    ) -> None:
        """Replaced where the transport can (the outbox); else a second copy with the same
        Message-ID, which tells a resend after a crash from a new email."""
        first = message("notice:7")
        again = OutgoingEmail(first.key, first.to, first.subject, "resent", "<p>resent</p>")
        mailer.send(first)
        mailer.send(again)
        mailer.send(message("notice:8"))
        copies = [d for d in delivered() if d.key == "notice:7"]
        if mailer.replaces_duplicates:
            assert copies == [Delivered.of(again)]
        else:
            assert sorted(d.text for d in copies) == sorted([first.text, again.text])
        assert {d.message_id for d in copies} == {first.message_id}
        assert first.message_id != message("notice:8").message_id

    def test_a_refused_email_raises_and_a_refused_batch_answers_each_error(
        self, failing: Mailer, delivered: Deliveries
    ) -> None:
        with pytest.raises(Exception):  # noqa: B017 (each transport's own error)
            failing.send(message())
        errors = failing.send_batch([message("report:1"), message("report:2")])
        assert len(errors) == 2 and all(isinstance(e, Exception) for e in errors)
        assert delivered() == []
