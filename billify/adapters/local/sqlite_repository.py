"""Invoice records in SQLite: one row per invoice, the seed's attributes first."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pydantic_core

from billify.adapters.local.sqlite import BUSY_TIMEOUT_SECONDS, SqliteDatabase, utc_text
from billify.domain.models import Extraction, Invoice, InvoiceStatus, Uploader
from billify.ports import DuplicateUpload

_SCHEMA = """
CREATE TABLE IF NOT EXISTS invoices (
    id TEXT PRIMARY KEY,
    timestamp TEXT NOT NULL,          -- received_at, ISO 8601 UTC (the seed's attribute name)
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    total TEXT,                       -- decimal string; NULL when not read
    currency TEXT,
    vendor TEXT,
    invoice_date TEXT,
    invoice_number TEXT,
    subtotal TEXT,
    tax TEXT,
    status TEXT NOT NULL,
    confidence TEXT NOT NULL DEFAULT '{}',
    extraction TEXT,                  -- the whole Extraction as JSON (line items, source...)
    blob_key TEXT NOT NULL,
    media_type TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    original_filename TEXT,
    received_at TEXT NOT NULL,
    processed_at TEXT,
    notice_sent_at TEXT,
    error TEXT,
    owner TEXT,
    duplicate_of TEXT
);
CREATE INDEX IF NOT EXISTS invoices_received ON invoices (received_at);
CREATE INDEX IF NOT EXISTS invoices_email_received ON invoices (email, received_at);
CREATE INDEX IF NOT EXISTS invoices_email_hash ON invoices (email, file_hash);
CREATE TABLE IF NOT EXISTS recipients (
    email TEXT PRIMARY KEY,
    token_hash TEXT UNIQUE,           -- pending confirmation; NULL once confirmed
    requested_at TEXT NOT NULL,
    confirmed_at TEXT
);
CREATE TABLE IF NOT EXISTS monthly_reports (
    month TEXT NOT NULL,
    email TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (month, email)
);
"""

_COLUMNS = (
    "id, timestamp, name, email, total, currency, vendor, invoice_date, invoice_number, subtotal,"
    " tax, status, confidence, extraction, blob_key, media_type, file_hash, file_size,"
    " original_filename, received_at, processed_at, notice_sent_at, error, owner,"
    " duplicate_of"
)
# Rows are read in this order, by position (see _invoice), whatever the table's column order.
_SELECT = f"SELECT {_COLUMNS} FROM invoices"


class SqliteInvoiceRepository:
    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = path
        self._db = SqliteDatabase(path, _SCHEMA, busy_timeout)

    def add(self, invoice: Invoice) -> None:
        with self._db.transaction() as db:
            insert_invoice(db, invoice)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction on this database, for a step that spans tables (the intake)."""
        return self._db.transaction()

    def save(self, invoice: Invoice) -> None:
        assignments = ", ".join(f"{c.strip()} = ?" for c in _COLUMNS.split(",")[1:])
        values = _row(invoice)
        with self._db.transaction() as db:
            db.execute(f"UPDATE invoices SET {assignments} WHERE id = ?", (*values[1:], values[0]))

    def delete(self, invoice_id: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM invoices WHERE id = ?", (invoice_id,))

    def get(self, invoice_id: str) -> Invoice | None:
        row = self._query(f"{_SELECT} WHERE id = ?", (invoice_id,)).fetchone()
        return _invoice(row) if row else None

    def find_by_hash(self, email: str, file_hash: str) -> Invoice | None:
        row = self._query(
            f"{_SELECT} WHERE email = ? AND file_hash = ? ORDER BY received_at LIMIT 1",
            (email, file_hash),
        ).fetchone()
        return _invoice(row) if row else None

    def received_between(
        self, start: dt.datetime, end: dt.datetime, email: str | None = None
    ) -> Iterator[Invoice]:
        sql = f"{_SELECT} WHERE received_at >= ? AND received_at < ?"
        params: tuple[str, ...] = (utc_text(start), utc_text(end))
        if email is not None:
            sql += " AND email = ?"
            params += (email,)
        for row in self._query(sql + " ORDER BY received_at, id", params).fetchall():
            yield _invoice(row)

    def report_recipients(self, start: dt.datetime, end: dt.datetime) -> Iterator[str]:
        # A cursor, not fetchall: the addresses stream in, whatever the month's size.
        cursor = self._query(
            "SELECT DISTINCT email FROM invoices WHERE received_at >= ? AND received_at < ?"
            " ORDER BY email",
            (utc_text(start), utc_text(end)),
        )
        for row in cursor:
            yield str(row[0])

    def claim_reports(
        self, month: str, emails: Sequence[str], now: dt.datetime, lease: dt.timedelta
    ) -> set[str]:
        claimed = set()
        with self._db.transaction() as db:
            for email in emails:
                cursor = db.execute(
                    "INSERT INTO monthly_reports (month, email, claimed_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (month, email) DO UPDATE SET claimed_at = excluded.claimed_at"
                    " WHERE sent_at IS NULL AND claimed_at <= ?",
                    (month, email, utc_text(now), utc_text(now - lease)),
                )
                if cursor.rowcount == 1:
                    claimed.add(email)
        return claimed

    def release_report(self, month: str, email: str) -> None:
        with self._db.transaction() as db:
            db.execute(
                "DELETE FROM monthly_reports WHERE month = ? AND email = ? AND sent_at IS NULL",
                (month, email),
            )

    def mark_reports_sent(self, month: str, emails: Sequence[str], sent_at: dt.datetime) -> None:
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO monthly_reports (month, email, claimed_at, sent_at)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (month, email) DO UPDATE SET sent_at = excluded.sent_at",
                [(month, email, utc_text(sent_at), utc_text(sent_at)) for email in emails],
            )

    def report_sent(self, month: str, email: str) -> bool:
        row = self._query(
            "SELECT 1 FROM monthly_reports WHERE month = ? AND email = ? AND sent_at IS NOT NULL",
            (month, email),
        ).fetchone()
        return row is not None

    def recipient_confirmed(self, email: str) -> bool:
        row = self._query(
            "SELECT 1 FROM recipients WHERE email = ? AND confirmed_at IS NOT NULL", (email,)
        ).fetchone()
        return row is not None

    def request_confirmation(self, email: str, token_hash: str, now: dt.datetime) -> bool:
        with self._db.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO recipients (email, token_hash, requested_at)"
                " VALUES (?, ?, ?)",
                (email, token_hash, utc_text(now)),
            )
        return cursor.rowcount == 1

    def cancel_confirmation(self, email: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM recipients WHERE email = ? AND confirmed_at IS NULL", (email,))

    def confirm_recipient(self, token_hash: str, now: dt.datetime) -> str | None:
        with self._db.transaction() as db:
            row = db.execute(
                "UPDATE recipients SET confirmed_at = ?, token_hash = NULL"
                " WHERE token_hash = ? AND confirmed_at IS NULL RETURNING email",
                (utc_text(now), token_hash),
            ).fetchone()
        return None if row is None else str(row["email"])

    def confirm_address(self, email: str, now: dt.datetime) -> bool:
        with self._db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO recipients (email, requested_at, confirmed_at) VALUES (?, ?, ?)"
                " ON CONFLICT (email) DO UPDATE SET confirmed_at = excluded.confirmed_at,"
                " token_hash = NULL WHERE confirmed_at IS NULL",
                (email, utc_text(now), utc_text(now)),
            )
        return cursor.rowcount > 0

    def count_by_status(self) -> dict[str, int]:
        rows = self._query("SELECT status, COUNT(*) FROM invoices GROUP BY status", ()).fetchall()
        return {row[0]: row[1] for row in rows}

    def close(self) -> None:
        self._db.close()

    def _query(self, sql: str, params: tuple[str, ...]) -> sqlite3.Cursor:
        return self._db.connection().execute(sql, params)


