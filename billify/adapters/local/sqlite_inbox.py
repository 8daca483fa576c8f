"""Forwarding addresses and the log of mail received, in SQLite beside the invoices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from billify.adapters.local.sqlite import BUSY_TIMEOUT_SECONDS, SqliteDatabase, utc_text

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbound_addresses (
    token TEXT PRIMARY KEY,           -- replaced tokens stay, so none is ever given out again
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    replaced_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS inbound_addresses_live
    ON inbound_addresses (email) WHERE replaced_at IS NULL;
CREATE TABLE IF NOT EXISTS received_mail (
    key TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS received_mail_expiry ON received_mail (expires_at);
"""


class SqliteInboxStore:
    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._db = SqliteDatabase(path, _SCHEMA, busy_timeout)

    def inbound_token(self, email: str) -> str | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT token FROM inbound_addresses WHERE email = ? AND replaced_at IS NULL",
                (email,),
            )
            .fetchone()
        )
        return None if row is None else str(row["token"])

    def ensure_inbound_token(self, email: str, token: str, now: dt.datetime) -> str:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO inbound_addresses (token, email, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (token, email, utc_text(now)),
            )
            row = db.execute(
                "SELECT token FROM inbound_addresses WHERE email = ? AND replaced_at IS NULL",
                (email,),
            ).fetchone()
        return str(row["token"])

    def replace_inbound_token(self, email: str, token: str, now: dt.datetime) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE inbound_addresses SET replaced_at = ? WHERE email = ?"
                " AND replaced_at IS NULL",
                (utc_text(now), email),
            )
            db.execute(
                "INSERT INTO inbound_addresses (token, email, created_at) VALUES (?, ?, ?)",
                (token, email, utc_text(now)),
            )

    def token_owner(self, token: str) -> str | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT email FROM inbound_addresses WHERE token = ? AND replaced_at IS NULL",
                (token,),
            )
            .fetchone()
        )
        return None if row is None else str(row["email"])

    def mail_received(self, key: str, now: dt.datetime) -> bool:
        row = (
            self._db.connection()
            .execute(
                "SELECT 1 FROM received_mail WHERE key = ? AND expires_at > ?",
                (key, utc_text(now)),
            )
            .fetchone()
        )
        return row is not None

    def record_mail(self, key: str, now: dt.datetime, remember: dt.timedelta) -> None:
        with self._db.transaction() as db:
            # Forgotten entries are useless; dropping them on write keeps the table small.
            db.execute("DELETE FROM received_mail WHERE expires_at <= ?", (utc_text(now),))
            db.execute(
                "INSERT INTO received_mail (key, received_at, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at",
                (key, utc_text(now), utc_text(now + remember)),
            )
