"""``ExchangeRates`` for unit tests: the adapter's own lookup (``billify.domain.rates``) over a
few publications given in the test, so weekends, holidays and ended currencies behave as in
``EcbRates`` (tests/contracts/exchange_rates.py runs the same cases over both)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from billify.domain.models import Rate
from billify.domain.rates import RateTable
from billify.ports import ExchangeRates


class FakeRates:
    """``per_euro_by_day``: the ECB's publications, {day: {currency: units per euro}}, the
    rates as Decimals or as the ECB's strings (``{dt.date(2025, 12, 24): {"USD": "1.1787"}}``).
    ``online`` is what ``refresh`` answers; ``refreshes`` lists the URLs it was called with."""

    def __init__(
        self,
        per_euro_by_day: Mapping[dt.date, Mapping[str, Decimal | str]],
        *,
        online: bool = True,
    ) -> None:
        self._table = RateTable(
            {
                day: {currency: Decimal(rate) for currency, rate in rates.items()}
                for day, rates in per_euro_by_day.items()
            }
        )
        self.online = online
        self.refreshes: list[str] = []

    def rate(self, currency: str, home: str, on: dt.date) -> Rate | None:
        return self._table.rate(currency, home, on)

    @property
    def last_date(self) -> dt.date | None:
        return self._table.last_date

    def refresh(self, url: str, timeout: float = 10) -> bool:
        self.refreshes.append(url)
        return self.online


def _checks() -> None:
    """Never called: mypy checks here that the fake still satisfies its port."""
    _rates: ExchangeRates = FakeRates({})
