import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billify.domain.models import Extraction, Invoice, InvoiceStatus, Uploader
from billify.domain.reports import Month, spending_by_user


def invoice(
    email: str,
    total: str | None,
    status: InvoiceStatus,
    currency: str = "EUR",
    day: int = 3,
    name: str = "Ana",
) -> Invoice:
    return Invoice(
        id=f"{email}-{day}-{total}",
        uploader=Uploader(name, email),
        blob_key="k",
        media_type="image/png",
        file_hash="h",
        file_size=1,
        received_at=dt.datetime(2026, 10, day, 12, tzinfo=dt.UTC),
        status=status,
        extraction=Extraction(total=Decimal(total) if total else None, currency=currency),
    )


def test_month_parsing_and_neighbours() -> None:
    assert str(Month.parse("2026-01")) == "2026-01"
    assert Month.parse("2026-01").previous() == Month(2025, 12)
    assert Month.parse("2025-12").next() == Month(2026, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-01", "2026/01", "", "2026-00"])
def test_month_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        Month.parse(text)


def test_month_bounds_follow_the_time_zone() -> None:
    start, end = Month(2026, 11).bounds(ZoneInfo("Asia/Kuala_Lumpur"))
    assert start == dt.datetime(2026, 10, 31, 16, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC)


def test_an_instant_belongs_to_its_local_month() -> None:
    moment = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)
    assert Month.containing(moment, ZoneInfo("UTC")) == Month(2026, 10)
    assert Month.containing(moment, ZoneInfo("Europe/Berlin")) == Month(2026, 11)


def test_spending_counts_only_trusted_totals_per_currency() -> None:
    invoices = [
        invoice("a@x.org", "10.50", InvoiceStatus.PROCESSED),
        invoice("a@x.org", "2.25", InvoiceStatus.PROCESSED, day=4),
        invoice("a@x.org", "7.00", InvoiceStatus.PROCESSED, currency="USD", day=5),
        invoice("a@x.org", "99.00", InvoiceStatus.NEEDS_REVIEW, day=6),
        invoice("a@x.org", None, InvoiceStatus.FAILED, day=7),
        invoice("b@x.org", "1.00", InvoiceStatus.PROCESSED, name="Bo"),
    ]
    by_user = {s.uploader.email: s for s in spending_by_user(invoices)}
    alice = by_user["a@x.org"]
    assert alice.totals_by_currency == {"EUR": Decimal("12.75"), "USD": Decimal("7.00")}
    assert len(alice.needs_review) == 1 and len(alice.failed) == 1
    assert by_user["b@x.org"].totals_by_currency == {"EUR": Decimal("1.00")}


def test_latest_name_is_used_for_a_user() -> None:
    invoices = [
        invoice("a@x.org", "1", InvoiceStatus.PROCESSED, day=1, name="Old"),
        invoice("a@x.org", "1", InvoiceStatus.PROCESSED, day=9, name="New"),
    ]
    assert spending_by_user(invoices)[0].uploader.name == "New"
