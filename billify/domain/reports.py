"""Monthly aggregation: which invoices belong to a month, and what they add up to per user.

An invoice belongs to the month in which it was *received* (in the configured time zone), so
no invoice is missed or counted twice whatever date is printed on it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from billify.domain.models import Invoice, InvoiceStatus, Uploader

_MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH_PATTERN.fullmatch(text.strip())
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1970:
            raise ValueError(f"month must be YYYY-MM, got {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, moment: dt.datetime, tz: ZoneInfo) -> Month:
        local = moment.astimezone(tz)
        return cls(local.year, local.month)

    @classmethod
    def before(cls, moment: dt.datetime, tz: ZoneInfo) -> Month:
        """The month before the one ``moment`` falls in (in ``tz``): what a monthly run on
        the 1st reports."""
        return cls.containing(moment, tz).previous()

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the month in ``tz``, as UTC instants."""
        start = dt.datetime(self.year, self.month, 1, tzinfo=tz)
        following = self.next()
        end = dt.datetime(following.year, following.month, 1, tzinfo=tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    @property
    def label(self) -> str:
        return dt.date(self.year, self.month, 1).strftime("%B %Y")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def counts(invoice: Invoice) -> bool:
    """Whether the invoice counts in totals: processed (read and trusted, or confirmed by its
    owner), with a total, and not a likely duplicate of another."""
    return (
        invoice.status == InvoiceStatus.PROCESSED
        and invoice.total is not None
        and not invoice.duplicate_of
    )


@dataclass(frozen=True)
class Spending:
    """What one user's invoices add up to over a period."""

    uploader: Uploader
    invoices: tuple[Invoice, ...]

    @property
    def counted(self) -> tuple[Invoice, ...]:
        """Invoices whose total is trusted (processed, with a total), likely duplicates aside."""
        return tuple(i for i in self.invoices if counts(i))

    @property
    def duplicates(self) -> tuple[Invoice, ...]:
        return tuple(i for i in self.invoices if i.duplicate_of)

    @property
    def totals_by_currency(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for invoice in self.counted:
            totals[invoice.currency or "???"] += invoice.total or Decimal(0)
        return dict(sorted(totals.items()))

    @property
    def needs_review(self) -> tuple[Invoice, ...]:
        return self._with_status(InvoiceStatus.NEEDS_REVIEW)

    @property
    def failed(self) -> tuple[Invoice, ...]:
        return self._with_status(InvoiceStatus.FAILED)

    @property
    def pending(self) -> tuple[Invoice, ...]:
        return self._with_status(InvoiceStatus.QUEUED, InvoiceStatus.PROCESSING)

    def _with_status(self, *statuses: InvoiceStatus) -> tuple[Invoice, ...]:
        return tuple(i for i in self.invoices if i.status in statuses)


def spending_by_user(invoices: Iterable[Invoice]) -> list[Spending]:
    """Group invoices per email (the user's identity); the latest name given is the one used."""
    grouped: dict[str, list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        grouped[invoice.uploader.email].append(invoice)
    result = []
    for email, items in sorted(grouped.items()):
        items.sort(key=lambda i: i.received_at)
        result.append(Spending(Uploader(items[-1].uploader.name, email), tuple(items)))
    return result
