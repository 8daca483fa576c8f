"""The Mailer contract over the fake (as SMTP, and as the outbox: ``replaces_duplicates``), the
outbox folder and SMTP against a real server on loopback (aiosmtpd; SES: tests/aws)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from billify.adapters.local.mailers import OutboxMailer, SmtpMailer, SmtpSettings
from billify.ports import Mailer
from tests.contracts.mailer import SENDER, Delivered, Deliveries, MailerContract
from tests.fakes import FakeMailer
from tests.smtp_server import RecordingHandler, smtp_server


class TestFakeMailer(MailerContract):
    replaces_duplicates = False

    @pytest.fixture
    def mailer(self) -> FakeMailer:
        return FakeMailer(replaces_duplicates=self.replaces_duplicates)

    @pytest.fixture
    def delivered(self, mailer: FakeMailer) -> Deliveries:
        return lambda: [Delivered.of(sent) for sent in mailer.sent]

    @pytest.fixture
    def failing(self, mailer: FakeMailer) -> Mailer:
        mailer.failures_left = 1_000
        return mailer


class TestFakeMailerAsOutbox(TestFakeMailer):
    replaces_duplicates = True


class TestOutboxMailer(MailerContract):
    @pytest.fixture
    def outbox(self, tmp_path: Path) -> Path:
        return tmp_path / "outbox"

    @pytest.fixture
    def mailer(self, outbox: Path) -> Mailer:
        return OutboxMailer(outbox, SENDER)

    @pytest.fixture
    def delivered(self, outbox: Path) -> Deliveries:
        def read() -> list[Delivered]:
            if not outbox.is_dir():
                return []
            return [Delivered.parse(path.read_bytes()) for path in sorted(outbox.iterdir())]

        return read

    @pytest.fixture
    def failing(self, outbox: Path) -> Mailer:
        mailer = OutboxMailer(outbox, SENDER)
        shutil.rmtree(outbox)
        outbox.write_bytes(b"")  # a file where the folder was: every write fails
        return mailer


class TestSmtpMailer(MailerContract):
    @pytest.fixture
    def server(self) -> Iterator[tuple[RecordingHandler, int]]:
        with smtp_server() as server:
            yield server

    @pytest.fixture
    def mailer(self, server: tuple[RecordingHandler, int]) -> Iterator[Mailer]:
        mailer = SmtpMailer(SmtpSettings("127.0.0.1", server[1], timeout=5), SENDER)
        yield mailer
        mailer.close()

    @pytest.fixture
    def delivered(self, server: tuple[RecordingHandler, int]) -> Deliveries:
        return lambda: [Delivered.read(message) for message in server[0].received()]

    @pytest.fixture
    def failing(self, server: tuple[RecordingHandler, int], mailer: Mailer) -> Mailer:
        server[0].refuse_with = "451 Requested action aborted: try later"
        return mailer
