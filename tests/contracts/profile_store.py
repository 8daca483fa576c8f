"""What every ``ProfileStore`` must do. Each adapter's test module subclasses the contract with
a ``store`` fixture: the fake and SQLite in tests/integration, DynamoDB in tests/aws."""

from __future__ import annotations

import threading

from billify.domain.profiles import Profile
from billify.ports import ProfileStore

ANA, BO = "ana@example.com", "bo@example.com"


class ProfileStoreContract:
    def test_a_user_has_no_profile_until_one_is_saved(self, store: ProfileStore) -> None:
        assert store.profile(ANA) is None
        store.save_profile(ANA, Profile(home_currency="MYR", locale="de"))
        assert store.profile(ANA) == Profile(home_currency="MYR", locale="de")
        assert store.profile(BO) is None

    def test_saving_replaces_the_whole_profile(self, store: ProfileStore) -> None:
        store.save_profile(ANA, Profile(home_currency="MYR", locale="de"))
        store.save_profile(ANA, Profile(locale="fr"))
        assert store.profile(ANA) == Profile(home_currency=None, locale="fr")
        store.save_profile(ANA, Profile())
        assert store.profile(ANA) == Profile()  # chosen nothing, but known

    def test_profiles_belong_to_their_own_user(self, store: ProfileStore) -> None:
        store.save_profile(ANA, Profile(home_currency="USD"))
        store.save_profile(BO, Profile(locale="fr"))
        assert store.profile(ANA) == Profile(home_currency="USD")
        assert store.profile(BO) == Profile(locale="fr")

    def test_unless_set_stores_only_a_first_profile(self, store: ProfileStore) -> None:
        assert store.profile_unless_set(ANA, Profile(locale="de")) == Profile(locale="de")
        assert store.profile(ANA) == Profile(locale="de")
        assert store.profile_unless_set(ANA, Profile(locale="fr")) == Profile(locale="de")
        store.save_profile(BO, Profile(home_currency="GBP"))
        assert store.profile_unless_set(BO, Profile(locale="fr")) == Profile(home_currency="GBP")
        assert store.profile(BO) == Profile(home_currency="GBP")

    def test_of_two_first_writers_at_once_one_wins(self, store: ProfileStore) -> None:
        results: list[Profile] = []
        locales = ["en", "de", "fr", "de", "fr", "en"]
        threads = [
            threading.Thread(
                target=lambda locale=locale: results.append(
                    store.profile_unless_set(ANA, Profile(locale=locale))
                )
            )
            for locale in locales
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == len(locales)
        assert len(set(results)) == 1
        assert store.profile(ANA) == results[0]
