"""The InvoiceRepository contract over the fake and SQLite (DynamoDB: tests/aws)."""

from __future__ import annotations

from pathlib import Path

import pytest

from billify.adapters.local.sqlite_repository import SqliteInvoiceRepository
from billify.ports import InvoiceRepository
from tests.contracts.repository import RepositoryContract
from tests.fakes import FakeRepository


class TestFakeRepository(RepositoryContract):
    @pytest.fixture
    def store(self) -> InvoiceRepository:
        return FakeRepository()


class TestSqliteRepository(RepositoryContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> InvoiceRepository:
        return SqliteInvoiceRepository(tmp_path / "billify.sqlite3")