def insert_invoice(db: sqlite3.Connection, invoice: Invoice) -> None:
    """INSERT one invoice within the caller's transaction; ``DuplicateUpload`` when its
    uploader has recorded the same file already (checked under the write lock)."""
    email, file_hash = invoice.uploader.email, invoice.file_hash
    if db.execute(
        "SELECT 1 FROM invoices WHERE email = ? AND file_hash = ? LIMIT 1", (email, file_hash)
    ).fetchone():
        raise DuplicateUpload(f"{email} has recorded this file already")
    placeholders = ", ".join("?" * len(_COLUMNS.split(",")))
    db.execute(f"INSERT INTO invoices ({_COLUMNS}) VALUES ({placeholders})", _row(invoice))


def _optutc_text(moment: dt.datetime | None) -> str | None:
    return utc_text(moment) if moment else None


def _opt_dt(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _row(invoice: Invoice) -> tuple[object, ...]:
    extraction = invoice.extraction.to_json() if invoice.extraction else {}
    return (
        invoice.id,
        utc_text(invoice.received_at),
        invoice.uploader.name,
        invoice.uploader.email,
        extraction.get("total"),
        extraction.get("currency"),
        extraction.get("vendor"),
        extraction.get("date"),
        extraction.get("invoice_number"),
        extraction.get("subtotal"),
        extraction.get("tax"),
        invoice.status.value,
        json.dumps(extraction.get("confidence", {})),
        json.dumps(extraction) if invoice.extraction else None,
        invoice.blob_key,
        invoice.media_type,
        invoice.file_hash,
        invoice.file_size,
        invoice.original_filename,
        utc_text(invoice.received_at),
        _optutc_text(invoice.processed_at),
        _optutc_text(invoice.notice_sent_at),
        invoice.error,
        invoice.owner,
        invoice.duplicate_of,
    )


def _invoice(row: sqlite3.Row) -> Invoice:
    """One row of ``_SELECT``, unpacked by position: a ``sqlite3.Row`` finds a column by name
    by comparing it with each column's in turn, a fifth of the cost of decoding a row."""
    invoice_id, _, name, email, *_, status, _, extraction = row[:14]
    blob_key, media_type, file_hash, file_size, original_filename, received_at = row[14:20]
    processed_at, notice_sent_at, error, owner, duplicate_of = row[20:]
    return Invoice(
        id=invoice_id,
        uploader=Uploader(name, email),
        blob_key=blob_key,
        media_type=media_type,
        file_hash=file_hash,
        file_size=file_size,
        received_at=dt.datetime.fromisoformat(received_at),
        original_filename=original_filename,
        status=InvoiceStatus(status),
        extraction=Extraction.from_json(_loads(extraction)) if extraction else None,
        error=error,
        processed_at=_opt_dt(processed_at),
        notice_sent_at=_opt_dt(notice_sent_at),
        owner=owner,
        duplicate_of=duplicate_of,
    )


def _loads(text: str) -> Any:
    """The stored JSON, parsed by pydantic's Rust parser: about 3x json.loads, which was the
    largest cost of reading a month. It refuses lone surrogates, which json.dumps may write: the
    stdlib parses those (and reports malformed JSON as before)."""
    try:
        return pydantic_core.from_json(text)
    except ValueError:
        return json.loads(text)
