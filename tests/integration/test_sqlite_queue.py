"""What only the SQLite queue has: leases, acks, backoff, dead letters, holders, old files. The
InvoiceQueue contract it keeps with the fake and SQS (a message queued survives reopening the
file, and arrives as it was queued): test_queue_contract.py."""

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from billify.adapters.local.sqlite_queue import SqliteQueue


class Ticker:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def queue(tmp_path: Path, ticker: Ticker) -> SqliteQueue:
    return SqliteQueue(
        tmp_path / "q.sqlite3",
        visibility_timeout=30,
        max_attempts=3,
        backoff_base=2,
        backoff_max=10,
        clock=ticker,
    )


def test_fifo_and_ack_deletes(queue: SqliteQueue) -> None:
    queue.send({"n": 1})
    queue.send({"n": 2})
    first = queue.receive()
    assert first is not None and first.body == {"n": 1} and first.attempts == 1
    assert queue.ack(first)
    second = queue.receive()
    assert second is not None and second.body == {"n": 2}
    assert queue.receive() is None


def test_unfinished_message_is_redelivered_after_the_visibility_timeout(
    queue: SqliteQueue, ticker: Ticker
) -> None:
    queue.send({"n": 1})
    taken = queue.receive()
    assert taken is not None
    assert queue.receive() is None  # leased: invisible
    ticker.now += 31
    again = queue.receive()
    assert again is not None and again.body == {"n": 1} and again.attempts == 2
    assert not queue.ack(taken)  # the stale lease cannot delete it
    assert queue.ack(again)


def test_failures_back_off_exponentially_then_dead_letter(
    queue: SqliteQueue, ticker: Ticker
) -> None:
    dead: list[tuple[dict[str, Any], str]] = []
    queue.on_dead_letter = lambda body, error: dead.append((body, error))
    queue.send({"invoice_id": "x"})
    message = queue.receive()
    assert message is not None and not queue.fail(message, "boom 1")
    ticker.now += 1.9
    assert queue.receive() is None  # backoff 2 s
    ticker.now += 0.2
    message = queue.receive()
    assert message is not None and not queue.fail(message, "boom 2")
    ticker.now += 3.9
    assert queue.receive() is None  # backoff 4 s
    ticker.now += 0.2
    message = queue.receive()
    assert message is not None and message.attempts == 3
    assert queue.fail(message, "boom 3")  # third failure of 3: dead
    assert queue.receive() is None
    letters = queue.dead_letters()
    assert [(d.body, d.attempts, d.last_error) for d in letters] == [
        ({"invoice_id": "x"}, 3, "boom 3")
    ]
    assert dead == [({"invoice_id": "x"}, "boom 3")]


def test_message_whose_consumers_keep_dying_is_dead_lettered(
    queue: SqliteQueue, ticker: Ticker
) -> None:
    queue.send({"invoice_id": "poison"})
    for _ in range(3):
        assert queue.receive() is not None  # taken, then the consumer dies
        ticker.now += 31
    assert queue.receive() is None
    assert queue.dead_letters()[0].body == {"invoice_id": "poison"}
    assert "lease expired" in (queue.dead_letters()[0].last_error or "")


def test_dead_letters_can_be_retried(queue: SqliteQueue, ticker: Ticker) -> None:
    queue.send({"n": 1})
    for _ in range(3):
        message = queue.receive()
        assert message is not None
        queue.fail(message, "nope")
        ticker.now += 100
    assert len(queue.dead_letters()) == 1
    assert queue.retry_dead_letters() == 1
    assert queue.dead_letters() == []
    message = queue.receive()
    assert message is not None and message.attempts == 1 and message.body == {"n": 1}


def test_extend_keeps_the_lease(queue: SqliteQueue, ticker: Ticker) -> None:
    queue.send({"n": 1})
    message = queue.receive()
    assert message is not None
    ticker.now += 25
    assert queue.extend(message, 30)
    ticker.now += 25
    assert queue.receive() is None


def test_concurrent_consumers_never_share_a_message(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.sqlite3", visibility_timeout=60)
    for n in range(200):
        queue.send({"n": n})
    seen: list[int] = []
    lock = threading.Lock()

    def consume() -> None:
        while (message := queue.receive()) is not None:
            with lock:
                seen.append(message.body["n"])
            assert queue.ack(message)

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(200))
    assert queue.depth() == {"visible": 0, "in_flight_or_delayed": 0, "dead": 0}


def test_many_are_sent_received_and_acked_in_one_go(queue: SqliteQueue) -> None:
    assert queue.send_many([{"n": n} for n in range(5)]) == 5
    leased = queue.receive_many(3)
    assert [m.body["n"] for m in leased] == [0, 1, 2]
    assert [m.body["n"] for m in queue.receive_many(10)] == [3, 4]
    assert queue.ack_many(leased) == 3
    assert queue.depth() == {"visible": 0, "in_flight_or_delayed": 2, "dead": 0}


def test_a_deduplicated_message_waits_in_the_queue_once(queue: SqliteQueue) -> None:
    def key(body: dict[str, Any]) -> str:
        return str(body["user"])

    queue.send_many([{"user": "ana"}, {"user": "bo"}], dedup=key)
    queue.send_many([{"user": "ana"}, {"user": "cy"}], dedup=key)  # ana still waits
    leased = queue.receive_many(10)
    assert sorted(m.body["user"] for m in leased) == ["ana", "bo", "cy"]
    queue.ack_many(leased)
    queue.send_many([{"user": "ana"}], dedup=key)  # done and gone: queued again
    assert [m.body["user"] for m in queue.receive_many(10)] == ["ana"]


def test_messages_of_a_dead_holder_come_back_at_once(queue: SqliteQueue) -> None:
    queue.send({"n": 1})
    held = queue.receive()
    assert held is not None and queue.holders() == {os.getpid()}
    assert queue.receive() is None  # leased for 30 s
    assert queue.release_held_by([os.getpid() + 1]) == 0  # another process: untouched
    assert queue.release_held_by([os.getpid()]) == 1
    again = queue.receive()
    assert again is not None and again.body == {"n": 1} and again.attempts == 2
    assert not queue.ack(held)  # the first lease is void


def test_retry_later_does_not_count_an_attempt(queue: SqliteQueue, ticker: Ticker) -> None:
    queue.send({"n": 1})
    for _ in range(5):  # more than max_attempts (3): never dead-lettered for it
        message = queue.receive()
        assert message is not None and message.attempts == 1
        assert queue.retry_later(message, 60)
        assert queue.receive() is None
        ticker.now += 61
    assert queue.depth()["dead"] == 0


def test_an_older_queue_file_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE queue_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL,"
            " enqueued_at REAL NOT NULL, visible_at REAL NOT NULL, attempts INTEGER NOT NULL"
            " DEFAULT 0, receipt TEXT, last_error TEXT);"
            "INSERT INTO queue_messages (body, enqueued_at, visible_at)"
            " VALUES ('{\"n\": 7}', 0, 0);"
        )
    queue = SqliteQueue(path)
    message = queue.receive()
    assert message is not None and message.body == {"n": 7}  # nothing accepted is lost
    assert queue.holders() == {os.getpid()}
