"""What every item of the single DynamoDB table shares: its key, its attribute encoding, and
the one time format (and TTL) used in it."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def item_key(item_id: str) -> dict[str, Any]:
    return {"id": {"S": item_id}}


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Attribute values in DynamoDB's encoding; ``None`` values are left out."""
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def iso(moment: dt.datetime) -> str:
    # One fixed format in UTC, as everywhere in the table: string order is time order.
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def parse_time(text: object) -> dt.datetime:
    return dt.datetime.fromisoformat(str(text))


def ttl_epoch(moment: dt.datetime) -> int:
    """The TTL attribute: whole seconds, rounded up (never deleted before it expires)."""
    return math.ceil(moment.timestamp())
