"""The ExchangeRates contract over the fake (``EcbRates``: tests/integration/test_ecb_rates.py)."""

from __future__ import annotations

import pytest

from billify.ports import ExchangeRates
from tests.contracts.exchange_rates import PUBLISHED, ExchangeRatesContract
from tests.fake_rates import FakeRates


class TestFakeRates(ExchangeRatesContract):
    @pytest.fixture
    def rates(self) -> ExchangeRates:
        return FakeRates(PUBLISHED)
