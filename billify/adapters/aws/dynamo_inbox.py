"""Forwarding addresses and the log of mail received in the invoice table (single-table design).

Items, keyed by ``id`` like every other item of the table (see ``dynamodb.py``):

- token ``inbound-token#<token>``: ``email`` (its user), ``created_at``, and ``replaced_at``
  once the user took a new address. Never deleted, so a token is never given out again (a new
  one is written only where none exists).
- user ``inbound-user#<email>``: ``token``, the user's live token, and ``updated_at``. A
  token is live when its item has no ``replaced_at``; the two items change together, in one
  transaction each time:
  - ``ensure_inbound_token``: both put, each on the condition that it does not exist yet. Of
    two callers at once, DynamoDB commits one transaction and cancels the other (the user
    item exists by then, or the two conflict), whose caller then reads the winner's token;
  - ``replace_inbound_token``: the user item moved to the new token on the condition that it
    still names the old one, the new token item put (not existing), the old one marked
    ``replaced_at``. A concurrent change cancels it; it reads again and retries.
- mail received ``inbound-mail#<key>`` (the key names the message and its user:
  ``InboundMail.key``): ``received_at``, ``expires_at`` (ISO UTC) and ``expiration`` (epoch
  seconds), the table's TTL attribute. DynamoDB deletes such an item some time after that,
  lazily (typically within a few days), so ``mail_received`` checks ``expires_at`` itself.

All reads are consistent (an address just replaced stops working at once). None of these items
has ``received_key`` or ``month_users_key``, so none appears in an index.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from botocore.exceptions import ClientError

from billify.adapters.aws.clients import client, error_code
from billify.adapters.aws.items import from_item, iso, item_key, parse_time, to_item, ttl_epoch

# Tries of a token transaction cancelled by a concurrent one (DynamoDB's TransactionConflict,
# or a replace racing another change to the same user) before giving up.
_ATTEMPTS = 5


class TokenTaken(RuntimeError):
    """The new token is some user's already (80 random bits: practically never)."""


class DynamoInboxStore:
    def __init__(self, table: str, dynamodb: Any | None = None, *, backoff: float = 0.05) -> None:
        self.table = table
        self._ddb = dynamodb or client("dynamodb")
        self._backoff = backoff

    # -- forwarding addresses -----------------------------------------------------------------

    def inbound_token(self, email: str) -> str | None:
        user = self._get(_user_id(email))
        return str(user["token"]) if user.get("kind") == "inbound-user" else None

    def ensure_inbound_token(self, email: str, token: str, now: dt.datetime) -> str:
        for attempt in range(_ATTEMPTS):
            try:
                self._ddb.transact_write_items(
                    TransactItems=[
                        _put_new(self.table, _user_item(email, token, now)),
                        _put_new(self.table, _token_item(email, token, now)),
                    ]
                )
                return token
            except ClientError as error:
                reasons = _cancellation_reasons(error)
                if reasons is None:
                    raise
            current = self.inbound_token(email)
            if current is not None:  # another caller's transaction made one first
                return current
            if _reason(reasons, 1) == "ConditionalCheckFailed":
                raise TokenTaken("this token is taken")
            self._pause(attempt)  # cancelled by a concurrent one that did not commit
        raise RuntimeError(f"could not make a token for {email}: too much contention")

    def replace_inbound_token(self, email: str, token: str, now: dt.datetime) -> None:
        for attempt in range(_ATTEMPTS):
            old = self.inbound_token(email)
            writes = [_put_new(self.table, _token_item(email, token, now))]
            if old is None:
                writes.append(_put_new(self.table, _user_item(email, token, now)))
            else:
                writes.append(
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item(_user_item(email, token, now)),
                            "ConditionExpression": "#token = :old",
                            "ExpressionAttributeNames": {"#token": "token"},
                            "ExpressionAttributeValues": to_item({":old": old}),
                        }
                    }
                )
                writes.append(
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": item_key(_token_id(old)),
                            "UpdateExpression": "SET #replaced = :now",
                            "ConditionExpression": "attribute_exists(#id)",
                            "ExpressionAttributeNames": {"#replaced": "replaced_at", "#id": "id"},
                            "ExpressionAttributeValues": to_item({":now": iso(now)}),
                        }
                    }
                )
            try:
                self._ddb.transact_write_items(TransactItems=writes)
                return
            except ClientError as error:
                reasons = _cancellation_reasons(error)
                if reasons is None:
                    raise
            if _reason(reasons, 0) == "ConditionalCheckFailed":
                raise TokenTaken("this token is taken")
            self._pause(attempt)  # the user's token changed meanwhile: read it again
        raise RuntimeError(f"could not replace the token of {email}: too much contention")

    def token_owner(self, token: str) -> str | None:
        item = self._get(_token_id(token))
        if item.get("kind") != "inbound-token" or item.get("replaced_at"):
            return None
        return str(item["email"])

    # -- mail received ------------------------------------------------------------------------

    def mail_received(self, key: str, now: dt.datetime) -> bool:
        item = self._get(_mail_id(key))
        return item.get("kind") == "inbound-mail" and parse_time(item["expires_at"]) > now

    def record_mail(self, key: str, now: dt.datetime, remember: dt.timedelta) -> None:
        # One UpdateItem, so recording it again (a retry) only moves the expiry.
        expires = now + remember
        self._ddb.update_item(
            TableName=self.table,
            Key=item_key(_mail_id(key)),
            UpdateExpression="SET #kind = :kind, #received = if_not_exists(#received, :now),"
            " #expires = :expires, #exp = :exp",
            ExpressionAttributeNames={
                "#kind": "kind",
                "#received": "received_at",
                "#expires": "expires_at",
                "#exp": "expiration",
            },
            ExpressionAttributeValues=to_item(
                {
                    ":kind": "inbound-mail",
                    ":now": iso(now),
                    ":expires": iso(expires),
                    ":exp": ttl_epoch(expires),
                }
            ),
        )

    # -- helpers ------------------------------------------------------------------------------

    def _get(self, item_id: str) -> dict[str, Any]:
        response = self._ddb.get_item(
            TableName=self.table, Key=item_key(item_id), ConsistentRead=True
        )
        return from_item(response.get("Item") or {})

    def _pause(self, attempt: int) -> None:
        time.sleep(self._backoff * 2**attempt * random.uniform(0.5, 1.0))


def _user_item(email: str, token: str, now: dt.datetime) -> dict[str, Any]:
    return {"id": _user_id(email), "kind": "inbound-user", "token": token, "updated_at": iso(now)}


def _token_item(email: str, token: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": _token_id(token),
        "kind": "inbound-token",
        "email": email,
        "created_at": iso(now),
    }


def _put_new(table: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(#id)",
            "ExpressionAttributeNames": {"#id": "id"},
        }
    }


def _cancellation_reasons(error: ClientError) -> list[str] | None:
    """Per write of a cancelled transaction, why (``ConditionalCheckFailed``,
    ``TransactionConflict``, ``None``...); None when the error is another one."""
    if error_code(error) != "TransactionCanceledException":
        return None
    reasons = error.response.get("CancellationReasons") or []
    return [str(r.get("Code") or "None") for r in reasons]


def _reason(reasons: list[str], write: int) -> str:
    return reasons[write] if write < len(reasons) else "None"


def _token_id(token: str) -> str:
    return f"inbound-token#{token}"


def _user_id(email: str) -> str:
    return f"inbound-user#{email}"


def _mail_id(key: str) -> str:
    return f"inbound-mail#{key}"
