"""The unit tests' own ground rules (tests/unit/conftest.py): no sockets, none of the caller's
``BILLIFY_*`` settings."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pytest_socket import SocketBlockedError

from billify.config import Settings
from billify.entrypoints.http import create_app
from tests.fakes import fake_app


def test_no_billify_variable_reaches_a_unit_test() -> None:
    assert not [name for name in os.environ if name.upper().startswith("BILLIFY_")]


def test_settings_are_the_documented_defaults() -> None:
    defaults = {
        name: field.get_default(call_default_factory=True)
        for name, field in Settings.model_fields.items()
    }
    assert Settings().model_dump() == defaults
    read = Settings()  # the ones a polluted environment would most likely change
    assert (read.auth, read.timezone, read.public_url) == ("on", "UTC", "http://127.0.0.1:8000")
    assert (read.api_keys, read.inbound_domain, read.smtp_host, read.imap_host) == (None,) * 4
    assert read.data_dir == Path("var") and read.secret_key is None


def test_a_setting_a_test_makes_itself_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLIFY_TIMEZONE", "Asia/Tokyo")
    assert Settings().timezone == "Asia/Tokyo"


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_network_sockets_and_name_lookups_are_refused() -> None:
    for family in (socket.AF_INET, socket.AF_INET6):
        with pytest.raises(SocketBlockedError):
            socket.socket(family, socket.SOCK_STREAM)
    with pytest.raises(SocketBlockedError):
        socket.getaddrinfo("localhost", 80)
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()  # the event loop's self-pipe


def test_the_test_client_needs_no_socket(tmp_path: Path) -> None:
    app = fake_app(Settings(data_dir=tmp_path))
    assert TestClient(create_app(app)).get("/health").status_code == 200
