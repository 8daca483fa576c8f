"""What every ``AccessStore`` must do. Each adapter's test module subclasses the contract with a
``store`` fixture: the fake and SQLite in tests/integration, DynamoDB in tests/aws."""

from __future__ import annotations

import datetime as dt
import threading

from billify.domain.auth import Scope, Session, SignInLink
from billify.ports import AccessStore

NOW = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def link(token_hash: str = "a" * 64, minutes: int = 15) -> SignInLink:
    return SignInLink(token_hash, "ana@example.com", NOW, NOW + minutes * MINUTE, name="Ana")


def session(token_hash: str = "b" * 64, scope: Scope | None = None) -> Session:
    return Session(token_hash, "ana@example.com", NOW, NOW + 60 * MINUTE, "Ana", scope)


class AccessStoreContract:
    def test_a_sign_in_link_is_taken_once(self, store: AccessStore) -> None:
        store.add_sign_in_link(link())
        taken = store.use_sign_in_link("a" * 64, NOW + MINUTE)
        assert taken == link()
        assert store.use_sign_in_link("a" * 64, NOW + MINUTE) is None
        assert store.use_sign_in_link("c" * 64, NOW) is None

    def test_an_expired_link_is_not_taken(self, store: AccessStore) -> None:
        store.add_sign_in_link(link(minutes=15))
        assert store.use_sign_in_link("a" * 64, NOW + 15 * MINUTE) is None

    def test_a_link_taken_by_many_at_once_goes_to_one(self, store: AccessStore) -> None:
        store.add_sign_in_link(link())
        results: list[SignInLink | None] = []
        threads = [
            threading.Thread(target=lambda: results.append(store.use_sign_in_link("a" * 64, NOW)))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(r is not None for r in results) == 1

    def test_sessions_live_until_they_expire_or_end(self, store: AccessStore) -> None:
        store.add_session(session())
        store.add_session(session("d" * 64, Scope(invoice_id="inv1")))
        assert store.session("b" * 64, NOW + MINUTE) == session()
        assert store.session("d" * 64, NOW) == session("d" * 64, Scope(invoice_id="inv1"))
        assert store.session("b" * 64, NOW + 60 * MINUTE) is None
        store.end_session("d" * 64)
        assert store.session("d" * 64, NOW) is None
        store.end_session("never-was")  # harmless

    def test_attempts_count_per_key_and_window(self, store: AccessStore) -> None:
        hour = dt.timedelta(hours=1)
        counts = [store.count_attempt("address:ana", NOW, hour) for _ in range(3)]
        assert counts == [1, 2, 3]
        assert store.count_attempt("address:bo", NOW, hour) == 1
        assert store.count_attempt("address:ana", NOW + hour, hour) == 1

    def test_attempts_counted_at_once_are_all_counted(self, store: AccessStore) -> None:
        hour = dt.timedelta(hours=1)

        def attempt() -> None:
            store.count_attempt("client:1", NOW, hour)

        threads = [threading.Thread(target=attempt) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.count_attempt("client:1", NOW, hour) == 11
