"""An upload's record and queue message are one SQLite commit; an older queue file is adopted."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from billify.adapters.local.intake import SqliteIntake
from billify.adapters.local.sqlite_queue import SqliteQueue
from billify.adapters.local.sqlite_repository import SqliteInvoiceRepository
from billify.bootstrap import LEGACY_QUEUE_FILE, build_local
from billify.config import Settings
from billify.domain.models import Invoice, Uploader
from billify.ports import InvoiceMessage
from tests.fakes import FakeExtractor


def invoice(invoice_id: str) -> Invoice:
    return Invoice(
        id=invoice_id,
        uploader=Uploader("Ana", "ana@example.com"),
        blob_key=f"b/{invoice_id}",
        media_type="image/png",
        file_hash=f"h-{invoice_id}",
        file_size=10,
        received_at=dt.datetime(2026, 11, 3, tzinfo=dt.UTC),
    )


def test_record_and_message_are_kept_together_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "billify.sqlite3"
    repository, queue = SqliteInvoiceRepository(path), SqliteQueue(path)
    intake = SqliteIntake(repository, queue)
    intake.accept(invoice("a"), InvoiceMessage("a", "b/a"))
    assert repository.get("a") is not None
    message = queue.receive()
    assert message is not None and message.body["invoice_id"] == "a"

    def broken_insert(*_: object) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    queue.insert = broken_insert  # type: ignore[method-assign]
    with pytest.raises(sqlite3.OperationalError):
        intake.accept(invoice("b"), InvoiceMessage("b", "b/b"))
    assert repository.get("b") is None  # rolled back with the message


def test_the_intake_refuses_a_queue_in_another_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="database file"):
        SqliteIntake(
            SqliteInvoiceRepository(tmp_path / "a.sqlite3"), SqliteQueue(tmp_path / "b.sqlite3")
        )


def test_messages_of_the_older_queue_file_are_adopted_once(tmp_path: Path) -> None:
    old = SqliteQueue(tmp_path / LEGACY_QUEUE_FILE, max_attempts=1)
    old.send(InvoiceMessage("x", "b/x").to_json())
    old.send(InvoiceMessage("y", "b/y").to_json())
    dead = old.receive()
    assert dead is not None and old.fail(dead, "boom")  # x: a dead letter
    old.close()
    app = build_local(Settings(data_dir=tmp_path), extractor=FakeExtractor())
    message = app.queue.receive()
    assert message is not None and message.body["invoice_id"] == "y"
    assert app.queue.receive() is None
    assert [d.body["invoice_id"] for d in app.queue.dead_letters()] == ["x"]
    assert not (tmp_path / LEGACY_QUEUE_FILE).exists()
    assert (tmp_path / f"{LEGACY_QUEUE_FILE}.adopted").exists()
    again = build_local(Settings(data_dir=tmp_path), extractor=FakeExtractor())
    assert again.queue.depth()["visible"] == 0  # nothing adopted twice
