"""Each user's profile in DynamoDB (moto over HTTP): the ProfileStore contract as the SQLite
store keeps it, and the item as dynamo_profiles.py says. The race of first writers runs with
moto's writes one at a time (``serialised``), as DynamoDB's conditional writes are per item:
see test_dynamo_inbox.py for why."""

from __future__ import annotations

from typing import Any

import pytest

from billify.adapters.aws.dynamo_profiles import DynamoProfileStore
from billify.domain.profiles import Profile
from billify.ports import ProfileStore
from tests.aws.conftest import Stack
from tests.contracts.profile_store import ProfileStoreContract

ANA, BO = "ana@example.com", "bo@example.com"


class TestDynamoProfileStore(ProfileStoreContract):
    """The contract every ProfileStore keeps (tests/contracts), on DynamoDB."""

    @pytest.fixture
    def store(self, stack: Stack, serialised: None) -> ProfileStore:
        return DynamoProfileStore(stack.table)


def test_a_profile_is_one_item_per_user_in_no_index(stack: Stack) -> None:
    store = DynamoProfileStore(stack.table)
    store.update_profile(ANA, Profile(home_currency="MYR", locale="de"))
    assert stack.raw_item(f"profile#{ANA}") == {
        "id": f"profile#{ANA}",
        "kind": "profile",
        "home_currency": "MYR",
        "locale": "de",
    }
    # A change sets only what it chooses: the currency stays.
    store.update_profile(ANA, Profile(locale="fr"))
    assert stack.raw_item(f"profile#{ANA}") == {
        "id": f"profile#{ANA}",
        "kind": "profile",
        "home_currency": "MYR",
        "locale": "fr",
    }
    # A choice not made is an attribute left out (DynamoDB has no use for a null here).
    store.update_profile(BO, Profile(locale="de"))
    assert stack.raw_item(f"profile#{BO}") == {
        "id": f"profile#{BO}",
        "kind": "profile",
        "locale": "de",
    }


def test_a_change_is_one_update_with_nothing_read_first(
    stack: Stack, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    store = DynamoProfileStore(stack.table)
    assert store.update_profile(ANA, Profile(home_currency="USD")) == Profile("USD", None)
    ((operation, params),) = requests
    assert (operation, params["ReturnValues"]) == ("UpdateItem", "ALL_NEW")
    assert "locale" not in str(params["ExpressionAttributeNames"])  # not chosen: not touched


def test_the_first_writer_wins_in_one_conditional_put(
    stack: Stack, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    store = DynamoProfileStore(stack.table)
    assert store.profile_unless_set(ANA, Profile(locale="de")) == Profile(locale="de")
    ((operation, params),) = requests
    assert operation == "PutItem"
    assert params["ConditionExpression"] == "attribute_not_exists(#id)"

    # The second one's condition fails; the item already there comes back with the refusal.
    requests.clear()
    assert store.profile_unless_set(ANA, Profile(locale="fr")) == Profile(locale="de")
    assert [operation for operation, _ in requests] == ["PutItem"]
    assert stack.raw_item(f"profile#{ANA}")["locale"] == "de"


def test_another_kind_of_item_is_no_profile(stack: Stack) -> None:
    stack.client("dynamodb").put_item(
        TableName=stack.table, Item={"id": {"S": f"profile#{ANA}"}, "kind": {"S": "other"}}
    )
    assert DynamoProfileStore(stack.table).profile(ANA) is None
