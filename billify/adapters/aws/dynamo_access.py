"""Sign-in links, sessions and rate-limit counters in the invoice table (single-table design).

Items, keyed by ``id`` like every other item of the table (see ``dynamodb.py``):

- sign-in link ``signin#<sha256 of the emailed token>``: ``email``, ``name``, ``created_at``,
  ``expires_at`` (ISO UTC). Taken with one DeleteItem returning the old item, so two clicks
  at once get one session: the first delete returns it, the second nothing.
- session ``session#<sha256 of the cookie's token>``: ``email``, ``name``, ``scope``,
  ``created_at``, ``expires_at``. Read with a consistent GetItem on every signed-in request
  (a session just opened or just ended is seen as such at once).
- attempt counter ``attempt#<window start ISO UTC>#<key>``: ``count``, incremented by an
  UpdateItem ``ADD`` (atomic across every function instance), one item per fixed window.

Each carries ``expiration`` (epoch seconds), the table's TTL attribute: DynamoDB deletes it some
time after that, lazily (typically within a few days), so every read checks ``expires_at``
itself and an expired item is never returned. None of these items has ``received_key`` or
``month_users_key``, so none appears in an index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from billify.adapters.aws.clients import client
from billify.adapters.aws.items import from_item, iso, item_key, parse_time, to_item, ttl_epoch
from billify.domain.auth import Scope, Session, SignInLink

# Rate-limit keys longer than this (an address is at most 320 characters) are hashed, so an
# item's id stays far below DynamoDB's 2048-byte limit for a partition key.
_MAX_KEY_LENGTH = 400


class DynamoAccessStore:
    def __init__(self, table: str, dynamodb: Any | None = None) -> None:
        self.table = table
        self._ddb = dynamodb or client("dynamodb")

    # -- sign-in links ----------------------------------------------------------------------

    def add_sign_in_link(self, link: SignInLink) -> None:
        # Unconditional: the token is 256 random bits, and a retried put (its answer lost)
        # must not fail on the item its first attempt wrote.
        item = {
            "id": _link_id(link.token_hash),
            "kind": "sign-in",
            "email": link.email,
            "name": link.name,
            "created_at": iso(link.created_at),
            "expires_at": iso(link.expires_at),
            "expiration": ttl_epoch(link.expires_at),
        }
        self._ddb.put_item(TableName=self.table, Item=to_item(item))

    def use_sign_in_link(self, token_hash: str, now: dt.datetime) -> SignInLink | None:
        response = self._ddb.delete_item(
            TableName=self.table, Key=item_key(_link_id(token_hash)), ReturnValues="ALL_OLD"
        )
        old = from_item(response.get("Attributes") or {})
        if old.get("kind") != "sign-in":
            return None
        expires_at = parse_time(old["expires_at"])
        if expires_at <= now:  # expired, not yet deleted by TTL: gone now, and refused
            return None
        return SignInLink(
            token_hash=token_hash,
            email=str(old["email"]),
            name=_opt_str(old.get("name")),
            created_at=parse_time(old["created_at"]),
            expires_at=expires_at,
        )

    # -- sessions ---------------------------------------------------------------------------

    def add_session(self, session: Session) -> None:
        item = {
            "id": _session_id(session.token_hash),
            "kind": "session",
            "email": session.email,
            "name": session.name,
            "scope": session.scope.text() if session.scope else None,
            "created_at": iso(session.created_at),
            "expires_at": iso(session.expires_at),
            "expiration": ttl_epoch(session.expires_at),
        }
        self._ddb.put_item(TableName=self.table, Item=to_item(item))

    def session(self, token_hash: str, now: dt.datetime) -> Session | None:
        response = self._ddb.get_item(
            TableName=self.table, Key=item_key(_session_id(token_hash)), ConsistentRead=True
        )
        item = from_item(response.get("Item") or {})
        if item.get("kind") != "session":
            return None
        expires_at = parse_time(item["expires_at"])
        if expires_at <= now:
            return None
        return Session(
            token_hash=token_hash,
            email=str(item["email"]),
            name=_opt_str(item.get("name")),
            scope=Scope.parse(_opt_str(item.get("scope"))),
            created_at=parse_time(item["created_at"]),
            expires_at=expires_at,
        )

    def end_session(self, token_hash: str) -> None:
        self._ddb.delete_item(TableName=self.table, Key=item_key(_session_id(token_hash)))

    # -- rate limits ------------------------------------------------------------------------

    def count_attempt(self, key: str, window_start: dt.datetime, window: dt.timedelta) -> int:
        response = self._ddb.update_item(
            TableName=self.table,
            Key=item_key(_attempt_id(key, window_start)),
            UpdateExpression="ADD #count :one SET #kind = :kind, #exp = :exp",
            ExpressionAttributeNames={"#count": "count", "#kind": "kind", "#exp": "expiration"},
            ExpressionAttributeValues=to_item(
                {":one": 1, ":kind": "attempt", ":exp": ttl_epoch(window_start + window)}
            ),
            ReturnValues="UPDATED_NEW",
        )
        return int(from_item(response["Attributes"])["count"])


def _link_id(token_hash: str) -> str:
    return f"signin#{token_hash}"


def _session_id(token_hash: str) -> str:
    return f"session#{token_hash}"


def _attempt_id(key: str, window_start: dt.datetime) -> str:
    if len(key) > _MAX_KEY_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return f"attempt#{iso(window_start)}#{key}"


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
