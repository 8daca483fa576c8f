"""Exchange rates from the ECB's euro reference rates: which publication day an invoice's date
takes, and the cross rate between two currencies on it. Pure: the adapter (and the tests' fake)
hand in the table, already read."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping
from decimal import Context, Decimal

from billify.domain.models import Rate

EURO = "EUR"
# A weekend, or Christmas to the first working day of January, is at most 5 days without a
# publication. Offline, the history ends with the package's release: a month's invoices past
# its end still get its last rate (shown with its date, and looked up again once refreshed:
# billify.home_currency), a date further past has none. An ended currency is never carried
# on: the publication day must list it.
LOOKBACK = dt.timedelta(days=31)
# A cross rate is a division: to as many digits as any amount needs (the ECB publishes 5-7).
CROSS_DIGITS = 8
_CROSS = Context(prec=CROSS_DIGITS)
_ONE = Decimal(1)

PerEuro = Mapping[str, Decimal]


class RateTable:
    """The ECB's publications: on each day, how many units of each currency one euro was worth."""

    def __init__(self, per_euro_by_day: Mapping[dt.date, PerEuro]) -> None:
        """Raises ValueError for a rate that is not a positive number: a lookup never fails."""
        self._by_day = dict(per_euro_by_day)
        self._days = sorted(self._by_day)
        for day, rates in self._by_day.items():
            if not all(rate.is_finite() and rate > 0 for rate in rates.values()):
                raise ValueError(f"a rate on {day} is not a positive number")

    @property
    def last_date(self) -> dt.date | None:
        return self._days[-1] if self._days else None

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(code for rates in self._by_day.values() for code in rates)

    def rate(self, currency: str, home: str, on: dt.date) -> Rate | None:
        """The port's ``ExchangeRates.rate``: from the last publication up to ``on``, within
        ``LOOKBACK``; None unless it has both currencies (a currency it no longer lists has
        ended: an older rate of it is not carried on)."""
        if currency == home:
            return Rate(_ONE, on)
        day = self._publication_day(on)
        if day is None:
            return None
        rates = self._by_day[day]
        of_currency, of_home = _per_euro(rates, currency), _per_euro(rates, home)
        if of_currency is None or of_home is None:
            return None
        return Rate(_cross(currency, of_currency, of_home), day)

    def _publication_day(self, on: dt.date) -> dt.date | None:
        """The last day up to ``on`` with rates, if at most ``LOOKBACK`` before it."""
        index = bisect_right(self._days, on)
        if index == 0 or on - self._days[index - 1] > LOOKBACK:
            return None
        return self._days[index - 1]


def _per_euro(rates: PerEuro, currency: str) -> Decimal | None:
    return _ONE if currency == EURO else rates.get(currency)


def _cross(currency: str, of_currency: Decimal, of_home: Decimal) -> Decimal:
    if currency == EURO:
        return of_home  # the ECB's own figure, exactly as published
    return _CROSS.divide(of_home, of_currency)
