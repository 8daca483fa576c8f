"""Forwarding addresses and the log of mail received in DynamoDB (moto over HTTP): the
InboxStore contract as the SQLite store keeps it, and the items as dynamo_inbox.py says.

The contract races six callers making one user's first token. DynamoDB serialises the
transactions on an item (one commits, the others are cancelled); moto's server does not: it
runs each request in its own thread without a lock, and a cancelled transaction puts back a
copy of the whole table taken before it began, which can undo what another thread committed
meanwhile (not seen in 40 runs here, but possible). For that race moto's DynamoDB writes are
made one at a time, as DynamoDB's are per item (``serialised``): the test then checks our side
of it (the losers read the winner's token), not the emulator."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from billify.adapters.aws.dynamo_inbox import DynamoInboxStore, TokenTaken
from billify.ports import InboxStore
from tests.aws.conftest import Stack
from tests.contracts.inbox_store import InboxStoreContract

T0 = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


class TestDynamoInboxStore(InboxStoreContract):
    """The contract every InboxStore keeps (tests/contracts), on DynamoDB."""

    @pytest.fixture
    def store(self, stack: Stack, serialised: None) -> InboxStore:
        return DynamoInboxStore(stack.table)


def test_a_first_token_is_one_transaction_of_two_conditional_puts(
    stack: Stack, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    store = DynamoInboxStore(stack.table)
    assert store.ensure_inbound_token("ana@example.com", "tok1", T0) == "tok1"
    ((operation, params),) = requests
    assert operation == "TransactWriteItems"
    puts = [write["Put"] for write in params["TransactItems"]]
    assert [p["Item"]["id"]["S"] for p in puts] == [
        "inbound-user#ana@example.com",
        "inbound-token#tok1",
    ]
    assert all(p["ConditionExpression"] == "attribute_not_exists(#id)" for p in puts)

    assert stack.raw_item("inbound-user#ana@example.com") == {
        "id": "inbound-user#ana@example.com",
        "kind": "inbound-user",
        "token": "tok1",
        "updated_at": T0.isoformat(timespec="microseconds"),
    }
    token = stack.raw_item("inbound-token#tok1")
    assert (token["kind"], token["email"]) == ("inbound-token", "ana@example.com")
    assert "replaced_at" not in token and "expiration" not in token  # tokens never expire
    # Not in any index: no received_key or month_users_key.
    assert not {"received_key", "month_users_key"} & set(token)

    # The second caller's transaction is cancelled; it reads the first one's token.
    requests.clear()
    assert store.ensure_inbound_token("ana@example.com", "tok2", T0) == "tok1"
    assert [operation for operation, _ in requests] == ["TransactWriteItems", "GetItem"]
    with pytest.raises(KeyError):
        stack.raw_item("inbound-token#tok2")  # nothing of the loser's is left


def test_replacing_is_one_transaction_and_a_replaced_token_is_never_reissued(
    stack: Stack, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    store = DynamoInboxStore(stack.table)
    store.ensure_inbound_token("ana@example.com", "tok1", T0)
    requests.clear()
    store.replace_inbound_token("ana@example.com", "tok2", T0 + DAY)
    assert [operation for operation, _ in requests] == ["GetItem", "TransactWriteItems"]
    writes = requests[1][1]["TransactItems"]
    assert [next(iter(w)) for w in writes] == ["Put", "Put", "Update"]
    assert writes[1]["Put"]["ConditionExpression"] == "#token = :old"  # still the old one

    old = stack.raw_item("inbound-token#tok1")
    assert old["replaced_at"] == (T0 + DAY).isoformat(timespec="microseconds")
    assert old["email"] == "ana@example.com"  # kept: the token stays taken
    assert stack.raw_item("inbound-user#ana@example.com")["token"] == "tok2"

    # A token once given out is never given to anyone again, replaced or not.
    with pytest.raises(TokenTaken):
        store.ensure_inbound_token("bo@example.com", "tok1", T0)
    with pytest.raises(TokenTaken):
        store.replace_inbound_token("ana@example.com", "tok1", T0 + 2 * DAY)
    assert store.inbound_token("bo@example.com") is None
    assert store.token_owner("tok1") is None
    assert store.token_owner("tok2") == "ana@example.com"

    # Replacing a token the user never had makes their first one.
    store.replace_inbound_token("cy@example.com", "tok3", T0)
    assert store.inbound_token("cy@example.com") == "tok3"


def test_a_stale_replace_reads_again_and_retries(
    stack: Stack, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    """Another instance replaced the token between this one's read and its transaction: the
    condition on the user item cancels it; it reads the new token and replaces that one."""
    store = DynamoInboxStore(stack.table, backoff=0)
    other = DynamoInboxStore(stack.table)
    store.ensure_inbound_token("ana@example.com", "tok1", T0)
    original = store.inbound_token
    raced = []

    def read_then_race(email: str) -> str | None:
        token = original(email)
        if not raced:
            raced.append(token)
            other.replace_inbound_token(email, "tok2", T0)
        return token

    store.inbound_token = read_then_race  # type: ignore[method-assign]
    store.replace_inbound_token("ana@example.com", "tok3", T0 + DAY)
    assert original("ana@example.com") == "tok3"
    assert {t: store.token_owner(t) for t in ("tok1", "tok2", "tok3")} == {
        "tok1": None,
        "tok2": None,
        "tok3": "ana@example.com",
    }
    assert stack.raw_item("inbound-token#tok2")["replaced_at"]


def test_mail_items_carry_the_ttl_and_expire_before_ttl_deletes_them(stack: Stack) -> None:
    store = DynamoInboxStore(stack.table)
    store.record_mail("mail:abc", T0, 90 * DAY)
    item = stack.raw_item("inbound-mail#mail:abc")
    assert item["kind"] == "inbound-mail"
    assert item["expiration"] == math.ceil((T0 + 90 * DAY).timestamp())
    assert item["received_at"] == T0.isoformat(timespec="microseconds")
    # DynamoDB deletes by TTL lazily (days later at worst): the read checks the expiry itself.
    assert store.mail_received("mail:abc", T0 + 90 * DAY - dt.timedelta(seconds=1))
    assert not store.mail_received("mail:abc", T0 + 90 * DAY)

    # Recorded again (a retry, later): the first time received stays, the expiry moves on.
    store.record_mail("mail:abc", T0 + DAY, 90 * DAY)
    item = stack.raw_item("inbound-mail#mail:abc")
    assert item["received_at"] == T0.isoformat(timespec="microseconds")
    assert item["expiration"] == math.ceil((T0 + 91 * DAY).timestamp())
