import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from billify.adapters.local.sqlite_repository import SqliteInvoiceRepository
from billify.domain.models import Extraction, Invoice, InvoiceStatus, LineItem, Uploader

T0 = dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC)


def make(invoice_id: str, email: str = "ana@example.com", minutes: int = 0) -> Invoice:
    return Invoice(
        id=invoice_id,
        uploader=Uploader("Ana", email),
        blob_key=f"b/{invoice_id}",
        media_type="application/pdf",
        file_hash=f"hash-{invoice_id}",
        file_size=10,
        received_at=T0 + dt.timedelta(minutes=minutes),
        original_filename="a.pdf",
    )


@pytest.fixture
def repository(tmp_path: Path) -> SqliteInvoiceRepository:
    return SqliteInvoiceRepository(tmp_path / "db.sqlite3")


def test_round_trip_keeps_every_field(repository: SqliteInvoiceRepository) -> None:
    invoice = make("a")
    repository.add(invoice)
    assert repository.get("a") == invoice
    extraction = Extraction(
        total=Decimal("1234.50"),
        subtotal=Decimal("1100.00"),
        tax=Decimal("134.50"),
        currency="EUR",
        vendor="Lieferant GmbH",
        date=dt.date(2018, 6, 5),
        invoice_number="471102",
        line_items=(LineItem("Widget", Decimal("2"), Decimal("550.00"), Decimal("1100.00")),),
        confidence={"total": 0.99},
        source="pdf-text",
    )
    processed = invoice.with_changes(
        status=InvoiceStatus.PROCESSED, extraction=extraction, processed_at=T0, notice_sent_at=T0
    )
    repository.save(processed)
    assert repository.get("a") == processed


def test_seed_attributes_are_plain_columns(
    repository: SqliteInvoiceRepository, tmp_path: Path
) -> None:
    import sqlite3

    repository.add(
        make("a").with_changes(
            extraction=Extraction(total=Decimal("9.00")), status=InvoiceStatus.PROCESSED
        )
    )
    row = (
        sqlite3.connect(tmp_path / "db.sqlite3")
        .execute("SELECT id, timestamp, name, email, total FROM invoices")
        .fetchone()
    )
    assert row == ("a", "2026-11-01T00:00:00.000000+00:00", "Ana", "ana@example.com", "9.00")


def test_received_between_is_half_open_and_per_user(repository: SqliteInvoiceRepository) -> None:
    repository.add(make("before", minutes=-1))
    repository.add(make("first", minutes=0))
    repository.add(make("other", email="bo@example.com", minutes=5))
    repository.add(make("end", minutes=60))
    found = repository.received_between(T0, T0 + dt.timedelta(minutes=60))
    assert [i.id for i in found] == ["first", "other"]
    mine = repository.received_between(T0, T0 + dt.timedelta(hours=2), "ana@example.com")
    assert [i.id for i in mine] == ["first", "end"]


def test_find_by_hash_is_per_user(repository: SqliteInvoiceRepository) -> None:
    repository.add(make("a"))
    assert repository.find_by_hash("ana@example.com", "hash-a") is not None
    assert repository.find_by_hash("bo@example.com", "hash-a") is None


def test_report_claims_are_exclusive_until_sent_or_expired(
    repository: SqliteInvoiceRepository,
) -> None:
    lease = dt.timedelta(minutes=10)
    month, ana, bo = "2026-11", "ana@example.com", "bo@example.com"

    def claim(minutes: float, *who: str, of: str = month) -> set[str]:
        return repository.claim_reports(of, who, T0 + dt.timedelta(minutes=minutes), lease)

    assert claim(0, ana) == {ana}
    assert claim(1, ana, bo) == {bo}  # one batch: the claimed one is left out
    # The claimer died: once the lease runs out another run takes over.
    assert claim(11, ana) == {ana}
    repository.release_report(month, ana)
    assert claim(12, ana) == {ana}
    repository.mark_reports_sent(month, [ana, bo], T0 + dt.timedelta(minutes=12))
    assert repository.report_sent(month, ana) and repository.report_sent(month, bo)
    assert claim(9 * 24 * 60, ana, bo) == set()
    assert claim(0, ana, of="2026-10") == {ana}


def test_report_recipients_are_the_month_s_uploaders_once_each(
    repository: SqliteInvoiceRepository,
) -> None:
    days = [("bo@example.com", 3), ("ana@example.com", 4), ("bo@example.com", 5), ("cy@x.org", 40)]
    for n, (email, day) in enumerate(days):
        repository.add(make(f"r{n}", email, minutes=day * 24 * 60))
    recipients = repository.report_recipients(T0, T0 + dt.timedelta(days=30))
    assert list(recipients) == ["ana@example.com", "bo@example.com"]


def test_recipient_confirmation_round_trip(repository: SqliteInvoiceRepository) -> None:
    assert not repository.recipient_confirmed("ana@example.com")
    assert repository.request_confirmation("ana@example.com", "h1", T0)
    assert not repository.request_confirmation("ana@example.com", "h2", T0)  # one pending
    assert repository.confirm_recipient("h2", T0) is None
    assert repository.confirm_recipient("h1", T0) == "ana@example.com"
    assert repository.recipient_confirmed("ana@example.com")
    assert repository.confirm_recipient("h1", T0) is None  # single use
    repository.request_confirmation("bo@example.com", "h3", T0)
    repository.cancel_confirmation("bo@example.com")
    assert repository.request_confirmation("bo@example.com", "h4", T0)
