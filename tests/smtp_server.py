"""A real SMTP server on loopback (aiosmtpd) that records what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RecordingHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.refuse_with: str | None = None  # e.g. "451 try again later"
        self.ack_delay = 0.0  # seconds before answering 250 (a slow server)
        self.data_started = 0  # DATA commands seen, accepted or not
        self.sessions = 0  # EHLO/HELO greetings: one per client connection

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.data_started += 1
        if self.refuse_with:
            return self.refuse_with
        if self.ack_delay:
            await asyncio.sleep(self.ack_delay)
            transport = server.transport
            if transport is None or transport.is_closing():
                # The client died before our 250: like a careful server, do not deliver.
                return "451 client gone"
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    chosen = port or free_port()
    controller: Any = Controller(handler, hostname="127.0.0.1", port=chosen)
    controller.start()
    try:
        yield handler, chosen
    finally:
        controller.stop()
