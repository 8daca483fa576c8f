"""The ProfileStore contract over the fake and SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from billify.adapters.local.sqlite_inbox import SqliteInboxStore
from billify.adapters.local.sqlite_profiles import SqliteProfileStore
from billify.domain.profiles import Profile
from billify.ports import ProfileStore
from tests.contracts.profile_store import ProfileStoreContract
from tests.fakes import FakeProfileStore


class TestFakeProfileStore(ProfileStoreContract):
    @pytest.fixture
    def store(self) -> ProfileStore:
        return FakeProfileStore()


class TestSqliteProfileStore(ProfileStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> ProfileStore:
        return SqliteProfileStore(tmp_path / "billify.sqlite3")


def test_profiles_live_in_the_invoices_database_and_outlast_the_process(tmp_path: Path) -> None:
    database = tmp_path / "billify.sqlite3"
    SqliteInboxStore(database)  # another store's tables in the same file first
    SqliteProfileStore(database).update_profile("ana@example.com", Profile("MYR", "de"))
    assert SqliteProfileStore(database).profile("ana@example.com") == Profile("MYR", "de")
