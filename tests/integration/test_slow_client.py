"""A client trickling its body byte by byte gets a 408 at the deadline; others are served."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from billify.config import Settings
from billify.entrypoints.http import create_app
from tests.fakes import (
    FakeRepository,
    fake_app,
)
from tests.smtp_server import free_port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, FakeRepository]]:
    repository = FakeRepository()
    app = fake_app(Settings(data_dir=tmp_path, body_timeout=1.5), repository=repository)
    port = free_port()
    config = uvicorn.Config(create_app(app), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield port, repository
    running.should_exit = True
    thread.join(10)


def test_trickled_body_is_cut_off_and_the_server_stays_healthy(
    server: tuple[int, FakeRepository],
) -> None:
    port, repository = server
    slow = socket.create_connection(("127.0.0.1", port), timeout=10)
    slow.sendall(
        b"POST /upload-invoice HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\n\r\n--b\r\n"
    )
    started = time.monotonic()
    answer = b""
    slow.settimeout(0.3)
    while time.monotonic() - started < 6 and not answer:
        try:
            slow.sendall(b"x")
            answer = slow.recv(4096)
        except TimeoutError:
            # Meanwhile everybody else is served promptly.
            health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            assert health.status_code == 200
    elapsed = time.monotonic() - started
    slow.settimeout(2)
    while b"}" not in answer:  # the body may come in a later packet than the headers
        more = slow.recv(4096)
        if not more:
            break
        answer += more
    slow.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"error":"timeout"' in answer
    assert 1.2 < elapsed < 4
    assert repository.invoices == {}
