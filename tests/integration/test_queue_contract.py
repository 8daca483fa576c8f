"""The InvoiceQueue contract over the fake and SQLite (SQS: tests/aws). What arrived in SQLite
is read by a queue opened afresh on the file, as a worker starting later would."""

from __future__ import annotations

from pathlib import Path

import pytest

from billify.adapters.local.sqlite_queue import SqliteQueue
from billify.ports import InvoiceMessage, InvoiceQueue
from tests.contracts.queue import Arrived, QueueContract
from tests.fakes import FakeQueue


class TestFakeQueue(QueueContract):
    @pytest.fixture
    def queue(self) -> FakeQueue:
        return FakeQueue()

    @pytest.fixture
    def arrived(self, queue: FakeQueue) -> Arrived:
        def take() -> list[InvoiceMessage]:
            messages, queue.messages[:] = list(queue.messages), []
            return messages

        return take


class TestSqliteQueue(QueueContract):
    @pytest.fixture
    def queue(self, tmp_path: Path) -> InvoiceQueue:
        return SqliteQueue(tmp_path / "billify.sqlite3")

    @pytest.fixture
    def arrived(self, tmp_path: Path, queue: InvoiceQueue) -> Arrived:
        def take() -> list[InvoiceMessage]:
            worker = SqliteQueue(tmp_path / "billify.sqlite3")
            try:
                leased = worker.receive_many(100)
                assert worker.ack_many(leased) == len(leased)
                return [InvoiceMessage.from_json(message.body) for message in leased]
            finally:
                worker.close()

        return take
