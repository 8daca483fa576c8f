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


def test_survives_reopening_the_file(tmp_path: Path, ticker: Ticker) -> None:
    path = tmp_path / "q.sqlite3"
    SqliteQueue(path, clock=ticker).send({"n": 1})
    reopened = SqliteQueue(path, clock=ticker)
    message = reopened.receive()
    assert message is not None and message.body == {"n": 1}


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
