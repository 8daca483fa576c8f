"""What only the SQLite repository has; the InvoiceRepository contract it keeps with the fake
and DynamoDB: test_repository_contract.py."""

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

from billify.adapters.local.sqlite_repository import SqliteInvoiceRepository
from billify.domain.models import Extraction, InvoiceStatus
from tests.contracts.repository import make

T0 = dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC)


def test_seed_attributes_are_plain_columns(tmp_path: Path) -> None:
    repository = SqliteInvoiceRepository(tmp_path / "db.sqlite3")
    repository.add(
        make("a", at=T0).with_changes(
            extraction=Extraction(total=Decimal("9.00")), status=InvoiceStatus.PROCESSED
        )
    )
    row = (
        sqlite3.connect(tmp_path / "db.sqlite3")
        .execute("SELECT id, timestamp, name, email, total FROM invoices")
        .fetchone()
    )
    assert row == ("a", "2026-11-01T00:00:00.000000+00:00", "Ana", "ana@example.com", "9.00")
