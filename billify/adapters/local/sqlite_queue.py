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

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from billify.adapters.local.sqlite import BUSY_TIMEOUT_SECONDS, SqliteDatabase
from billify.ports import InvoiceMessage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    enqueued_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    receipt TEXT,
    last_error TEXT
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
        self._db = SqliteDatabase(path, _SCHEMA, busy_timeout)
        self.visibility_timeout = visibility_timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._clock = clock
        # Called after a message moves to the dead letters (the app marks its invoice failed).
        self.on_dead_letter = on_dead_letter

    # -- the InvoiceQueue port -----------------------------------------------------------------
    def enqueue(self, message: InvoiceMessage) -> None:
        self.send(message.to_json())

    # -- queue operations ------------------------------------------------------------------------
    def send(self, body: dict[str, Any], delay: float = 0.0) -> int:
        now = self._clock()
        with self._db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO queue_messages (body, enqueued_at, visible_at) VALUES (?, ?, ?)",
                (json.dumps(body), now, now + delay),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def receive(self, visibility_timeout: float | None = None) -> QueuedMessage | None:
        """Lease the oldest visible message, or return None if there is none."""
        lease = self.visibility_timeout if visibility_timeout is None else visibility_timeout
        while True:
            now = self._clock()
            receipt = uuid.uuid4().hex
            with self._db.transaction() as db:
                row = db.execute(
                    "UPDATE queue_messages SET visible_at = ?, attempts = attempts + 1, receipt = ?"
                    " WHERE id = (SELECT id FROM queue_messages WHERE visible_at <= ?"
                    " ORDER BY visible_at, id LIMIT 1) RETURNING id, body, attempts, last_error",
                    (now + lease, receipt, now),
                ).fetchone()
                if row is None:
                    return None
                if row["attempts"] <= self.max_attempts:
                    return QueuedMessage(
                        row["id"], json.loads(row["body"]), row["attempts"], receipt
                    )
                # Delivered max_attempts times without an ack or a fail: its consumers keep
                # dying on it (a poison message), so it goes to the dead letters unseen.
                error = row["last_error"] or "consumer died before finishing (lease expired)"
                self._dead_letter(db, row["id"], error)
            self._notify_dead(json.loads(row["body"]), error)

    def ack(self, message: QueuedMessage) -> bool:
        """Delete a finished message. False if the lease was lost (another consumer has it)."""
        with self._db.transaction() as db:
            cursor = db.execute(
                "DELETE FROM queue_messages WHERE id = ? AND receipt = ?",
                (message.id, message.receipt),
            )
        return cursor.rowcount == 1

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
