"""Another process holds the database's write lock: requests wait, or answer 503 past the busy
timeout; nothing is half-stored and the database stays intact."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from billify.bootstrap import build_local
from billify.config import Settings
from billify.entrypoints.http import create_app
from tests.conftest import png_bytes
from tests.fakes import FakeExtractor, FakeMailer

HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


@contextmanager
def locked(database: Path, seconds: float) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(database), str(seconds)], stdout=subprocess.PIPE
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    try:
        yield
    finally:
        holder.wait(30)


def client_for(data_dir: Path, busy_timeout: float) -> tuple[TestClient, Settings]:
    settings = Settings(data_dir=data_dir, db_busy_timeout=busy_timeout, auth="off")
    app = build_local(settings, extractor=FakeExtractor(), mailer=FakeMailer())
    return TestClient(create_app(app)), settings


def upload(client: TestClient, seed: int) -> tuple[int, dict[str, object], float]:
    started = time.monotonic()
    response = client.post(
        "/upload-invoice",
        data={"name": "Ana", "email": "ana@example.com"},
        files={"file": ("a.png", png_bytes(seed, seed), "image/png")},
    )
    return response.status_code, response.json(), time.monotonic() - started


def test_a_short_lock_makes_the_request_wait(tmp_path: Path) -> None:
    client, settings = client_for(tmp_path, busy_timeout=10)
    with locked(settings.database_path, 1.5):
        status, body, elapsed = upload(client, 8)
    assert status == 202 and elapsed >= 1.0
    assert client.get(f"/invoices/{body['id']}").json()["status"] == "queued"


def test_a_long_lock_answers_503_and_stores_nothing(tmp_path: Path) -> None:
    client, settings = client_for(tmp_path, busy_timeout=0.3)
    with locked(settings.database_path, 2):
        status, body, _ = upload(client, 8)
        assert client.get("/health").status_code == 200  # readers are not blocked (WAL)
    assert status == 503 and body["error"] == "unavailable"
    assert not [p for p in settings.blob_dir.rglob("*") if p.is_file()]
    status, body, _ = upload(client, 8)  # the same file again, once the lock is gone
    assert status == 202 and body["duplicate"] is False
    check = sqlite3.connect(settings.database_path).execute("PRAGMA integrity_check").fetchone()
    assert check == ("ok",)
    queued = (
        sqlite3.connect(settings.queue_path)
        .execute("SELECT COUNT(*) FROM queue_messages")
        .fetchone()
    )
    assert queued == (1,)
