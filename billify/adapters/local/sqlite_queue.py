"""A durable work queue in SQLite with SQS semantics: at-least-once delivery.

- ``receive`` leases a message for a visibility timeout; if the consumer dies (even ``kill -9``)
  the lease runs out and the message is delivered again.
- ``fail`` makes it visible again after an exponential backoff; after ``max_attempts``
  deliveries it moves to the ``dead_letters`` table, from where ``retry_dead_letters`` re-queues.
- ``ack`` only deletes the message if the caller still holds the lease (its receipt), so a slow
  consumer whose lease expired cannot delete a message another consumer is working on.

Libraries considered: persist-queue's SQLiteAckQueue has no visibility timeout across processes,
and huey deletes a task when it is taken (a killed consumer loses it); hence this small module.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from billify.adapters.local.sqlite import BUSY_TIMEOUT_SECONDS, SqliteDatabase
from billify.ports import InvoiceMessage, ReportJob

_SEND_BATCH = 1000  # messages per transaction when queueing many

# Columns added since the first release; an older queue file gains them when opened.
_ADDED_COLUMNS = {"holder": "INTEGER", "dedup_key": "TEXT"}
_DEDUP_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS queue_messages_dedup ON queue_messages (dedup_key)"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    enqueued_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    receipt TEXT,
    last_error TEXT,
    holder INTEGER,                   -- pid of the process holding the lease
    dedup_key TEXT                    -- a message with this key is queued once while waiting
);
CREATE INDEX IF NOT EXISTS queue_messages_visible ON queue_messages (visible_at, id);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    enqueued_at REAL NOT NULL,
    failed_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    body: dict[str, Any]
    attempts: int
    receipt: str


@dataclass(frozen=True)
class DeadLetter:
    id: int
    message_id: int
    body: dict[str, Any]
    attempts: int
    last_error: str | None
    failed_at: float


class SqliteQueue:
    def __init__(
        self,
        path: Path,
        *,
        visibility_timeout: float = 300.0,
        max_attempts: int = 5,
        backoff_base: float = 2.0,
        backoff_max: float = 300.0,
        clock: Callable[[], float] = time.time,
        on_dead_letter: Callable[[dict[str, Any], str], None] | None = None,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self.path = path
        self._db = SqliteDatabase(path, _SCHEMA, busy_timeout)
        self._add_columns()
        self.visibility_timeout = visibility_timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._clock = clock
        # Called after a message moves to the dead letters (the app marks its invoice failed).
        self.on_dead_letter = on_dead_letter

    # -- the InvoiceQueue and ReportQueue ports (one queue file serves one of them) ------------
    def enqueue(self, message: InvoiceMessage) -> None:
        self.send(message.to_json())

    def enqueue_reports(self, jobs: Iterable[ReportJob]) -> int:
        bodies = (job.to_json() for job in jobs)
        count = 0
        while batch := list(itertools.islice(bodies, _SEND_BATCH)):  # batched() is 3.12+
            count += self.send_many(batch, dedup=lambda body: f"{body['month']}:{body['email']}")
        return count

    # -- queue operations ------------------------------------------------------------------------
    def send(self, body: dict[str, Any], delay: float = 0.0) -> int:
        with self._db.transaction() as db:
            return self.insert(db, body, delay)

    def insert(self, db: sqlite3.Connection, body: dict[str, Any], delay: float = 0.0) -> int:
        """Queue within the caller's transaction on this queue's database file (the intake
        records an invoice and queues it in one commit)."""
        now = self._clock()
        cursor = db.execute(
            "INSERT INTO queue_messages (body, enqueued_at, visible_at) VALUES (?, ?, ?)",
            (json.dumps(body), now, now + delay),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def send_many(
        self,
        bodies: Sequence[dict[str, Any]],
        dedup: Callable[[dict[str, Any]], str] | None = None,
    ) -> int:
        """Queue many messages in one transaction. With ``dedup``, a message whose key is the
        key of one still in the queue is not queued again. Returns how many were given."""
        now = self._clock()
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO queue_messages (body, enqueued_at, visible_at, dedup_key)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING",
                [(json.dumps(b), now, now, dedup(b) if dedup else None) for b in bodies],
            )
        return len(bodies)

    def receive(self, visibility_timeout: float | None = None) -> QueuedMessage | None:
        """Lease the oldest visible message, or return None if there is none."""
        messages = self.receive_many(1, visibility_timeout)
        return messages[0] if messages else None

    def receive_many(
        self, limit: int, visibility_timeout: float | None = None
    ) -> list[QueuedMessage]:
        """Lease up to ``limit`` of the oldest visible messages in one transaction, recording
        this process as their holder."""
        lease = self.visibility_timeout if visibility_timeout is None else visibility_timeout
        while True:
            now = self._clock()
            receipt = uuid.uuid4().hex
            with self._db.transaction() as db:
                rows = db.execute(
                    "UPDATE queue_messages SET visible_at = ?, attempts = attempts + 1,"
                    " receipt = ?, holder = ? WHERE id IN (SELECT id FROM queue_messages"
                    " WHERE visible_at <= ? ORDER BY visible_at, id LIMIT ?)"
                    " RETURNING id, body, attempts, last_error",
                    (now + lease, receipt, os.getpid(), now, limit),
                ).fetchall()
                # Delivered max_attempts times without an ack or a fail: its consumers keep
                # dying on it (a poison message), so it goes to the dead letters unseen.
                poison = [r for r in rows if r["attempts"] > self.max_attempts]
                for row in poison:
                    self._dead_letter(db, row["id"], _died_on(row))
            for row in poison:
                self._notify_dead(json.loads(row["body"]), _died_on(row))
            leased = [
                QueuedMessage(r["id"], json.loads(r["body"]), r["attempts"], receipt)
                for r in sorted(rows, key=lambda r: r["id"])
                if r["attempts"] <= self.max_attempts
            ]
            if leased or not rows:
                return leased

    def ack(self, message: QueuedMessage) -> bool:
        """Delete a finished message. False if the lease was lost (another consumer has it)."""
        return self.ack_many([message]) == 1

    def ack_many(self, messages: Sequence[QueuedMessage]) -> int:
        """Delete finished messages in one transaction; how many were still held."""
        with self._db.transaction() as db:
            deleted = 0
            for message in messages:
                cursor = db.execute(
                    "DELETE FROM queue_messages WHERE id = ? AND receipt = ?",
                    (message.id, message.receipt),
                )
                deleted += cursor.rowcount
        return deleted

    def release_held_by(self, pids: Iterable[int]) -> int:
        """Make the messages leased by these processes (known dead) visible again at once,
        instead of after their lease; how many."""
        pids = list(pids)
        if not pids:
            return 0
        with self._db.transaction() as db:
            cursor = db.execute(
                "UPDATE queue_messages SET visible_at = ?, receipt = NULL, holder = NULL"
                f" WHERE holder IN ({','.join('?' * len(pids))}) AND receipt IS NOT NULL",
                (self._clock(), *pids),
            )
        return cursor.rowcount

    def holders(self) -> set[int]:
        """The processes holding a lease that has not run out."""
        rows = self._db.connection().execute(
            "SELECT DISTINCT holder FROM queue_messages WHERE receipt IS NOT NULL"
            " AND holder IS NOT NULL AND visible_at > ?",
            (self._clock(),),
        )
        return {int(row[0]) for row in rows}

    def fail(self, message: QueuedMessage, error: str) -> bool:
        """Record a failed attempt. Returns True if the message went to the dead letters."""
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT attempts FROM queue_messages WHERE id = ? AND receipt = ?",
                (message.id, message.receipt),
            ).fetchone()
            if row is None:
                return False
            dead = bool(row["attempts"] >= self.max_attempts)
            if dead:
                self._dead_letter(db, message.id, error)
            else:
                self._postpone(db, message.id, row["attempts"], error)
        if dead:
            self._notify_dead(message.body, error)
        return dead

    def retry_later(self, message: QueuedMessage, delay: float) -> bool:
        """Give a message back to be delivered again after ``delay`` seconds, this delivery not
        counted as an attempt (nothing failed: its work was not due yet)."""
        with self._db.transaction() as db:
            cursor = db.execute(
                "UPDATE queue_messages SET visible_at = ?, receipt = NULL, holder = NULL,"
                " attempts = MAX(attempts - 1, 0) WHERE id = ? AND receipt = ?",
                (self._clock() + delay, message.id, message.receipt),
            )
        return cursor.rowcount == 1

    def _postpone(self, db: Any, message_id: int, attempts: int, error: str) -> None:
        delay = min(self.backoff_max, self.backoff_base * 2 ** (attempts - 1))
        db.execute(
            "UPDATE queue_messages SET visible_at = ?, receipt = NULL, last_error = ? WHERE id = ?",
            (self._clock() + delay, error[:2000], message_id),
        )

    def extend(self, message: QueuedMessage, visibility_timeout: float) -> bool:
        """Keep the lease for longer (a heartbeat for slow documents)."""
        with self._db.transaction() as db:
            cursor = db.execute(
                "UPDATE queue_messages SET visible_at = ? WHERE id = ? AND receipt = ?",
                (self._clock() + visibility_timeout, message.id, message.receipt),
            )
        return cursor.rowcount == 1

    def adopt(self, old: Path) -> int:
        """Move the messages and dead letters of a queue file from an older release into this
        queue, then set the file aside (``.adopted``); how many messages moved. Renamed first,
        so of several processes starting at once only one moves them; a crash midway moves
        them again at the next start (delivered twice at worst, which processing tolerates)."""
        taken = old.with_name(old.name + ".adopting")
        for suffix in ("", "-wal", "-shm"):  # a WAL file holds commits not yet in the file
            source = Path(f"{old}{suffix}")
            with contextlib.suppress(FileNotFoundError):
                source.rename(f"{taken}{suffix}")
        if not taken.exists():
            return 0
        source_db = sqlite3.connect(taken)
        try:
            messages = source_db.execute("SELECT body, attempts FROM queue_messages").fetchall()
            dead = source_db.execute(
                "SELECT message_id, body, attempts, last_error, enqueued_at, failed_at"
                " FROM dead_letters"
            ).fetchall()
        finally:
            source_db.close()
        now = self._clock()
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO queue_messages (body, enqueued_at, visible_at, attempts)"
                " VALUES (?, ?, ?, ?)",
                [(body, now, now, attempts) for body, attempts in messages],
            )
            db.executemany(
                "INSERT INTO dead_letters (message_id, body, attempts, last_error, enqueued_at,"
                " failed_at) VALUES (?, ?, ?, ?, ?, ?)",
                dead,
            )
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{taken}{suffix}").rename(f"{old}.adopted{suffix}")
        return len(messages)

    # -- dead letters ----------------------------------------------------------------------------
    def dead_letters(self) -> list[DeadLetter]:
        rows = self._db.connection().execute("SELECT * FROM dead_letters ORDER BY id").fetchall()
        return [
            DeadLetter(
                r["id"],
                r["message_id"],
                json.loads(r["body"]),
                r["attempts"],
                r["last_error"],
                r["failed_at"],
            )
            for r in rows
        ]

    def retry_dead_letters(self, ids: list[int] | None = None) -> int:
        """Move dead letters (all, or the given ids) back to the queue with fresh attempts."""
        now = self._clock()
        where, params = (
            ("", ()) if ids is None else (f" WHERE id IN ({','.join('?' * len(ids))})", tuple(ids))
        )
        with self._db.transaction() as db:
            rows = db.execute(f"SELECT id, body FROM dead_letters{where}", params).fetchall()
            for row in rows:
                db.execute(
                    "INSERT INTO queue_messages (body, enqueued_at, visible_at) VALUES (?, ?, ?)",
                    (row["body"], now, now),
                )
                db.execute("DELETE FROM dead_letters WHERE id = ?", (row["id"],))
        return len(rows)

    def depth(self) -> dict[str, int]:
        connection = self._db.connection()
        now = self._clock()
        visible = connection.execute(
            "SELECT COUNT(*) FROM queue_messages WHERE visible_at <= ?", (now,)
        ).fetchone()[0]
        total = connection.execute("SELECT COUNT(*) FROM queue_messages").fetchone()[0]
        dead = connection.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0]
        return {"visible": visible, "in_flight_or_delayed": total - visible, "dead": dead}

    def close(self) -> None:
        self._db.close()

    def _add_columns(self) -> None:
        db = self._db.connection()
        present = {row["name"] for row in db.execute("PRAGMA table_info(queue_messages)")}
        for name, kind in _ADDED_COLUMNS.items():
            if name not in present:
                # Another process may have added it just now.
                with contextlib.suppress(sqlite3.OperationalError):
                    db.execute(f"ALTER TABLE queue_messages ADD COLUMN {name} {kind}")
        db.execute(_DEDUP_INDEX)

    def _notify_dead(self, body: dict[str, Any], error: str) -> None:
        if self.on_dead_letter is not None:
            self.on_dead_letter(body, error)

    def _dead_letter(self, db: Any, message_id: int, error: str) -> None:
        db.execute(
            "INSERT INTO dead_letters (message_id, body, attempts, last_error, enqueued_at,"
            " failed_at) SELECT id, body, attempts, ?, enqueued_at, ? FROM queue_messages"
            " WHERE id = ?",
            (error[:2000], self._clock(), message_id),
        )
        db.execute("DELETE FROM queue_messages WHERE id = ?", (message_id,))


def _died_on(row: sqlite3.Row) -> str:
    return str(row["last_error"] or "consumer died before finishing (lease expired)")
