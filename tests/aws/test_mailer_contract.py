"""The Mailer contract on SES (moto over HTTP): what arrived is read from the raw messages moto's
SES accepted (from its backend, as moto documents: the server runs in this process; its
``/moto-api/data.json`` serialises every service's state, slower as a session's grows); the
failing mailer sends from an address SES has not verified."""

from __future__ import annotations

import pytest

from billify.adapters.aws.ses import SesMailer
from billify.ports import Mailer
from tests.aws.conftest import REGION, Stack
from tests.contracts.mailer import Delivered, Deliveries, MailerContract


class TestSesMailer(MailerContract):
    @pytest.fixture
    def mailer(self, stack: Stack) -> Mailer:
        return SesMailer(stack.sender)

    @pytest.fixture
    def delivered(self, stack: Stack) -> Deliveries:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses import ses_backends

        backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
        senders = {stack.sender, f"unverified-{stack.sender}"}

        def read() -> list[Delivered]:
            return [
                Delivered.parse(m.raw_data.encode())
                for m in list(backend.sent_messages)
                if getattr(m, "source", None) in senders
            ]

        return read

    @pytest.fixture
    def failing(self, stack: Stack) -> Mailer:
        return SesMailer(f"unverified-{stack.sender}", throttle_retries=0)
