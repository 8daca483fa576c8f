"""Cost of building one user's monthly report email, step by step, on this machine.

Stores USERS users x INVOICES realistic invoices (vendor, date, totals, tax, currency, a line
item, evidence, confidence) in a temporary SqliteInvoiceRepository, then builds N reports, each
from one user's month: query+decode, the chart alone, the whole ``monthly_report`` (chart
included), ``to_mime(...).as_bytes()``. Prints ms per report; asserts nothing.

    .venv/bin/python bench/report_build.py --reports 200
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from billify.adapters.local.sqlite_repository import SqliteInvoiceRepository
from billify.domain.charts import bar_chart
from billify.domain.emails import to_mime
from billify.domain.models import (
    EXTRACTED_FIELDS,
    Conversion,
    Evidence,
    Extraction,
    Invoice,
    InvoiceStatus,
    LineItem,
    Uploader,
)
from billify.domain.notifications import monthly_report
from billify.domain.reports import Month, Spending

MONTH = Month(2026, 11)
# Each vendor with the category a user's invoices from it get.
VENDORS = {
    "Corner Bookshop Sdn Bhd": "office",
    "Green Grocer": "groceries",
    "Kedai Runcit Ah Seng": "groceries",
    "Shell Malaysia Trading": "transport",
    "Tesco Stores (Malaysia)": "groceries",
    "Uniqlo KLCC": "shopping",
    "Starbucks Coffee": "dining",
    "MR. D.I.Y. (M) Sdn Bhd": "home",
    "Guardian Health & Beauty": "health",
    "Aeon Big": "shopping",
    "Popular Book Co.": "office",
    "Secret Recipe Cakes & Cafe": "dining",
}
# EUR per unit, as the ECB's cross rate gives it (the report reads the kept conversion).
TO_EUR = {"MYR": Decimal("0.2034"), "EUR": Decimal(1)}
T = TypeVar("T")


def make_invoice(user: Uploader, n: int, rng: random.Random) -> Invoice:
    day = rng.randint(1, 30)
    subtotal = Decimal(rng.randint(300, 60_000)) / 100
    tax = (subtotal * Decimal("0.06")).quantize(Decimal("0.01"))
    total = subtotal + tax
    box = (0.1, 0.8, 0.3, 0.82)
    currency = "MYR" if rng.random() < 0.9 else "EUR"
    vendor = rng.choice(list(VENDORS))
    date = dt.date(MONTH.year, MONTH.month, day)
    rate = TO_EUR[currency]
    extraction = Extraction(
        total=total,
        subtotal=subtotal,
        tax=tax,
        amount_due=total,
        currency=currency,
        vendor=vendor,
        vendor_address="No. 12, Jalan Bukit Bintang, 55100 Kuala Lumpur",
        date=date,
        invoice_number=f"INV-{rng.randint(10_000, 99_999)}",
        line_items=(LineItem("Assorted goods", Decimal(1), subtotal, subtotal),),
        confidence={name: round(rng.uniform(0.6, 1.0), 3) for name in EXTRACTED_FIELDS},
        source="ocr",
        pages=1,
        evidence={name: Evidence(0, box) for name in ("total", "tax", "vendor", "date")},
        category=VENDORS[vendor],
        conversion=Conversion((total * rate).quantize(Decimal("0.01")), "EUR", rate, date),
    )
    status = InvoiceStatus.NEEDS_REVIEW if rng.random() < 0.05 else InvoiceStatus.PROCESSED
    received = dt.datetime(MONTH.year, MONTH.month, day, rng.randint(0, 23), tzinfo=dt.UTC)
    return Invoice(
        id=f"{user.email}-{n:04d}",
        uploader=user,
        blob_key=f"blobs/{user.email}/{n:04d}.jpg",
        media_type="image/jpeg",
        file_hash=f"{rng.getrandbits(128):032x}",
        file_size=rng.randint(50_000, 900_000),
        received_at=received,
        original_filename=f"receipt-{n}.jpg",
        status=status,
        extraction=extraction,
        processed_at=received + dt.timedelta(seconds=3),
        notice_sent_at=received + dt.timedelta(seconds=4),
    )


def timed(samples: list[float], work: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = work()
    samples.append((time.perf_counter() - start) * 1000)
    return result


def daily_values(spending: Spending) -> tuple[list[str], list[Decimal]]:
    per_day = [Decimal(0)] * 30
    for invoice in spending.counted:
        if invoice.currency == "MYR" and invoice.extraction and invoice.extraction.date:
            per_day[invoice.extraction.date.day - 1] += invoice.total or Decimal(0)
    return [str(d) if d == 1 or d % 5 == 0 else "" for d in range(1, 31)], per_day


def one_report(
    repository: SqliteInvoiceRepository, user: Uploader, steps: dict[str, list[float]]
) -> tuple[int, int]:
    """Builds one user's report, timing each step; returns the message's and chart's sizes."""
    start, end = MONTH.bounds(dt.UTC)  # type: ignore[arg-type]
    found = timed(steps["query"], lambda: list(repository.received_between(start, end, user.email)))
    spending = Spending(user, tuple(found))
    labels, values = daily_values(spending)
    timed(steps["chart"], lambda: bar_chart(labels, values, unit="MYR"))
    # The months before, to compare with: the same invoices stand in for them.
    history = (spending, spending, spending)
    email = timed(
        steps["report"], lambda: monthly_report(MONTH, spending, history, home_currency="EUR")
    )
    raw = timed(steps["mime"], lambda: to_mime(email, "Billify <b@example.com>").as_bytes())
    return len(raw), sum(len(a.content) for a in email.attachments if a.content_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=100, help="per user")
    parser.add_argument("--users", type=int, default=20, help="reports cycle through them")
    args = parser.parse_args()

    rng = random.Random(7)
    users = [Uploader(f"User {u}", f"user{u}@example.com") for u in range(args.users)]
    steps: dict[str, list[float]] = {k: [] for k in ("query", "chart", "report", "mime")}
    with tempfile.TemporaryDirectory() as folder:
        repository = SqliteInvoiceRepository(Path(folder) / "bench.db")
        for user in users:
            for n in range(args.invoices):
                repository.add(make_invoice(user, n, rng))
        sizes = [one_report(repository, users[i % len(users)], steps) for i in range(args.reports)]
        repository.close()

    print(f"{args.reports} reports of {args.invoices} invoices, ms per report (mean / median):")
    for name, label in (
        ("query", "query+decode"),
        ("chart", "chart (bar_chart)"),
        ("report", "monthly_report"),
        ("mime", "to_mime().as_bytes()"),
    ):
        mean, median = statistics.fmean(steps[name]), statistics.median(steps[name])
        print(f"  {label:26s} {mean:7.2f} / {median:7.2f}")
    total = sum(statistics.fmean(steps[name]) for name in ("query", "report", "mime"))
    print(f"  {'total (chart inside report)':26s} {total:7.2f}")
    message_kb = statistics.fmean(size for size, _ in sizes) / 1000
    chart_kb = statistics.fmean(size for _, size in sizes) / 1000
    print(f"  message {message_kb:.1f} kB, chart PNGs {chart_kb:.1f} kB (means)")


if __name__ == "__main__":
    main()
