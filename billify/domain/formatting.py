"""Money, dates, percentages and exchange rates as the user's locale writes them (CLDR data,
through Babel).

A monthly report formats a few hundred amounts, and ``babel.numbers.format_currency`` costs
about 50 µs a call (it looks the locale and currency up each time). So each (locale, currency)
pair's pattern is read from Babel once, and amounts are laid into it with ``str.format``: exact
for patterns that group by three, as en, de and fr do (any other falls back to Babel). Dates,
rates and percentages repeat within a month, so their Babel results are cached as they are.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)

UNKNOWN_CURRENCY = "???"
NBSP = "\xa0"
# Significant digits of a rate: 1 MYR = 0.2034 EUR, 1 JPY = 0.006134 EUR, 1 GBP = 1.1523 EUR.
_RATE_FORMAT = "@#####"


@dataclass(frozen=True)
class _MoneyPattern:
    """One locale's way of writing one currency: text around the number, per sign."""

    positive: tuple[str, str]
    negative: tuple[str, str]
    digits: dict[int, str]  # str.translate table: "," and "." to the locale's symbols
    places: int


def money(amount: Decimal, currency: str | None, locale: str) -> str:
    """``€1,234.50`` (en), ``1.234,50 €`` (de), ``1 234,50 €`` (fr), rounded to the
    currency's digits (half to even) as Babel does."""
    code = currency or UNKNOWN_CURRENCY
    pattern = _money_pattern(code, locale)
    if pattern is None:
        return format_currency(amount, code, locale=locale)
    number = f"{abs(amount):,.{pattern.places}f}".translate(pattern.digits)
    prefix, suffix = pattern.negative if amount < 0 else pattern.positive
    return f"{prefix}{number}{suffix}"


@lru_cache(maxsize=512)
def _money_pattern(currency: str, locale: str) -> _MoneyPattern | None:
    parsed = Locale.parse(locale)
    pattern = parsed.currency_formats["standard"]
    if pattern.grouping != (3, 3):
        return None
    symbol = get_currency_symbol(currency, parsed)
    minus = get_minus_sign_symbol(parsed)
    prefixes = [_with_symbol(p, symbol, minus, before_number=True) for p in pattern.prefix]
    suffixes = [_with_symbol(s, symbol, minus, before_number=False) for s in pattern.suffix]
    digits = str.maketrans({",": get_group_symbol(parsed), ".": get_decimal_symbol(parsed)})
    return _MoneyPattern(
        positive=(prefixes[0], suffixes[0]),
        negative=(prefixes[1], suffixes[1]),
        digits=digits,
        places=get_currency_precision(currency),
    )


def _with_symbol(affix: str, symbol: str, minus: str, *, before_number: bool) -> str:
    """The pattern's affix with the currency symbol and minus sign put in. CLDR's currency
    spacing (which Babel does not apply): a symbol ending in a letter, ``MYR``, gets a
    no-break space between it and the digits."""
    text = affix.replace("¤", symbol).replace("-", minus)
    if "¤" not in affix or not text:
        return text
    edge = text[-1] if before_number else text[0]
    if unicodedata.category(edge).startswith(("S", "Z")) or edge.isspace():
        return text
    return text + NBSP if before_number else NBSP + text


@lru_cache(maxsize=1024)
def date(day: dt.date, locale: str) -> str:
    """``Nov 3, 2026`` / ``03.11.2026`` / ``3 nov. 2026``."""
    return format_date(day, "medium", locale=locale)


@lru_cache(maxsize=256)
def month_name(year: int, month: int, locale: str) -> str:
    """``November 2026`` / ``November 2026`` / ``novembre 2026``."""
    return format_date(dt.date(year, month, 1), "LLLL yyyy", locale=locale)


@lru_cache(maxsize=1024)
def percent(points: int, locale: str, *, signed: bool = False) -> str:
    """``12%`` / ``12 %``; ``signed``: ``+12 %`` (a change). ``points`` are whole percent."""
    text = format_percent(Decimal(points) / 100, locale=locale)
    return f"+{text}" if signed and points > 0 else text


@lru_cache(maxsize=1024)
def rate(currency: str, value: Decimal, published: dt.date, home: str, locale: str) -> str:
    """``1 MYR = 0.2034 EUR (Oct 30, 2026)``: how a home amount was reached."""
    number = format_decimal(value, format=_RATE_FORMAT, locale=locale)
    return f"1 {currency} = {number} {home} ({date(published, locale)})"


@lru_cache(maxsize=256)
def plain_number(value: Decimal, locale: str) -> str:
    """``1,234.50`` / ``1.234,50``: an amount whose currency is said elsewhere (a chart)."""
    return format_decimal(value, format="#,##0.00", locale=locale)
