"""Each user's home currency and language in the invoice table (single-table design).

One item per user, keyed by ``id`` like every other item of the table (see ``dynamodb.py``):
``profile#<email>`` with ``kind`` = ``profile`` and, where chosen, ``home_currency`` and
``locale`` (an attribute left out is a choice not made). ``update_profile`` sets only the
attributes it is given, in one UpdateItem returning the whole item;
``profile_unless_set`` puts it on the condition that it does not exist, and a failed
condition returns the item already there (``ReturnValuesOnConditionCheckFailure``), so the
first writer wins in one request. No ``email``, ``received_key`` or ``month_users_key``: it
appears in no index. Reads are consistent (a choice just saved applies at once).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from billify.adapters.aws.clients import client, error_code
from billify.adapters.aws.items import from_item, item_key, to_item
from billify.domain.profiles import Profile

KIND = "profile"


class DynamoProfileStore:
    def __init__(self, table: str, dynamodb: Any | None = None) -> None:
        self.table = table
        self._ddb = dynamodb or client("dynamodb")

    def profile(self, email: str) -> Profile | None:
        response = self._ddb.get_item(
            TableName=self.table, Key=item_key(_profile_id(email)), ConsistentRead=True
        )
        return _profile_of(response.get("Item"))

    def update_profile(self, email: str, changes: Profile) -> Profile:
        values = {"kind": KIND, "home_currency": changes.home_currency, "locale": changes.locale}
        chosen = {name: value for name, value in values.items() if value is not None}
        response = self._ddb.update_item(
            TableName=self.table,
            Key=item_key(_profile_id(email)),
            UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in chosen),
            ExpressionAttributeNames={f"#{name}": name for name in chosen},
            ExpressionAttributeValues={f":{name}": {"S": value} for name, value in chosen.items()},
            ReturnValues="ALL_NEW",
        )
        stored = _profile_of(response.get("Attributes"))
        assert stored is not None  # the kind was just set
        return stored

    def profile_unless_set(self, email: str, profile: Profile) -> Profile:
        try:
            self._ddb.put_item(
                TableName=self.table,
                Item=_item(email, profile),
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": "id"},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return profile
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            stored = _profile_of(error.response.get("Item"))
        return stored or self.profile(email) or profile


def _item(email: str, profile: Profile) -> dict[str, Any]:
    return to_item(
        {
            "id": _profile_id(email),
            "kind": KIND,
            "home_currency": profile.home_currency,
            "locale": profile.locale,
        }
    )


def _profile_of(item: dict[str, Any] | None) -> Profile | None:
    values = from_item(item or {})
    if values.get("kind") != KIND:
        return None
    return Profile(home_currency=values.get("home_currency"), locale=values.get("locale"))


def _profile_id(email: str) -> str:
    return f"profile#{email}"
