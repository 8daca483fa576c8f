"""What each user chooses for themselves: their home currency and the language of their emails."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The languages the emails are written in; any other asks for the first.
LOCALES = ("en", "de", "fr")
DEFAULT_LOCALE = LOCALES[0]
_CURRENCY = re.compile(r"[A-Z]{3}")
# What a user may take as their home currency: the euro and the currencies the ECB publishes a
# reference rate for (any other could not be converted to). Not BGN (the euro since 2026),
# HRK (2023) or RUB (suspended since 2022): no rate today.
SUPPORTED_HOME_CURRENCIES = (
    "EUR", "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "GBP", "HKD", "HUF", "IDR",
    "ILS", "INR", "ISK", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON",
    "SEK", "SGD", "THB", "TRY", "USD", "ZAR",
)  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """A user's choices; None where they chose nothing (the server's default applies)."""

    home_currency: str | None = None
    locale: str | None = None

    def currency_or(self, default: str) -> str:
        return self.home_currency or default

    def locale_or(self, default: str = DEFAULT_LOCALE) -> str:
        return self.locale or default


def preferences(profile: Profile | None, default_currency: str) -> Preferences:
    """``profile``'s choices, the server's currency and the default language where it has none."""
    chosen = profile or Profile()
    return Preferences(chosen.currency_or(default_currency), chosen.locale_or(DEFAULT_LOCALE))


@dataclass(frozen=True)
class Preferences:
    """A user's choices with the defaults applied: what their emails and reports use."""

    home_currency: str
    locale: str


class InvalidPreference(ValueError):
    """A choice Billify cannot honour; ``field`` names it (``home_currency``, ``locale``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def home_currency_choice(code: str) -> str:
    """``code`` as stored (``myr`` -> ``MYR``), or ``InvalidPreference``."""
    normal = code.strip().upper()
    if normal not in SUPPORTED_HOME_CURRENCIES:
        supported = ", ".join(SUPPORTED_HOME_CURRENCIES)
        raise InvalidPreference("home_currency", f"{code!r} is not one of {supported}")
    return normal


def locale_choice(locale: str) -> str:
    normal = locale.strip().lower()
    if normal not in LOCALES:
        raise InvalidPreference("locale", f"{locale!r} is not one of {', '.join(LOCALES)}")
    return normal


def valid_currency(code: str) -> bool:
    return bool(_CURRENCY.fullmatch(code))


def locale_from_accept_language(header: str | None) -> str | None:
    """The first of ``LOCALES`` the browser asks for (``de-CH,de;q=0.9,en;q=0.8`` -> ``de``),
    by the header's q-values; None if it asks for none of them."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        if language not in LOCALES:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and (best is None or (q, -position) > (best[0], best[1])):
            best = (q, -position, language)
    return best[2] if best else None
