"""Sign-in links, sessions and rate-limit counters in DynamoDB (moto over HTTP), and the
repository's ``confirm_address``: the AccessStore contract as the SQLite store keeps it.

What must be atomic across function instances (taking a link, counting an attempt, confirming
an address) is one single DynamoDB write each, atomic in DynamoDB itself: the tests check that
it is one request of that kind, with nothing read first. The shared contract also races
threads on taking a link and on counting; moto's server does not serialise concurrent writes
to one item as DynamoDB does (two ADDs may read the same count under load), so those writes
are made one at a time here (``serialised``): the race then checks our side, that each
attempt is one atomic request, not the emulator."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from billify.adapters.aws.dynamo_access import DynamoAccessStore
from billify.adapters.aws.dynamodb import DynamoInvoiceRepository
from billify.domain.auth import Scope, Session, SignInLink, hash_token
from billify.ports import AccessStore, InvoiceRepository
from tests.aws.conftest import Stack
from tests.contracts.access_store import AccessStoreContract

T0 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


def store(stack: Stack) -> DynamoAccessStore:
    checked: AccessStore = DynamoAccessStore(stack.table)  # the port, type-checked
    assert isinstance(checked, DynamoAccessStore)
    return checked


def link(token: str = "link-token", minutes: int = 15, name: str | None = "Ana") -> SignInLink:
    return SignInLink(
        token_hash=hash_token(token),
        email="ana@example.com",
        name=name,
        created_at=T0,
        expires_at=T0 + dt.timedelta(minutes=minutes),
    )


def test_a_sign_in_link_is_used_once(stack: Stack) -> None:
    access = store(stack)
    pending = link()
    access.add_sign_in_link(pending)
    item = stack.raw_item(f"signin#{pending.token_hash}")
    assert item["kind"] == "sign-in" and item["email"] == "ana@example.com"
    # The table's TTL attribute: epoch seconds of the expiry, so DynamoDB purges it later.
    assert item["expiration"] == math.ceil(pending.expires_at.timestamp())
    assert "token" not in str(item).replace("token_hash", "")  # only the hash is stored

    used = access.use_sign_in_link(pending.token_hash, T0 + dt.timedelta(minutes=1))
    assert used == pending
    assert access.use_sign_in_link(pending.token_hash, T0 + dt.timedelta(minutes=1)) is None
    assert access.use_sign_in_link(hash_token("never-sent"), T0) is None


def test_taking_a_link_is_one_delete_returning_it(
    stack: Stack, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    """Two clicks at once: DynamoDB runs the two deletes one after the other, and only the
    first returns the item, so one session is made."""
    access = store(stack)
    pending = link(name=None)
    access.add_sign_in_link(pending)
    requests.clear()
    assert access.use_sign_in_link(pending.token_hash, T0) == pending
    ((operation, params),) = requests
    assert (operation, params["ReturnValues"]) == ("DeleteItem", "ALL_OLD")
    assert access.use_sign_in_link(pending.token_hash, T0) is None


def test_an_expired_link_is_refused_before_ttl_deletes_it(stack: Stack) -> None:
    access = store(stack)
    pending = link(minutes=15)
    access.add_sign_in_link(pending)
    # DynamoDB deletes by TTL lazily (days later at worst): the read itself checks the expiry.
    assert access.use_sign_in_link(pending.token_hash, pending.expires_at) is None
    # ...and the refused link is gone for good.
    assert access.use_sign_in_link(pending.token_hash, T0) is None


def test_sessions_live_until_they_expire_or_end(stack: Stack) -> None:
    access = store(stack)
    full = Session(
        token_hash=hash_token("cookie-1"),
        email="ana@example.com",
        name="Ana",
        created_at=T0,
        expires_at=T0 + dt.timedelta(days=30),
    )
    scoped = Session(
        token_hash=hash_token("cookie-2"),
        email="ana@example.com",
        created_at=T0,
        expires_at=T0 + dt.timedelta(days=1),
        scope=Scope(invoice_id="abc123"),
    )
    access.add_session(full)
    access.add_session(scoped)
    assert access.session(full.token_hash, T0 + dt.timedelta(days=29)) == full
    assert access.session(scoped.token_hash, T0) == scoped
    assert stack.raw_item(f"session#{scoped.token_hash}")["expiration"] == math.ceil(
        scoped.expires_at.timestamp()
    )
    assert access.session(scoped.token_hash, scoped.expires_at) is None  # expired
    assert access.session(hash_token("unknown"), T0) is None

    access.end_session(full.token_hash)
    assert access.session(full.token_hash, T0) is None
    access.end_session(full.token_hash)  # ending it again is harmless
    # A session id never reads another kind of item (the namespaces are distinct).
    access.add_sign_in_link(link("cookie-3"))
    assert access.session(hash_token("cookie-3"), T0) is None


def test_attempts_are_counted_atomically_per_key_and_window(
    stack: Stack, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    access = store(stack)
    hour = dt.timedelta(hours=1)
    assert [access.count_attempt("address:ana@example.com", T0, hour) for _ in range(3)] == [
        1,
        2,
        3,
    ]
    assert access.count_attempt("address:bob@example.com", T0, hour) == 1
    assert access.count_attempt("address:ana@example.com", T0 + hour, hour) == 1  # next window

    counts = [access.count_attempt("client:203.0.113.7", T0, hour) for _ in range(12)]
    assert counts == list(range(1, 13))
    item = stack.raw_item(f"attempt#{T0.isoformat(timespec='microseconds')}#client:203.0.113.7")
    assert item["count"] == 12 and item["kind"] == "attempt"
    assert item["expiration"] == int((T0 + hour).timestamp())

    # One atomic ADD per attempt, nothing read first: no increment lost between instances.
    requests.clear()
    access.count_attempt("client:198.51.100.1", T0, hour)
    ((operation, params),) = requests
    assert operation == "UpdateItem" and params["UpdateExpression"].startswith("ADD #count :one")
    assert params["ReturnValues"] == "UPDATED_NEW"

    long_key = "address:" + "x" * 1000 + "@example.com"
    assert [access.count_attempt(long_key, T0, hour) for _ in range(2)] == [1, 2]


def test_confirm_address_confirms_once_and_voids_a_pending_link(stack: Stack) -> None:
    checked: InvoiceRepository = DynamoInvoiceRepository(stack.table)
    repo: Any = checked
    assert repo.confirm_address("new@example.com", T0) is True
    assert repo.recipient_confirmed("new@example.com")
    assert repo.confirm_address("new@example.com", T0) is False
    assert repo.request_confirmation("new@example.com", "hash-x", T0) is False  # nothing to ask

    # A confirmation link is pending; the person signs in instead.
    assert repo.request_confirmation("pending@example.com", "hash-1", T0) is True
    assert not repo.recipient_confirmed("pending@example.com")
    assert repo.confirm_address("pending@example.com", T0 + dt.timedelta(hours=1)) is True
    assert repo.recipient_confirmed("pending@example.com")
    item = stack.raw_item("recipient#pending@example.com")
    assert "token_hash" not in item
    assert item["requested_at"] == T0.isoformat(timespec="microseconds")
    # The emailed link no longer confirms anything (its token item is gone too).
    assert repo.confirm_recipient("hash-1", T0 + dt.timedelta(hours=2)) is None
    with pytest.raises(KeyError):
        stack.raw_item("confirm#hash-1")
    assert repo.confirm_address("pending@example.com", T0) is False


def test_confirm_address_is_one_conditional_update(
    stack: Stack, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    """Two sign-ins at once: one conditional write each, so one of them is told "newly
    confirmed" (and releases the held notices)."""
    repo = DynamoInvoiceRepository(stack.table)
    requests.clear()
    assert repo.confirm_address("race@example.com", T0) is True
    ((operation, params),) = requests
    assert operation == "UpdateItem"
    assert params["ConditionExpression"] == "attribute_not_exists(#confirmed)"
    assert repo.confirm_address("race@example.com", T0) is False


class TestDynamoAccessStore(AccessStoreContract):
    """The contract every AccessStore keeps (tests/contracts), on DynamoDB."""

    @pytest.fixture
    def store(self, stack: Stack, serialised: None) -> AccessStore:
        return DynamoAccessStore(stack.table)
