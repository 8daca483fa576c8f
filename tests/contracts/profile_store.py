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
        store.update_profile(ANA, Profile(home_currency="MYR", locale="de"))
        assert store.profile(ANA) == Profile(home_currency="MYR", locale="de")
        assert store.profile(BO) is None

    def test_an_update_makes_its_choices_and_keeps_the_others(self, store: ProfileStore) -> None:
        assert store.update_profile(ANA, Profile(locale="de")) == Profile(locale="de")
        assert store.update_profile(ANA, Profile(home_currency="MYR")) == Profile("MYR", "de")
        assert store.update_profile(ANA, Profile(locale="fr")) == Profile("MYR", "fr")
        assert store.update_profile(ANA, Profile("GBP", "en")) == Profile("GBP", "en")
        assert store.profile(ANA) == Profile("GBP", "en")

    def test_changes_made_at_once_all_stay(self, store: ProfileStore) -> None:
        """The page's two selects sent one after the other, answered out of order: neither
        change is lost (each is one atomic write, no read first)."""
        store.update_profile(ANA, Profile("EUR", "en"))
        changes = [Profile(home_currency="MYR"), Profile(locale="fr")] * 3
        threads = [
            threading.Thread(target=lambda change=change: store.update_profile(ANA, change))
            for change in changes
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.profile(ANA) == Profile("MYR", "fr")

    def test_profiles_belong_to_their_own_user(self, store: ProfileStore) -> None:
        store.update_profile(ANA, Profile(home_currency="USD"))
        store.update_profile(BO, Profile(locale="fr"))
        assert store.profile(ANA) == Profile(home_currency="USD")
        assert store.profile(BO) == Profile(locale="fr")

    def test_unless_set_stores_only_a_first_profile(self, store: ProfileStore) -> None:
        assert store.profile_unless_set(ANA, Profile(locale="de")) == Profile(locale="de")
        assert store.profile(ANA) == Profile(locale="de")
        assert store.profile_unless_set(ANA, Profile(locale="fr")) == Profile(locale="de")
        store.update_profile(BO, Profile(home_currency="GBP"))
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
