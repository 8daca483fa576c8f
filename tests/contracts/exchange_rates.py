"""What every ``ExchangeRates`` must do. Each test module subclasses the contract with a ``rates``
fixture holding at least ``PUBLISHED``: the fake built from it (tests/unit), ``EcbRates`` reading
the recorded ECB file it was copied from (tests/data/ecb, tests/integration).

A day without a publication takes the last one before it, at most a week back; a currency that
publication lacks (never listed, ended like HRK, RUB or BGN) has no rate then."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billify.domain.models import Rate
from billify.ports import ExchangeRates

D = dt.date
# Units per euro, as the ECB published them (tests/data/ecb/eurofxref-hist-sample.csv).
PUBLISHED: dict[dt.date, dict[str, str]] = {
    D(2022, 3, 1): {"USD": "1.1162", "RUB": "117.201"},  # RUB's last
    D(2022, 3, 2): {"USD": "1.1106"},
    D(2022, 12, 30): {"USD": "1.0666", "HRK": "7.5365"},  # HRK's last: Croatia took the euro
    D(2023, 1, 2): {"USD": "1.0683"},
    D(2023, 1, 3): {"USD": "1.0545"},
    D(2025, 12, 19): {"USD": "1.1712", "GBP": "0.876", "MYR": "4.775"},  # a Friday
    D(2025, 12, 22): {"USD": "1.1745", "GBP": "0.8742", "MYR": "4.7896"},
    D(2025, 12, 24): {"USD": "1.1787", "GBP": "0.8729", "MYR": "4.7678"},  # then 25, 26: TARGET
    D(2025, 12, 31): {"USD": "1.175", "GBP": "0.8726", "MYR": "4.7682", "BGN": "1.9558"},
    D(2026, 1, 2): {"USD": "1.1721", "GBP": "0.8719", "MYR": "4.7517"},  # Bulgaria took the euro
    D(2026, 1, 16): {"USD": "1.1617", "GBP": "0.867", "MYR": "4.7136"},  # the recording's last
}
MONDAY = D(2025, 12, 22)


class ExchangeRatesContract:
    def test_each_published_rate_is_the_euro_rate_exactly(self, rates: ExchangeRates) -> None:
        for day, per_euro in PUBLISHED.items():
            for currency, value in per_euro.items():
                rate = rates.rate("EUR", currency, day)
                assert rate == Rate(Decimal(value), day), (currency, day)
                assert rate is not None and str(rate.value) == value  # digit for digit

    def test_a_weekday_takes_its_own_rate(self, rates: ExchangeRates) -> None:
        assert rates.rate("EUR", "USD", MONDAY) == Rate(Decimal("1.1745"), MONDAY)

    def test_a_cross_rate_is_the_ratio_of_the_day_to_eight_digits(
        self, rates: ExchangeRates
    ) -> None:
        assert rates.rate("MYR", "EUR", MONDAY) == Rate(Decimal("0.20878570"), MONDAY)
        assert rates.rate("USD", "GBP", MONDAY) == Rate(Decimal("0.74431673"), MONDAY)
        assert rates.rate("USD", "MYR", MONDAY) == Rate(Decimal("4.0779906"), MONDAY)
        usd_in_gbp = rates.rate("USD", "GBP", MONDAY)
        gbp_in_usd = rates.rate("GBP", "USD", MONDAY)
        assert usd_in_gbp and gbp_in_usd
        assert abs(usd_in_gbp.value * gbp_in_usd.value - 1) < Decimal("1e-7")

    @pytest.mark.parametrize("on", [D(2025, 12, 20), D(2025, 12, 21)])
    def test_a_weekend_takes_fridays_rate(self, rates: ExchangeRates, on: dt.date) -> None:
        friday = D(2025, 12, 19)
        assert rates.rate("EUR", "USD", on) == Rate(Decimal("1.1712"), friday)
        assert rates.rate("MYR", "EUR", on) == Rate(Decimal("0.20942408"), friday)  # 1/4.775

    @pytest.mark.parametrize(
        ("on", "published"),
        [
            (D(2025, 12, 25), D(2025, 12, 24)),
            (D(2025, 12, 26), D(2025, 12, 24)),
            (D(2025, 12, 28), D(2025, 12, 24)),  # Christmas and a weekend: four days back
            (D(2026, 1, 1), D(2025, 12, 31)),
        ],
    )
    def test_a_target_holiday_takes_the_last_rate_before_it(
        self, rates: ExchangeRates, on: dt.date, published: dt.date
    ) -> None:
        rate = rates.rate("USD", "GBP", on)
        assert rate is not None and rate.date == published
        per_euro = PUBLISHED[published]
        assert rate.value == (Decimal(per_euro["GBP"]) / Decimal(per_euro["USD"])).quantize(
            rate.value
        )

    @pytest.mark.parametrize("on", [MONDAY, D(2025, 12, 25), D(1998, 6, 1), D(2040, 1, 1)])
    def test_the_same_currency_is_one_on_any_day(self, rates: ExchangeRates, on: dt.date) -> None:
        assert rates.rate("USD", "USD", on) == Rate(Decimal(1), on)
        assert rates.rate("EUR", "EUR", on) == Rate(Decimal(1), on)
        assert rates.rate("AED", "AED", on) == Rate(Decimal(1), on)

    @pytest.mark.parametrize("currency", ["AED", "SAR", "VND", "XAF"])
    def test_a_currency_the_ecb_never_listed_has_no_rate(
        self, rates: ExchangeRates, currency: str
    ) -> None:
        assert rates.rate(currency, "EUR", MONDAY) is None
        assert rates.rate("EUR", currency, MONDAY) is None
        assert rates.rate(currency, "USD", D(2025, 12, 25)) is None

    def test_an_ended_currency_has_no_rate_after_its_last(self, rates: ExchangeRates) -> None:
        assert rates.rate("HRK", "EUR", D(2022, 12, 30)) == Rate(
            Decimal("0.13268759"), D(2022, 12, 30)
        )
        assert rates.rate("HRK", "EUR", D(2023, 1, 2)) is None
        assert rates.rate("HRK", "USD", D(2023, 1, 3)) is None
        assert rates.rate("EUR", "HRK", D(2025, 12, 22)) is None  # years on: nothing carried
        assert rates.rate("RUB", "EUR", D(2022, 3, 1)) is not None
        assert rates.rate("RUB", "EUR", D(2022, 3, 2)) is None
        assert rates.rate("BGN", "EUR", D(2026, 1, 1)) == Rate(
            Decimal("0.51129972"), D(2025, 12, 31)
        )
        assert rates.rate("BGN", "EUR", D(2026, 1, 2)) is None

    @pytest.mark.parametrize("on", [D(1998, 12, 31), D(1970, 1, 1)])
    def test_before_the_euro_there_is_no_rate(self, rates: ExchangeRates, on: dt.date) -> None:
        assert rates.rate("USD", "EUR", on) is None
        assert rates.rate("EUR", "USD", on) is None

    def test_past_the_last_publication_a_month_at_most(self, rates: ExchangeRates) -> None:
        last = D(2026, 1, 16)
        assert rates.rate("EUR", "USD", D(2026, 2, 16)) == Rate(Decimal("1.1617"), last)
        assert rates.rate("EUR", "USD", D(2026, 2, 17)) is None
