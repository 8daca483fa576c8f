"""What only the DynamoDB repository has (against moto): reads by Query only, following pages,
month shards, the user-month markers. The InvoiceRepository contract it keeps with the fake and
SQLite: test_repository_contract.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from billify.adapters.aws import clients
from billify.adapters.aws.dynamodb import DynamoInvoiceRepository, utc_months
from billify.domain.models import Extraction, InvoiceStatus
from billify.domain.reports import Month
from tests.aws.conftest import Stack
from tests.contracts.repository import make

T0 = dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def calls() -> Iterator[Counter[str]]:
    """DynamoDB operations made during the test (observed on the real client, not mocked)."""
    seen: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        seen[model.name] += 1

    events = clients.client("dynamodb").meta.events
    events.register("before-call.dynamodb.*", count)
    yield seen
    events.unregister("before-call.dynamodb.*", count)


def repository(stack: Stack, shards: int = 1) -> DynamoInvoiceRepository:
    return DynamoInvoiceRepository(stack.table, month_shards=shards)


def test_seed_attributes_are_top_level_and_amounts_numbers(stack: Stack) -> None:
    repo = repository(stack)
    repo.add(
        make("a").with_changes(
            extraction=Extraction(total=Decimal("1234.50"), subtotal=Decimal("1100.00")),
            status=InvoiceStatus.PROCESSED,
        )
    )
    raw = stack.raw_item("a")
    assert {k: raw[k] for k in ("id", "timestamp", "name", "email", "total", "subtotal")} == {
        "id": "a",
        "timestamp": "2026-11-01T00:00:00.000000+00:00",
        "name": "Ana",
        "email": "ana@example.com",
        "total": Decimal("1234.50"),
        "subtotal": Decimal("1100.00"),
    }
    assert "tax" not in raw  # unknown: left out, not stored as null


@pytest.mark.parametrize("shards", [1, 3])
def test_received_between_reads_a_local_month_with_queries_only(
    stack: Stack, calls: Counter[str], shards: int
) -> None:
    repo = repository(stack, shards)
    # November in Berlin is [Oct 31 23:00 UTC, Nov 30 23:00 UTC): it spans two UTC months.
    moments = {
        "before": dt.datetime(2026, 10, 31, 22, 59, tzinfo=dt.UTC),
        "first": dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC),
        "mid": dt.datetime(2026, 11, 15, 12, 0, tzinfo=dt.UTC),
        "bob": dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC),
        "last": dt.datetime(2026, 11, 30, 22, 59, 59, 999999, tzinfo=dt.UTC),
        "after": dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC),
    }
    for name, moment in moments.items():
        repo.add(make(name, "bob@example.com" if name == "bob" else "ana@example.com", moment))
    start, end = Month(2026, 11).bounds(BERLIN)
    calls.clear()

    assert [i.id for i in repo.received_between(start, end)] == ["first", "mid", "bob", "last"]
    assert calls == Counter({"Query": 2 * shards})  # two UTC months, every shard, no Scan
    assert [i.id for i in repo.received_between(start, end, "ana@example.com")] == [
        "first",
        "mid",
        "last",
    ]
    assert calls["Scan"] == 0


def test_queries_follow_pages(stack: Stack, calls: Counter[str]) -> None:
    repo = repository(stack)
    for n in range(30):
        repo.add(make(f"i{n:02d}", at=T0 + dt.timedelta(minutes=n)))
    big = "x" * 60_000  # ~60 KB per item: the 1 MB page limit splits the month
    for n in range(30):
        repo.save(repo.get(f"i{n:02d}").with_changes(error=big))  # type: ignore[union-attr]
    calls.clear()
    found = list(repo.received_between(T0, T0 + dt.timedelta(days=1)))
    assert [i.id for i in found] == [f"i{n:02d}" for n in range(30)]
    assert calls["Query"] >= 2


@pytest.mark.parametrize("shards", [1, 3])
def test_report_recipients_page_markers_not_invoices(
    stack: Stack, calls: Counter[str], shards: int
) -> None:
    repo = repository(stack, shards)
    # November in Berlin is [Oct 31 23:00 UTC, Nov 30 23:00 UTC): two UTC months.
    uploads = [
        ("ana@example.com", dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)),  # UTC October
        ("ana@example.com", dt.datetime(2026, 11, 2, tzinfo=dt.UTC)),  # and November
        ("ana@example.com", dt.datetime(2026, 11, 3, tzinfo=dt.UTC)),
        ("bob@example.com", dt.datetime(2026, 11, 30, 22, 59, tzinfo=dt.UTC)),
        ("cy@example.com", dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),  # December in Berlin
        ("dee@example.com", dt.datetime(2026, 9, 30, tzinfo=dt.UTC)),  # September
    ]
    for n, (email, moment) in enumerate(uploads):
        repo.add(make(f"r{n}", email, moment))
    start, end = Month(2026, 11).bounds(BERLIN)
    calls.clear()

    assert list(repo.report_recipients(start, end)) == ["ana@example.com", "bob@example.com"]
    assert calls == Counter({"Query": 2 * shards})  # months x shards partitions, one page each
    assert stack.raw_item("usermonth#2026-10#ana@example.com")["month_users_key"].startswith(
        "2026-10#"
    )
    # The markers stay out of the invoice indexes.
    assert [i.id for i in repo.received_between(start, end)] == ["r0", "r1", "r2", "r3"]
    assert [i.id for i in repo.received_between(start, end, "ana@example.com")] == [
        "r0",
        "r1",
        "r2",
    ]


def test_report_recipients_follow_pages_and_read_no_invoice(
    stack: Stack, calls: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from billify.adapters.aws import dynamodb

    monkeypatch.setattr(dynamodb, "RECIPIENT_PAGE", 7)
    repo = repository(stack, shards=2)
    emails = sorted(f"user{n:03d}@example.com" for n in range(40))
    for n, email in enumerate(emails):
        for k in range(3):  # several invoices each: still one marker per user and month
            repo.add(make(f"p{n}-{k}", email, T0 + dt.timedelta(hours=n, minutes=k)))
    requests: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        requests.append(params)

    events = clients.client("dynamodb").meta.events
    events.register("provide-client-params.dynamodb.Query", record)
    try:
        calls.clear()
        found = list(repo.report_recipients(T0, T0 + dt.timedelta(days=30)))
    finally:
        events.unregister("provide-client-params.dynamodb.Query", record)
    assert found == emails
    assert calls["Query"] >= 40 // 7 and calls["Scan"] == 0
    assert {r["IndexName"] for r in requests} == {"ByMonthUser"}
    assert {r["Limit"] for r in requests} == {7}


def test_markers_of_older_invoices_are_backfilled(stack: Stack) -> None:
    repo = repository(stack)
    for n, email in enumerate(["ana@example.com", "bob@example.com", "ana@example.com"]):
        repo.add(make(f"b{n}", email, T0 + dt.timedelta(days=n)))
    ddb = clients.client("dynamodb")
    for email in ("ana@example.com", "bob@example.com"):  # as recorded before markers existed
        ddb.delete_item(TableName=stack.table, Key={"id": {"S": f"usermonth#2026-11#{email}"}})
    window = (T0, T0 + dt.timedelta(days=30))
    assert list(repo.report_recipients(*window)) == []
    assert repo.backfill_report_recipients(*window) == 2
    assert list(repo.report_recipients(*window)) == ["ana@example.com", "bob@example.com"]
    assert repo.backfill_report_recipients(*window) == 2  # idempotent
    assert list(repo.report_recipients(*window)) == ["ana@example.com", "bob@example.com"]


def test_utc_months() -> None:
    start, end = Month(2026, 12).bounds(BERLIN)
    assert utc_months(start, end) == ["2026-11", "2026-12"]
    assert utc_months(*Month(2027, 1).bounds(ZoneInfo("UTC"))) == ["2027-01"]
    assert utc_months(end, start) == []
