"""Sign-in links, sessions and rate-limit counters in SQLite, beside the invoices."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from billify.adapters.local.sqlite import BUSY_TIMEOUT_SECONDS, SqliteDatabase, utc_text
from billify.domain.auth import Scope, Session, SignInLink

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sign_in_links (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT,
    scope TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
CREATE INDEX IF NOT EXISTS sign_in_links_expiry ON sign_in_links (expires_at);
CREATE TABLE IF NOT EXISTS attempts (
    key TEXT NOT NULL,
    window_start TEXT NOT NULL,
    count INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX IF NOT EXISTS attempts_expiry ON attempts (expires_at);
"""


class SqliteAccessStore:
    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._db = SqliteDatabase(path, _SCHEMA, busy_timeout)

    def add_sign_in_link(self, link: SignInLink) -> None:
        with self._db.transaction() as db:
            _purge(db, "sign_in_links", link.created_at)
            db.execute(
                "INSERT INTO sign_in_links (token_hash, email, name, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    link.token_hash,
                    link.email,
                    link.name,
                    utc_text(link.created_at),
                    utc_text(link.expires_at),
                ),
            )

    def use_sign_in_link(self, token_hash: str, now: dt.datetime) -> SignInLink | None:
        with self._db.transaction() as db:
            row = db.execute(
                "DELETE FROM sign_in_links WHERE token_hash = ? RETURNING *", (token_hash,)
            ).fetchone()
        if row is None or _time(row["expires_at"]) <= now:
            return None
        return SignInLink(
            token_hash=row["token_hash"],
            email=row["email"],
            name=row["name"],
            created_at=_time(row["created_at"]),
            expires_at=_time(row["expires_at"]),
        )

    def add_session(self, session: Session) -> None:
        with self._db.transaction() as db:
            _purge(db, "sessions", session.created_at)
            db.execute(
                "INSERT INTO sessions (token_hash, email, name, scope, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    session.token_hash,
                    session.email,
                    session.name,
                    session.scope.text() if session.scope else None,
                    utc_text(session.created_at),
                    utc_text(session.expires_at),
                ),
            )

    def session(self, token_hash: str, now: dt.datetime) -> Session | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?",
                (token_hash, utc_text(now)),
            )
            .fetchone()
        )
        if row is None:
            return None
        return Session(
            token_hash=row["token_hash"],
            email=row["email"],
            name=row["name"],
            scope=Scope.parse(row["scope"]),
            created_at=_time(row["created_at"]),
            expires_at=_time(row["expires_at"]),
        )

    def end_session(self, token_hash: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def count_attempt(self, key: str, window_start: dt.datetime, window: dt.timedelta) -> int:
        with self._db.transaction() as db:
            _purge(db, "attempts", window_start)
            row = db.execute(
                "INSERT INTO attempts (key, window_start, count, expires_at) VALUES (?, ?, 1, ?)"
                " ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1"
                " RETURNING count",
                (key, utc_text(window_start), utc_text(window_start + window)),
            ).fetchone()
        return int(row["count"])


def _purge(db: sqlite3.Connection, table: str, now: dt.datetime) -> None:
    # Expired rows are useless; dropping them on write keeps the tables small without a job.
    db.execute(f"DELETE FROM {table} WHERE expires_at <= ?", (utc_text(now),))


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
