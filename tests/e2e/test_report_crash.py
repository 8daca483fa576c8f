"""`billify report` killed with SIGKILL halfway, then run again: one report per user."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from billify.bootstrap import build_local
from billify.config import Settings
from billify.domain.uploads import validate_upload
from billify.entrypoints.worker import Worker
from tests.conftest import REPO, png_bytes
from tests.fakes import FakeExtractor, FakeMailer, FixedClock
from tests.processes import children_of
from tests.smtp_server import smtp_server

pytestmark = pytest.mark.slow
USERS = [f"user{n}@example.com" for n in range(6)]


def october_invoices(data_dir: Path, users: list[str]) -> None:
    """One processed invoice per user, received in October 2026."""
    clock = FixedClock(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC))
    app = build_local(
        Settings(data_dir=data_dir), extractor=FakeExtractor(), mailer=FakeMailer(), clock=clock
    )
    for n, email in enumerate(users):
        app.submit(validate_upload(f"User {n}", email, png_bytes(8 + n, 8)))
    worker = Worker(app)
    while worker.run_once():
        pass


def test_report_run_killed_halfway_is_finished_by_the_next(tmp_path: Path) -> None:
    october_invoices(tmp_path, USERS)

    with smtp_server() as (handler, port):
        handler.ack_delay = 0.4
        env = {
            **os.environ,
            "BILLIFY_DATA_DIR": str(tmp_path),
            "BILLIFY_SMTP_HOST": "127.0.0.1",
            "BILLIFY_SMTP_PORT": str(port),
            "BILLIFY_REPORT_CLAIM_LEASE": "1",
        }
        command = [sys.executable, "-m", "billify.entrypoints.cli", "report", "--month", "2026-10"]
        first = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while handler.data_started < 3:  # two reports delivered, the third one in flight
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        delivered_before = len(handler.received())
        assert 2 <= delivered_before < len(USERS)

        time.sleep(1.2)  # the dead run's claim on the third user expires
        handler.ack_delay = 0
        second = subprocess.run(
            command, env=env, cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 0, second.stderr
        third = subprocess.run(
            command, env=env, cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert "0 sent" in third.stdout
        received = Counter(m["To"].addresses[0].addr_spec for m in handler.received())
    assert received == Counter(dict.fromkeys(USERS, 1))


def test_a_report_worker_killed_mid_run_leaves_no_user_without_or_with_two(
    tmp_path: Path,
) -> None:
    users = [f"user{n}@example.com" for n in range(12)]
    october_invoices(tmp_path, users)

    with smtp_server() as (handler, port):
        handler.ack_delay = 0.3
        env = {
            **os.environ,
            "BILLIFY_DATA_DIR": str(tmp_path),
            "BILLIFY_SMTP_HOST": "127.0.0.1",
            "BILLIFY_SMTP_PORT": str(port),
            "BILLIFY_REPORT_CLAIM_LEASE": "1",
        }
        command = [
            *(sys.executable, "-m", "billify.entrypoints.cli", "report"),
            *("--month", "2026-10", "--workers", "2"),
        ]
        run = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while handler.data_started < 2:
            assert time.monotonic() < deadline and run.poll() is None
            time.sleep(0.01)
        workers = children_of(run.pid)
        assert workers, "the run has worker processes"
        os.kill(workers[0], signal.SIGKILL)  # one worker dies mid-send, the run goes on
        stdout, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr
        again = subprocess.run(  # what the killed worker held, once its claim ran out
            command, env=env, cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, again.stderr
        received = Counter(m["To"].addresses[0].addr_spec for m in handler.received())
    assert received == Counter(dict.fromkeys(users, 1)), (stdout, again.stdout)
