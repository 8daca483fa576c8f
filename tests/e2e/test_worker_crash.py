"""A worker killed with SIGKILL during a burst of 200 uploads, then restarted: every invoice is
processed exactly once and gets exactly one notice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from billify.bootstrap import build_local
from billify.config import Settings
from billify.domain.models import InvoiceStatus
from tests.conftest import REPO, png_bytes
from tests.fakes import FakeExtractor
from tests.processes import billify_serve, wait_for
from tests.smtp_server import RecordingHandler, smtp_server

pytestmark = pytest.mark.slow
INVOICES = 200


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(REPO / "tests/e2e/slow_worker.py")],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def notices(handler: RecordingHandler) -> Counter[str]:
    return Counter(str(m["X-Billify-Key"]) for m in handler.received())


def test_sigkill_during_a_burst_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    with smtp_server() as (handler, smtp_port):
        env = {
            **os.environ,
            "BILLIFY_DATA_DIR": str(tmp_path / "data"),
            "BILLIFY_SMTP_HOST": "127.0.0.1",
            "BILLIFY_SMTP_PORT": str(smtp_port),
            "BILLIFY_VISIBILITY_TIMEOUT": "2",
            "BILLIFY_POLL_INTERVAL": "0.02",
            "BILLIFY_WORKERS": "0",
            "BILLIFY_WORKER_NICE": "0",  # not idle: other tests run beside this one (xdist)
            "MARKER_DIR": str(markers),
            "HOLD_FILE": str(tmp_path / "hold"),
            "EXTRACT_SECONDS": "0.02",
            "PYTHONPATH": str(REPO),
        }
        first = start_worker(env)
        try:
            with billify_serve(env, tmp_path / "serve.log") as base:
                expected = burst_and_kill(base, handler, markers, first, tmp_path / "hold")
                second = start_worker(env)
                try:
                    wait_for(lambda: len(handler.received()) >= INVOICES, 180, "every notice")
                    time.sleep(3)  # past the visibility timeout: a stray redelivery would show
                finally:
                    second.send_signal(signal.SIGTERM)
                    second.wait(10)
        finally:
            first.kill()
        assert notices(handler) == Counter({f"notice:{i}": 1 for i in expected})
    app = build_local(Settings(data_dir=tmp_path / "data"), extractor=FakeExtractor())
    for invoice_id, total in expected.items():
        stored = app.repository.get(invoice_id)
        assert stored is not None and stored.status == InvoiceStatus.PROCESSED
        assert stored.total == total and stored.notice_sent_at is not None
    assert app.queue.depth() == {"visible": 0, "in_flight_or_delayed": 0, "dead": 0}


def burst_and_kill(
    base: str,
    handler: RecordingHandler,
    markers: Path,
    worker: subprocess.Popen[bytes],
    hold: Path,
) -> dict[str, Decimal]:
    """Upload INVOICES files at once; mid-burst, while a document is being extracted, SIGKILL
    the worker (``hold`` makes that extraction last long enough for the kill to land in it).
    Returns each accepted invoice's id and expected total."""
    contents = [png_bytes(10 + n % 100, 10 + n // 100) for n in range(INVOICES)]
    with httpx.Client(base_url=base, timeout=30) as client, ThreadPoolExecutor(8) as pool:
        burst = pool.map(
            lambda c: client.post(
                "/upload-invoice",
                data={"name": "Ana", "email": "ana@example.com"},
                files={"file": ("r.png", c, "image/png")},
            ),
            contents,
        )
        wait_for(lambda: len(handler.received()) >= 40, 60, "the first notices")
        hold.touch()
        started = len(list(markers.iterdir()))
        wait_for(lambda: len(list(markers.iterdir())) > started, 30, "an extraction")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        hold.unlink()
        responses = list(burst)
    assert worker.returncode == -signal.SIGKILL
    assert [r.status_code for r in responses] == [202] * INVOICES
    expected = {
        r.json()["id"]: Decimal(len(c)) / 100 for r, c in zip(responses, contents, strict=True)
    }
    assert len(expected) == INVOICES
    assert len(handler.received()) < INVOICES
    return expected
