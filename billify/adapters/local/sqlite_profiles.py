"""Each user's home currency and language, in SQLite beside the invoices."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from billify.adapters.local.sqlite import BUSY_TIMEOUT_SECONDS, SqliteDatabase
from billify.domain.profiles import Profile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (
    email TEXT PRIMARY KEY,
    home_currency TEXT,               -- NULL: the server's BILLIFY_HOME_CURRENCY
    locale TEXT                       -- NULL: English
);
"""


class SqliteProfileStore:
    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._db = SqliteDatabase(path, _SCHEMA, busy_timeout)

    def profile(self, email: str) -> Profile | None:
        return _read(self._db.connection(), email)

    def update_profile(self, email: str, changes: Profile) -> Profile:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO profiles (email, home_currency, locale) VALUES (?, ?, ?)"
                " ON CONFLICT (email) DO UPDATE SET"
                " home_currency = COALESCE(excluded.home_currency, home_currency),"
                " locale = COALESCE(excluded.locale, locale)",
                (email, changes.home_currency, changes.locale),
            )
            stored = _read(db, email)
        assert stored is not None  # written in this very transaction
        return stored

    def profile_unless_set(self, email: str, profile: Profile) -> Profile:
        # One write transaction: of two first sign-ins at once, the second reads the first's.
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO profiles (email, home_currency, locale) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (email, profile.home_currency, profile.locale),
            )
            stored = _read(db, email)
        return stored or profile


def _read(db: sqlite3.Connection, email: str) -> Profile | None:
    row = db.execute(
        "SELECT home_currency, locale FROM profiles WHERE email = ?", (email,)
    ).fetchone()
    return None if row is None else Profile(row["home_currency"], row["locale"])
