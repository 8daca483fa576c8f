"""SQLite connections shared by the local queue and repository.

WAL lets the API, the workers and the CLI read while one writes; ``synchronous=FULL`` makes each
commit durable before it returns, which is what lets the API answer 202 only once data is safe.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from billify.ports import StorageBusy

BUSY_TIMEOUT_SECONDS = 15.0


def _locked(error: BaseException) -> bool:
    message = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and (
        "locked" in message or "busy" in message
    )


@contextmanager
def _busy_as_storage_busy() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as error:
        if _locked(error):
            raise StorageBusy(str(error)) from error
        raise


def utc_text(moment: dt.datetime) -> str:
    """A time as stored: one fixed format in UTC, so string order is time order in queries."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


class SqliteDatabase:
    """One connection per thread (sqlite3 connections must not be shared across threads)."""

    def __init__(self, path: Path, schema: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        # executescript manages its own transaction; IF NOT EXISTS makes it safe to race.
        self.connection().executescript(schema)

    def connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: take the write lock up front so read-then-write cannot race. A
        lock held by another process past the busy timeout is ``StorageBusy``."""
        connection = self.connection()
        with _busy_as_storage_busy():
            connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException as error:
            connection.execute("ROLLBACK")
            if _locked(error):
                raise StorageBusy(str(error)) from error
            raise
        with _busy_as_storage_busy():
            connection.execute("COMMIT")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
