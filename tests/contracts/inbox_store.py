"""What every ``InboxStore`` must do. Each adapter's test module subclasses the contract with a
``store`` fixture: the fake and SQLite in tests/integration, DynamoDB in tests/aws."""

from __future__ import annotations

import datetime as dt
import threading

from billify.ports import InboxStore

NOW = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


class InboxStoreContract:
    def test_a_user_has_no_token_until_one_is_made(self, store: InboxStore) -> None:
        assert store.inbound_token("ana@example.com") is None
        assert store.ensure_inbound_token("ana@example.com", "tok1", NOW) == "tok1"
        assert store.inbound_token("ana@example.com") == "tok1"
        assert store.token_owner("tok1") == "ana@example.com"
        assert store.token_owner("tok2") is None

    def test_ensuring_again_keeps_the_first_token(self, store: InboxStore) -> None:
        store.ensure_inbound_token("ana@example.com", "tok1", NOW)
        assert store.ensure_inbound_token("ana@example.com", "tok2", NOW) == "tok1"
        assert store.token_owner("tok2") is None

    def test_two_at_once_get_the_same_token(self, store: InboxStore) -> None:
        results: list[str] = []
        threads = [
            threading.Thread(
                target=lambda n=n: results.append(
                    store.ensure_inbound_token("ana@example.com", f"tok{n}", NOW)
                )
            )
            for n in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(results)) == 1
        assert store.inbound_token("ana@example.com") == results[0]

    def test_a_replaced_token_stops_working(self, store: InboxStore) -> None:
        store.ensure_inbound_token("ana@example.com", "tok1", NOW)
        store.replace_inbound_token("ana@example.com", "tok2", NOW + DAY)
        assert store.token_owner("tok1") is None
        assert store.token_owner("tok2") == "ana@example.com"
        assert store.inbound_token("ana@example.com") == "tok2"

    def test_tokens_belong_to_their_own_user(self, store: InboxStore) -> None:
        store.ensure_inbound_token("ana@example.com", "tok1", NOW)
        store.ensure_inbound_token("bo@example.com", "tok2", NOW)
        store.replace_inbound_token("ana@example.com", "tok3", NOW)
        assert store.token_owner("tok2") == "bo@example.com"
        assert store.inbound_token("bo@example.com") == "tok2"

    def test_mail_is_remembered_for_its_time(self, store: InboxStore) -> None:
        assert not store.mail_received("mail:a", NOW)
        store.record_mail("mail:a", NOW, 90 * DAY)
        store.record_mail("mail:a", NOW, 90 * DAY)  # again: harmless
        assert store.mail_received("mail:a", NOW + DAY)
        assert not store.mail_received("mail:b", NOW)
        assert not store.mail_received("mail:a", NOW + 91 * DAY)
