"""Each user's home currency and language: the use cases over the fake store, then ``/me``,
``PUT /me/preferences`` and the sign-in that remembers the browser's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from billify import profiles
from billify.bootstrap import Billify
from billify.config import Settings
from billify.domain.access import hash_key
from billify.domain.action_links import month_link, pack_link
from billify.domain.profiles import (
    SUPPORTED_HOME_CURRENCIES,
    InvalidPreference,
    Preferences,
    Profile,
)
from billify.entrypoints.http import create_app
from tests.fakes import FakeMailer, FakeProfileStore, fake_app
from tests.sessions import link_in, sign_in

ANA, BO = "ana@example.com", "bo@example.com"
PAGE_ORIGIN = "http://testserver"


def make_app(tmp_path: Path, **settings: object) -> Billify:
    return fake_app(Settings(data_dir=tmp_path, **settings))  # type: ignore[arg-type]


@pytest.fixture
def app(tmp_path: Path) -> Billify:
    return make_app(tmp_path)


def store(app: Billify) -> FakeProfileStore:
    assert isinstance(app.profiles, FakeProfileStore)
    return app.profiles


def sent(app: Billify) -> FakeMailer:
    assert isinstance(app.mailer, FakeMailer)
    return app.mailer


def signed_in(app: Billify, email: str = ANA, accept_language: str | None = None) -> TestClient:
    """A browser signed in by its emailed link, sending ``accept_language`` when opening it."""
    client = TestClient(create_app(app))
    if accept_language is None:
        sign_in(client, sent(app).sent, email)
        return client
    assert client.post("/auth/sign-in", json={"email": email}).status_code == 202
    headers = {"accept-language": accept_language}
    opened = client.get(link_in(sent(app).sent[-1]), headers=headers, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    client.headers["origin"] = PAGE_ORIGIN
    return client


# -- the use cases ------------------------------------------------------------------------------


def test_without_a_choice_the_server_defaults_apply(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, home_currency="GBP")
    fakes = FakeProfileStore()
    assert profiles.preferences_of(ANA, fakes, settings) == Preferences("GBP", "en")
    fakes.update_profile(ANA, Profile(locale="fr"))
    assert profiles.preferences_of(ANA, fakes, settings) == Preferences("GBP", "fr")
    fakes.update_profile(BO, Profile(home_currency="MYR"))
    assert profiles.preferences_of(BO, fakes, settings) == Preferences("MYR", "en")


def test_a_change_keeps_the_choice_not_given_and_normalises_codes() -> None:
    fakes = FakeProfileStore()
    assert profiles.change_preferences(ANA, fakes, home_currency="myr") == Profile("MYR", None)
    assert profiles.change_preferences(ANA, fakes, locale="DE") == Profile("MYR", "de")
    assert profiles.change_preferences(ANA, fakes) == Profile("MYR", "de")  # nothing asked
    assert fakes.profile(ANA) == Profile("MYR", "de")
    assert fakes.profile(BO) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"home_currency": "XYZ"}, "home_currency"),  # no such currency
        ({"home_currency": "RUB"}, "home_currency"),  # no ECB rate today
        ({"home_currency": ""}, "home_currency"),
        ({"locale": "es"}, "locale"),
        ({"home_currency": "USD", "locale": "pt"}, "locale"),
    ],
)
def test_an_unsupported_choice_is_refused_and_nothing_is_stored(
    change: dict[str, str], field: str
) -> None:
    fakes = FakeProfileStore()
    fakes.update_profile(ANA, Profile("GBP", "fr"))
    with pytest.raises(InvalidPreference) as refused:
        profiles.change_preferences(ANA, fakes, **change)
    assert refused.value.field == field
    assert fakes.profile(ANA) == Profile("GBP", "fr")


def test_every_supported_currency_is_an_iso_code_once_and_the_euro_first() -> None:
    assert SUPPORTED_HOME_CURRENCIES[0] == "EUR"
    assert len(set(SUPPORTED_HOME_CURRENCIES)) == len(SUPPORTED_HOME_CURRENCIES) == 30
    assert all(len(code) == 3 and code.isupper() for code in SUPPORTED_HOME_CURRENCIES)
    assert {"USD", "GBP", "MYR", "JPY", "CHF"} <= set(SUPPORTED_HOME_CURRENCIES)


def test_the_browser_language_is_remembered_only_when_none_is_set() -> None:
    fakes = FakeProfileStore()
    assert profiles.remember_browser_locale(ANA, "es-ES,es;q=0.9", fakes) is None
    assert fakes.profile(ANA) is None  # no language Billify writes: nothing stored
    assert profiles.remember_browser_locale(ANA, "de-CH,de;q=0.9,en;q=0.8", fakes) == Profile(
        locale="de"
    )
    assert profiles.remember_browser_locale(ANA, "fr", fakes) == Profile(locale="de")
    assert fakes.profile(ANA) == Profile(locale="de")


# -- over HTTP ----------------------------------------------------------------------------------


def test_signing_in_keeps_the_browser_language_unless_one_was_chosen(app: Billify) -> None:
    first = signed_in(app, ANA, accept_language="fr-FR,fr;q=0.9,en;q=0.5")
    assert store(app).profile(ANA) == Profile(locale="fr")
    assert first.get("/me").json()["locale"] == "fr"
    # Later, from a German browser: her first language stays.
    second = signed_in(app, ANA, accept_language="de")
    assert second.get("/me").json()["locale"] == "fr"
    # Bo chose English himself before; a French browser changes nothing.
    store(app).update_profile(BO, Profile(locale="en"))
    assert signed_in(app, BO, accept_language="fr").get("/me").json()["locale"] == "en"


def test_me_shows_the_choices_in_effect_and_what_may_be_chosen(tmp_path: Path) -> None:
    app = make_app(tmp_path, home_currency="USD")
    client = signed_in(app)
    me = client.get("/me").json()
    assert (me["home_currency"], me["locale"]) == ("USD", "en")  # the server's defaults
    assert me["home_currencies"] == list(SUPPORTED_HOME_CURRENCIES)
    assert me["locales"] == ["en", "de", "fr"]
    store(app).update_profile(ANA, Profile(home_currency="MYR", locale="de"))
    me = client.get("/me").json()
    assert (me["home_currency"], me["locale"]) == ("MYR", "de")


def test_preferences_are_saved_and_answered(app: Billify) -> None:
    client = signed_in(app)
    answer = client.put("/me/preferences", json={"home_currency": "myr", "locale": "de"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"home_currency": "MYR", "locale": "de"}
    assert store(app).profile(ANA) == Profile("MYR", "de")
    answer = client.put("/me/preferences", json={"locale": "fr"})
    assert answer.json() == {"home_currency": "MYR", "locale": "fr"}
    me = client.get("/me").json()
    assert (me["home_currency"], me["locale"]) == ("MYR", "fr")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"home_currency": "XYZ"}, 400, "home_currency"),
        ({"locale": "klingon"}, 400, "locale"),
        ({"home_currency": 12}, 422, None),
        ({"locale": "x" * 40}, 422, None),
    ],
)
def test_bad_preferences_are_refused_with_the_api_error_body(
    app: Billify, body: dict[str, object], status: int, field: str | None
) -> None:
    client = signed_in(app)
    answer = client.put("/me/preferences", json=body)
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error["error"] in {"invalid_preference", "invalid_request"} and error["detail"]
    assert error.get("field") == field
    assert store(app).profile(ANA) is None


def test_only_a_full_session_may_change_preferences(tmp_path: Path) -> None:
    app = make_app(tmp_path, api_keys=f"script:{hash_key('s3cret')}")
    change = {"locale": "de"}
    assert TestClient(create_app(app)).put("/me/preferences", json=change).status_code == 401

    script = TestClient(create_app(app), headers={"x-api-key": "s3cret"})
    refused = script.put("/me/preferences", json=change)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"

    link = month_link(app.links, app.settings.public_url, ANA, "2026-11", app.clock.now())
    scoped = TestClient(create_app(app), headers={"origin": PAGE_ORIGIN})
    assert scoped.get(link.split("8000", 1)[1], follow_redirects=False).status_code == 303
    assert scoped.get("/me").json()["scope"] == "month:2026-11"
    refused = scoped.put("/me/preferences", json=change)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"

    cross_site = signed_in(app)
    del cross_site.headers["origin"]
    refused = cross_site.put("/me/preferences", json=change)
    assert refused.status_code == 403 and refused.json()["error"] == "cross_site"
    assert store(app).profile(ANA) is None


def test_the_report_pack_link_opens_the_month_and_asks_for_its_download(app: Billify) -> None:
    link = pack_link(app.links, app.settings.public_url, ANA, "2026-11", app.clock.now())
    assert "do=export" in link
    opened = TestClient(create_app(app)).get(link.split("8000", 1)[1], follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == "../#month=2026-11&do=export"
    view = month_link(app.links, app.settings.public_url, ANA, "2026-11", app.clock.now())
    opened = TestClient(create_app(app)).get(view.split("8000", 1)[1], follow_redirects=False)
    assert opened.headers["location"] == "../#month=2026-11"  # the report's month link
