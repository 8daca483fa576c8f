"""Each user's money in one currency: their choice (or the server's default), and every invoice
total converted to it at the ECB rate of the invoice's date. Takes the ports as arguments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from billify.domain.models import Conversion, Invoice
from billify.domain.money import convert
from billify.domain.profiles import Preferences, preferences
from billify.ports import ExchangeRates, ProfileStore


@dataclass(frozen=True)
class HomeCurrency:
    """What converting needs: the rates, where each user's choice is kept, and the default
    (``BILLIFY_HOME_CURRENCY``)."""

    rates: ExchangeRates
    profiles: ProfileStore | None
    default: str

    def preferences(self, email: str) -> Preferences:
        return preferences(self.profiles.profile(email) if self.profiles else None, self.default)

    def converted(self, invoice: Invoice, home: str, *, again: bool = False) -> Invoice:
        """The invoice with its total in ``home`` (``extraction.conversion``), at the rate of
        its printed date, else of the day it was received; no conversion when it has no
        total or currency, or when the ECB publishes no rate for that currency then. A
        conversion to ``home`` already kept is reused unless ``again`` (its total, currency
        or date were just corrected)."""
        extraction = invoice.extraction
        if extraction is None:
            return invoice
        current = extraction.conversion
        if not again and _still_good(current, home, extraction.date):
            return invoice
        conversion = None
        if extraction.total is not None and extraction.currency:
            on = extraction.date or invoice.received_at.date()
            rate = self.rates.rate(extraction.currency, home, on)
            conversion = convert(extraction.total, rate, home) if rate else None
        if conversion == current:
            return invoice
        return invoice.with_changes(extraction=replace(extraction, conversion=conversion))

    def all_converted(self, invoices: Iterable[Invoice], home: str) -> tuple[Invoice, ...]:
        return tuple(self.converted(invoice, home) for invoice in invoices)


# A kept conversion whose rate is older than this before the invoice's date was made with
# rates not yet refreshed (offline): it is looked up again, in case the rates are newer now.
STALE_RATE = dt.timedelta(days=4)


def _still_good(conversion: Conversion | None, home: str, on: dt.date | None) -> bool:
    if conversion is None or conversion.currency != home:
        return False
    return on is None or on - conversion.rate_date <= STALE_RATE


# Rates older than this are fetched anew where a process starts (a Lambda container).
RATES_MAX_AGE = dt.timedelta(days=3)


def refresh_if_stale(rates: ExchangeRates, url: str, today: dt.date) -> bool:
    """Fetch the ECB's rates when the newest in use is older than ``RATES_MAX_AGE`` (e.g.
    the history shipped with the package, months old); False when not needed or not done."""
    if not url:
        return False
    last = rates.last_date
    if last is not None and today - last <= RATES_MAX_AGE:
        return False
    return rates.refresh(url)
