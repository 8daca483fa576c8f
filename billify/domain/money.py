"""Amounts in the user's home currency: a foreign amount converted at the European Central
Bank's reference rate of the invoice's date (the last one published on or before it).

Pure: the rate comes in (``ExchangeRates`` in ``billify.ports`` looks it up); the conversion
keeps the rate and its date so the record shows how the home amount was reached.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from billify.domain.models import Conversion, Rate

_CENT = Decimal("0.01")


def convert(amount: Decimal, rate: Rate, home: str) -> Conversion:
    """``amount`` at ``rate``, rounded to the cent (half to even, as accountants do)."""
    converted = (amount * rate.value).quantize(_CENT, rounding=ROUND_HALF_EVEN)
    return Conversion(converted, home, rate.value, rate.date)
