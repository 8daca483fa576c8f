"""Invoice records in one DynamoDB table (single-table design), read with GetItem and Query only.

Items, all keyed by ``id``:

- invoice ``<invoice id>``: the seed's attributes ``id, timestamp, name, email, total`` at top
  level (``total``/``subtotal``/``tax`` as numbers), the whole extraction as JSON, and two
  index keys: ``month_key`` = ``YYYY-MM#<shard>`` (UTC month of receipt) and ``received_key`` =
  ``<received_at ISO UTC>#<id>``. Index ``ByMonth`` (month_key, received_key) serves
  ``received_between`` over a month; ``ByEmail`` (email, received_key) one user's month.
- user-month marker ``usermonth#<YYYY-MM>#<email>`` (UTC month of receipt): "this user uploaded
  in that month", ``email`` plus ``month_users_key`` = ``YYYY-MM#<shard of the email>``. Only
  markers carry ``month_users_key``, so the sparse index ``ByMonthUser`` (month_users_key,
  email; keys only) holds one small entry per user and month whatever the number of invoices:
  the monthly run pages through it (``report_recipients``) and never reads an invoice. ``add``
  puts it unconditionally (idempotent: every upload of the month rewrites the same item)
  *before* the invoice's transaction, not inside it: an invoice is thus never recorded without
  its marker (a failure in between leaves a marker without invoice, which only costs a job that
  sends nothing), and two concurrent uploads of one user do not cancel each other's
  transaction on the shared marker (DynamoDB's TransactionConflict).
  Invoices recorded before the markers existed get theirs from ``backfill_report_recipients``.
- upload ``upload#<email>#<sha256>``: points at the first invoice of that file for that user,
  written in the same transaction as the invoice, so duplicate detection is strongly consistent.
- report ``report#<YYYY-MM>#<email>`` (local month): the claim/sent record of one monthly report.
- recipient ``recipient#<email>`` (double opt-in: ``token_hash`` while a confirmation is
  pending, ``confirmed_at`` once confirmed, by its link or by signing in) and its pending
  token ``confirm#<sha256>``.
- sign-in links, sessions and rate-limit counters: ``dynamo_access.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from billify.adapters.aws.clients import client, error_code
from billify.adapters.aws.items import from_item, iso, item_key
from billify.domain.models import Extraction, Invoice, InvoiceStatus, Uploader
from billify.ports import DuplicateUpload

INDEX_BY_MONTH = "ByMonth"
INDEX_BY_EMAIL = "ByEmail"
INDEX_BY_MONTH_USER = "ByMonthUser"
# Entries per Query page of ByMonthUser: bounds the memory of each page held while merging.
RECIPIENT_PAGE = 500
WRITE_BATCH = 25  # BatchWriteItem's limit

_serializer = TypeSerializer()


class InvoiceConflict(DuplicateUpload):
    """The same file from the same user is being recorded by a concurrent upload (the port's
    ``DuplicateUpload``: the HTTP app answers 409)."""


class DynamoInvoiceRepository:
    def __init__(self, table: str, month_shards: int = 1, dynamodb: Any | None = None) -> None:
        if month_shards < 1:
            raise ValueError("month_shards must be at least 1")
        self.table = table
        self.month_shards = month_shards
        self._ddb = dynamodb or client("dynamodb")

    # -- invoices ---------------------------------------------------------------------------

    def add(self, invoice: Invoice) -> None:
        upload_id = _upload_id(invoice.uploader.email, invoice.file_hash)
        # First the user-month marker (see the module docstring for why not in the transaction).
        self._ddb.put_item(
            TableName=self.table,
            Item=_serialize(self._marker(invoice.uploader.email, _utc_month(invoice.received_at))),
        )
        try:
            self._ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": _serialize(self._item(invoice)),
                            "ConditionExpression": "attribute_not_exists(#id)",
                            "ExpressionAttributeNames": {"#id": "id"},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": _serialize(
                                {"id": upload_id, "kind": "upload", "invoice_id": invoice.id}
                            ),
                            "ConditionExpression": "attribute_not_exists(#id)",
                            "ExpressionAttributeNames": {"#id": "id"},
                        }
                    },
                ]
            )
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                raise InvoiceConflict(f"invoice {invoice.id} or its file is recorded") from error
            raise

    def get(self, invoice_id: str) -> Invoice | None:
        item = self._get_item(invoice_id)
        return _invoice(item) if item and item.get("kind") == "invoice" else None

    def save(self, invoice: Invoice) -> None:
        try:
            self._ddb.put_item(
                TableName=self.table,
                Item=_serialize(self._item(invoice)),
                ConditionExpression="attribute_exists(#id)",
                ExpressionAttributeNames={"#id": "id"},
            )
        except ClientError as error:  # like an UPDATE of a missing row: nothing to save
            if error_code(error) != "ConditionalCheckFailedException":
                raise

    def delete(self, invoice_id: str) -> None:
        response = self._ddb.delete_item(
            TableName=self.table, Key=item_key(invoice_id), ReturnValues="ALL_OLD"
        )
        old = from_item(response.get("Attributes") or {})
        if old.get("kind") != "invoice":
            return
        try:
            self._ddb.delete_item(
                TableName=self.table,
                Key=item_key(_upload_id(str(old["email"]), str(old["file_hash"]))),
                ConditionExpression="invoice_id = :id",
                ExpressionAttributeValues={":id": {"S": invoice_id}},
            )
        except ClientError as error:  # it points at another invoice: keep it
            if error_code(error) != "ConditionalCheckFailedException":
                raise

    def find_by_hash(self, email: str, file_hash: str) -> Invoice | None:
        pointer = self._get_item(_upload_id(email, file_hash))
        return self.get(str(pointer["invoice_id"])) if pointer else None

    def received_between(
        self, start: dt.datetime, end: dt.datetime, email: str | None = None
    ) -> Iterator[Invoice]:
        low, high = iso(start), iso(end)
        if email is not None:
            pages = [self._query(INDEX_BY_EMAIL, "email", email, low, high)]
        else:
            pages = [
                self._query(INDEX_BY_MONTH, "month_key", f"{month}#{shard}", low, high)
                for month in utc_months(start, end)
                for shard in range(self.month_shards)
            ]
        for item in heapq.merge(*pages, key=lambda i: str(i["received_key"])):
            yield _invoice(item)

    # -- monthly reports --------------------------------------------------------------------

    def report_recipients(self, start: dt.datetime, end: dt.datetime) -> Iterator[str]:
        """Every user with a marker in the UTC months [start, end) touches, each once, in
        address order: the sorted ByMonthUser partitions (months x shards) are merged lazily,
        one page of each held at a time, and equal neighbours dropped. Memory is bounded by
        partitions x ``RECIPIENT_PAGE``; neither the invoices nor the users are kept. A user
        whose only uploads of a boundary UTC month fall outside [start, end) is named too (their
        job finds no invoice and sends nothing)."""
        pages = [
            self._month_users(f"{month}#{shard}")
            for month in utc_months(start, end)
            for shard in range(self.month_shards)
        ]
        previous: str | None = None
        for email in heapq.merge(*pages):  # DynamoDB's byte order is code point order
            if email != previous:
                yield email
                previous = email

    def backfill_report_recipients(self, start: dt.datetime, end: dt.datetime) -> int:
        """Write the user-month markers of the invoices received in [start, end) (those
        recorded before ``add`` wrote markers). Reads every invoice of those months once
        (keys and email only); idempotent. Returns how many markers were written."""
        markers: dict[str, dict[str, Any]] = {}
        for month in utc_months(start, end):
            for shard in range(self.month_shards):
                request = {
                    "TableName": self.table,
                    "IndexName": INDEX_BY_MONTH,
                    "KeyConditionExpression": "#h = :h",
                    "ProjectionExpression": "#e",
                    "ExpressionAttributeNames": {"#h": "month_key", "#e": "email"},
                    "ExpressionAttributeValues": {":h": {"S": f"{month}#{shard}"}},
                }
                for page in self._ddb.get_paginator("query").paginate(**request):
                    for item in page.get("Items", []):
                        email = str(item["email"]["S"])
                        marker = self._marker(email, month)
                        markers.setdefault(str(marker["id"]), marker)
        items = list(markers.values())
        for offset in range(0, len(items), WRITE_BATCH):
            self._write_batch(items[offset : offset + WRITE_BATCH])
        return len(items)

    def claim_reports(
        self, month: str, emails: Sequence[str], now: dt.datetime, lease: dt.timedelta
    ) -> set[str]:
        """One conditional UpdateItem per address (DynamoDB has no cheaper atomic batch: a
        transaction would fail as a whole on the first address already claimed)."""
        return {email for email in dict.fromkeys(emails) if self._claim(month, email, now, lease)}

    def release_report(self, month: str, email: str) -> None:
        try:
            self._ddb.delete_item(
                TableName=self.table,
                Key=item_key(_report_id(month, email)),
                ConditionExpression="attribute_not_exists(#sent)",
                ExpressionAttributeNames={"#sent": "sent_at"},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise

    def mark_reports_sent(self, month: str, emails: Sequence[str], sent_at: dt.datetime) -> None:
        for email in dict.fromkeys(emails):
            self._ddb.update_item(
                TableName=self.table,
                Key=item_key(_report_id(month, email)),
                UpdateExpression="SET #kind = :kind, #sent = :sent,"
                " #claimed = if_not_exists(#claimed, :sent)",
                ExpressionAttributeNames={
                    "#kind": "kind",
                    "#sent": "sent_at",
                    "#claimed": "claimed_at",
                },
                ExpressionAttributeValues=_serialize({":kind": "report", ":sent": iso(sent_at)}),
            )

    def report_sent(self, month: str, email: str) -> bool:
        item = self._get_item(_report_id(month, email))
        return bool(item and item.get("sent_at"))

    # -- recipient confirmation (double opt-in) ---------------------------------------------

    def recipient_confirmed(self, email: str) -> bool:
        item = self._get_item(_recipient_id(email))
        return bool(item and item.get("confirmed_at"))

    def request_confirmation(self, email: str, token_hash: str, now: dt.datetime) -> bool:
        recipient = {
            "id": _recipient_id(email),
            "kind": "recipient",
            "email": email,
            "token_hash": token_hash,
            "requested_at": iso(now),
        }
        token = {"id": _token_id(token_hash), "kind": "confirm-token", "email": email}
        try:
            self._ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": _serialize(recipient),
                            "ConditionExpression": "attribute_not_exists(id)",
                        }
                    },
                    {"Put": {"TableName": self.table, "Item": _serialize(token)}},
                ]
            )
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                return False
            raise
        return True

    def cancel_confirmation(self, email: str) -> None:
        item = self._get_item(_recipient_id(email))
        if not item or item.get("confirmed_at"):
            return
        for item_id in (_recipient_id(email), _token_id(str(item["token_hash"]))):
            self._ddb.delete_item(TableName=self.table, Key=item_key(item_id))

    def confirm_recipient(self, token_hash: str, now: dt.datetime) -> str | None:
        token = self._get_item(_token_id(token_hash))
        if token is None:
            return None
        email = str(token["email"])
        try:
            self._ddb.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": item_key(_recipient_id(email)),
                            "UpdateExpression": "SET confirmed_at = :now REMOVE token_hash",
                            "ConditionExpression": "token_hash = :hash",
                            "ExpressionAttributeValues": _serialize(
                                {":now": iso(now), ":hash": token_hash}
                            ),
                        }
                    },
                    {"Delete": {"TableName": self.table, "Key": item_key(_token_id(token_hash))}},
                ]
            )
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                return None
            raise
        return email

    def confirm_address(self, email: str, now: dt.datetime) -> bool:
        """One conditional UpdateItem on the recipient item: confirmed from now on, and the
        pending token (if any) removed from it, so the emailed confirmation link stops working
        (``confirm_recipient`` requires the item's ``token_hash`` to match). Its token item is
        then deleted too (best effort: left behind, it is harmless for that reason)."""
        try:
            response = self._ddb.update_item(
                TableName=self.table,
                Key=item_key(_recipient_id(email)),
                UpdateExpression="SET #kind = :kind, #email = :email, #confirmed = :now,"
                " #requested = if_not_exists(#requested, :now) REMOVE #token",
                ConditionExpression="attribute_not_exists(#confirmed)",
                ExpressionAttributeNames={
                    "#kind": "kind",
                    "#email": "email",
                    "#confirmed": "confirmed_at",
                    "#requested": "requested_at",
                    "#token": "token_hash",
                },
                ExpressionAttributeValues=_serialize(
                    {":kind": "recipient", ":email": email, ":now": iso(now)}
                ),
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False  # confirmed before
            raise
        pending = from_item(response.get("Attributes") or {}).get("token_hash")
        if pending:
            self._ddb.delete_item(TableName=self.table, Key=item_key(_token_id(str(pending))))
        return True

    # -- helpers ----------------------------------------------------------------------------

    def _item(self, invoice: Invoice) -> dict[str, Any]:
        extraction = invoice.extraction.to_json() if invoice.extraction else {}
        received = iso(invoice.received_at)
        shard = int(hashlib.sha256(invoice.id.encode()).hexdigest()[:8], 16) % self.month_shards
        item: dict[str, Any] = {
            "id": invoice.id,
            "kind": "invoice",
            "timestamp": received,
            "name": invoice.uploader.name,
            "email": invoice.uploader.email,
            "total": _number(extraction.get("total")),
            "subtotal": _number(extraction.get("subtotal")),
            "tax": _number(extraction.get("tax")),
            "currency": extraction.get("currency"),
            "vendor": extraction.get("vendor"),
            "invoice_date": extraction.get("date"),
            "invoice_number": extraction.get("invoice_number"),
            "status": invoice.status.value,
            "extraction": json.dumps(extraction) if invoice.extraction else None,
            "blob_key": invoice.blob_key,
            "media_type": invoice.media_type,
            "file_hash": invoice.file_hash,
            "file_size": invoice.file_size,
            "original_filename": invoice.original_filename,
            "received_at": received,
            "processed_at": _opt_iso(invoice.processed_at),
            "notice_sent_at": _opt_iso(invoice.notice_sent_at),
            "error": invoice.error,
            "owner": invoice.owner,
            "duplicate_of": invoice.duplicate_of,
            "month_key": f"{_utc_month(invoice.received_at)}#{shard}",
            "received_key": f"{received}#{invoice.id}",
        }
        return {k: v for k, v in item.items() if v is not None}

    def _claim(self, month: str, email: str, now: dt.datetime, lease: dt.timedelta) -> bool:
        try:
            self._ddb.update_item(
                TableName=self.table,
                Key=item_key(_report_id(month, email)),
                UpdateExpression="SET #kind = :kind, #claimed = :now",
                ConditionExpression="attribute_not_exists(#id)"
                " OR (attribute_not_exists(#sent) AND #claimed <= :stale)",
                ExpressionAttributeNames={
                    "#id": "id",
                    "#kind": "kind",
                    "#claimed": "claimed_at",
                    "#sent": "sent_at",
                },
                ExpressionAttributeValues=_serialize(
                    {":kind": "report", ":now": iso(now), ":stale": iso(now - lease)}
                ),
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _marker(self, email: str, utc_month: str) -> dict[str, Any]:
        shard = int(hashlib.sha256(email.encode()).hexdigest()[:8], 16) % self.month_shards
        return {
            "id": _marker_id(utc_month, email),
            "kind": "usermonth",
            "email": email,
            "month": utc_month,
            "month_users_key": f"{utc_month}#{shard}",
        }

    def _month_users(self, month_users_key: str) -> Iterator[str]:
        """The addresses of one ByMonthUser partition, sorted, a page at a time."""
        pages = self._ddb.get_paginator("query").paginate(
            TableName=self.table,
            IndexName=INDEX_BY_MONTH_USER,
            KeyConditionExpression="#h = :h",
            ProjectionExpression="#e",
            ExpressionAttributeNames={"#h": "month_users_key", "#e": "email"},
            ExpressionAttributeValues={":h": {"S": month_users_key}},
            PaginationConfig={"PageSize": RECIPIENT_PAGE},
        )
        for page in pages:
            for item in page.get("Items", []):
                yield str(item["email"]["S"])

    def _write_batch(self, items: list[dict[str, Any]]) -> None:
        requests = [{"PutRequest": {"Item": _serialize(item)}} for item in items]
        for attempt in range(8):
            response = self._ddb.batch_write_item(RequestItems={self.table: requests})
            requests = (response.get("UnprocessedItems") or {}).get(self.table) or []
            if not requests:
                return
            time.sleep(min(2.0, 0.05 * 2**attempt))  # throttled: back off, then the rest
        raise RuntimeError(f"{len(requests)} marker(s) not written after retries")

    def _get_item(self, item_id: str) -> dict[str, Any] | None:
        response = self._ddb.get_item(
            TableName=self.table, Key=item_key(item_id), ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def _query(
        self, index: str, hash_name: str, hash_value: str, low: str, high: str
    ) -> Iterator[dict[str, Any]]:
        """Items of one index partition with ``low <= received_key < high``, oldest first.
        (``high`` is a bare timestamp: every key at that instant sorts after it.)"""
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": "#h = :h AND #r BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#h": hash_name, "#r": "received_key"},
            "ExpressionAttributeValues": _serialize({":h": hash_value, ":low": low, ":high": high}),
        }
        while True:
            response = self._ddb.query(**request)
            for item in response.get("Items", []):
                yield from_item(item)
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def utc_months(start: dt.datetime, end: dt.datetime) -> list[str]:
    """The UTC calendar months (``YYYY-MM``) that [start, end) touches."""
    if end <= start:
        return []
    first = start.astimezone(dt.UTC)
    last = (end - dt.timedelta(microseconds=1)).astimezone(dt.UTC)
    year, month, months = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _upload_id(email: str, file_hash: str) -> str:
    return f"upload#{email}#{file_hash}"


def _recipient_id(email: str) -> str:
    return f"recipient#{email}"


def _token_id(token_hash: str) -> str:
    return f"confirm#{token_hash}"


def _marker_id(utc_month: str, email: str) -> str:
    return f"usermonth#{utc_month}#{email}"


def _utc_month(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m}"


def _report_id(month: str, email: str) -> str:
    return f"report#{month}#{email}"


def _serialize(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items()}


def _number(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _opt_iso(moment: dt.datetime | None) -> str | None:
    return iso(moment) if moment else None


def _opt_dt(text: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(text)) if text else None


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _invoice(item: dict[str, Any]) -> Invoice:
    extraction = item.get("extraction")
    return Invoice(
        id=str(item["id"]),
        uploader=Uploader(str(item["name"]), str(item["email"])),
        blob_key=str(item["blob_key"]),
        media_type=str(item["media_type"]),
        file_hash=str(item["file_hash"]),
        file_size=int(item["file_size"]),
        received_at=dt.datetime.fromisoformat(str(item["received_at"])),
        original_filename=_opt_str(item.get("original_filename")),
        status=InvoiceStatus(str(item["status"])),
        extraction=Extraction.from_json(json.loads(str(extraction))) if extraction else None,
        error=_opt_str(item.get("error")),
        processed_at=_opt_dt(item.get("processed_at")),
        notice_sent_at=_opt_dt(item.get("notice_sent_at")),
        owner=_opt_str(item.get("owner")),
        duplicate_of=_opt_str(item.get("duplicate_of")),
    )
