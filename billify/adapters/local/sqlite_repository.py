"""Invoice records in SQLite: one row per invoice, the seed's attributes first."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from billify.adapters.local.sqlite import BUSY_TIMEOUT_SECONDS, SqliteDatabase
from billify.domain.models import Extraction, Invoice, InvoiceStatus, Uploader

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


class SqliteInvoiceRepository:
    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._db = SqliteDatabase(path, _SCHEMA, busy_timeout)

    def add(self, invoice: Invoice) -> None:
        placeholders = ", ".join("?" * len(_COLUMNS.split(",")))
        with self._db.transaction() as db:
            db.execute(f"INSERT INTO invoices ({_COLUMNS}) VALUES ({placeholders})", _row(invoice))

    def save(self, invoice: Invoice) -> None:
        assignments = ", ".join(f"{c.strip()} = ?" for c in _COLUMNS.split(",")[1:])
        values = _row(invoice)
        with self._db.transaction() as db:
            db.execute(f"UPDATE invoices SET {assignments} WHERE id = ?", (*values[1:], values[0]))

    def delete(self, invoice_id: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM invoices WHERE id = ?", (invoice_id,))

    def get(self, invoice_id: str) -> Invoice | None:
        row = self._query("SELECT * FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
        return _invoice(row) if row else None

    def find_by_hash(self, email: str, file_hash: str) -> Invoice | None:
        row = self._query(
            "SELECT * FROM invoices WHERE email = ? AND file_hash = ? ORDER BY received_at LIMIT 1",
            (email, file_hash),
        ).fetchone()
        return _invoice(row) if row else None

    def received_between(
        self, start: dt.datetime, end: dt.datetime, email: str | None = None
    ) -> Iterator[Invoice]:
        sql = "SELECT * FROM invoices WHERE received_at >= ? AND received_at < ?"
        params: tuple[str, ...] = (_iso(start), _iso(end))
        if email is not None:
            sql += " AND email = ?"
            params += (email,)
        for row in self._query(sql + " ORDER BY received_at, id", params).fetchall():
            yield _invoice(row)

    def claim_report(self, month: str, email: str, now: dt.datetime, lease: dt.timedelta) -> bool:
        with self._db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO monthly_reports (month, email, claimed_at) VALUES (?, ?, ?)"
                " ON CONFLICT (month, email) DO UPDATE SET claimed_at = excluded.claimed_at"
                " WHERE sent_at IS NULL AND claimed_at <= ?",
                (month, email, _iso(now), _iso(now - lease)),
            )
        return cursor.rowcount == 1

    def release_report(self, month: str, email: str) -> None:
        with self._db.transaction() as db:
            db.execute(
                "DELETE FROM monthly_reports WHERE month = ? AND email = ? AND sent_at IS NULL",
                (month, email),
            )

    def mark_report_sent(self, month: str, email: str, sent_at: dt.datetime) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO monthly_reports (month, email, claimed_at, sent_at)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (month, email) DO UPDATE SET sent_at = excluded.sent_at",
                (month, email, _iso(sent_at), _iso(sent_at)),
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
                (email, token_hash, _iso(now)),
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
                (_iso(now), token_hash),
            ).fetchone()
        return None if row is None else str(row["email"])

    def count_by_status(self) -> dict[str, int]:
        rows = self._query("SELECT status, COUNT(*) FROM invoices GROUP BY status", ()).fetchall()
        return {row[0]: row[1] for row in rows}

    def close(self) -> None:
        self._db.close()

    def _query(self, sql: str, params: tuple[str, ...]) -> sqlite3.Cursor:
        return self._db.connection().execute(sql, params)


def _iso(moment: dt.datetime) -> str:
    # One fixed format in UTC, so string order is time order in range queries.
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _opt_iso(moment: dt.datetime | None) -> str | None:
    return _iso(moment) if moment else None


def _opt_dt(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _row(invoice: Invoice) -> tuple[object, ...]:
    extraction = invoice.extraction.to_json() if invoice.extraction else {}
    return (
        invoice.id,
        _iso(invoice.received_at),
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
        _iso(invoice.received_at),
        _opt_iso(invoice.processed_at),
        _opt_iso(invoice.notice_sent_at),
        invoice.error,
        invoice.owner,
        invoice.duplicate_of,
    )


def _invoice(row: sqlite3.Row) -> Invoice:
    return Invoice(
        id=row["id"],
        uploader=Uploader(row["name"], row["email"]),
        blob_key=row["blob_key"],
        media_type=row["media_type"],
        file_hash=row["file_hash"],
        file_size=row["file_size"],
        received_at=dt.datetime.fromisoformat(row["received_at"]),
        original_filename=row["original_filename"],
        status=InvoiceStatus(row["status"]),
        extraction=Extraction.from_json(json.loads(row["extraction"]))
        if row["extraction"]
        else None,
        error=row["error"],
        processed_at=_opt_dt(row["processed_at"]),
        notice_sent_at=_opt_dt(row["notice_sent_at"]),
        owner=row["owner"],
        duplicate_of=row["duplicate_of"],
    )
