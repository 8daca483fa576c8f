"""The InboxStore contract over the fake and SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from billify.adapters.local.sqlite_inbox import SqliteInboxStore
from billify.ports import InboxStore
from tests.contracts.inbox_store import InboxStoreContract
from tests.fakes import FakeInboxStore


class TestFakeInboxStore(InboxStoreContract):
    @pytest.fixture
    def store(self) -> InboxStore:
        return FakeInboxStore()


class TestSqliteInboxStore(InboxStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> InboxStore:
        return SqliteInboxStore(tmp_path / "billify.sqlite3")
