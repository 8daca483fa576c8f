"""Use cases of each user's own choices: their home currency and the language of their emails
(and page). Takes the store as an argument; the HTTP app and sign-in call these."""

from __future__ import annotations

from billify.config import Settings
from billify.domain.profiles import (
    InvalidPreference,
    Preferences,
    Profile,
    home_currency_choice,
    locale_choice,
    locale_from_accept_language,
    preferences,
)
from billify.ports import ProfileStore

__all__ = [
    "InvalidPreference",
    "Preferences",
    "change_preferences",
    "effective",
    "preferences_of",
    "remember_browser_locale",
]


def effective(profile: Profile | None, settings: Settings) -> Preferences:
    """The choices in ``profile`` with the server's defaults where there is none."""
    return preferences(profile, settings.home_currency)


def preferences_of(email: str, store: ProfileStore, settings: Settings) -> Preferences:
    return effective(store.profile(email), settings)


def change_preferences(
    email: str,
    store: ProfileStore,
    home_currency: str | None = None,
    locale: str | None = None,
) -> Profile:
    """Store the user's new choices (a choice not given stays as it was) and return them all.
    Raises ``InvalidPreference`` before storing anything if either is not supported."""
    changes: dict[str, str] = {}
    if home_currency is not None:
        changes["home_currency"] = home_currency_choice(home_currency)
    if locale is not None:
        changes["locale"] = locale_choice(locale)
    if not changes:
        return store.profile(email) or Profile()
    return store.update_profile(email, Profile(**changes))


def remember_browser_locale(
    email: str, accept_language: str | None, store: ProfileStore
) -> Profile | None:
    """At sign-in: the browser's language (of those Billify writes) becomes the user's if they
    have no profile yet, so their emails are in it from then on; a choice of theirs is kept.
    The user's profile, or None when they have none and the browser asks for no language
    Billify writes."""
    locale = locale_from_accept_language(accept_language)
    if locale is None:
        return store.profile(email)
    return store.profile_unless_set(email, Profile(locale=locale))
