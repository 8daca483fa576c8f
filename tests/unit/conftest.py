"""What every unit test runs under: no network, and none of the caller's ``BILLIFY_*`` settings.

Sockets are refused (pytest-socket) from before a test's first fixture is set up until its
teardown; Unix sockets stay allowed, for the event loop's self-pipe (FastAPI's TestClient
calls the app in process, it opens no socket). A test that needs the network belongs in
tests/integration. The environment is cleared of ``BILLIFY_*`` variables, so ``Settings()``
sees its defaults and only what a test sets itself.
"""

from __future__ import annotations

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    disable_socket(allow_unix_socket=True)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    enable_socket()


@pytest.fixture(autouse=True)
def _no_caller_settings(no_billify_settings: None) -> None:
    """``no_billify_settings`` (tests/conftest.py) for every unit test."""
