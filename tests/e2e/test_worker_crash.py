"""SIGKILL a worker mid-batch: after a restart, every invoice is processed exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from billify.bootstrap import build_local
from billify.config import Settings
from billify.domain.models import InvoiceStatus
from billify.domain.uploads import validate_upload
from tests.conftest import REPO, png_bytes
from tests.fakes import FakeExtractor
from tests.smtp_server import RecordingHandler, smtp_server

pytestmark = pytest.mark.slow
INVOICES = 24


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(REPO / "tests/e2e/slow_worker.py")], env=env,
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def notices(handler: RecordingHandler) -> Counter[str]:
    return Counter(str(m["X-Billify-Key"]) for m in handler.received())


def test_sigkill_mid_batch_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    with smtp_server() as (handler, port):
        env = {**os.environ, "BILLIFY_DATA_DIR": str(tmp_path / "data"),
               "BILLIFY_SMTP_HOST": "127.0.0.1", "BILLIFY_SMTP_PORT": str(port),
               "BILLIFY_VISIBILITY_TIMEOUT": "2", "BILLIFY_POLL_INTERVAL": "0.05",
               "MARKER_DIR": str(markers), "EXTRACT_SECONDS": "0.2", "PYTHONPATH": str(REPO)}
        settings = Settings(data_dir=tmp_path / "data")
        app = build_local(settings, extractor=FakeExtractor())
        expected = {}
        for n in range(INVOICES):
            content = png_bytes(10 + n, 10)
            invoice = app.submit(validate_upload("Ana", "ana@example.com", content)).invoice
            expected[invoice.id] = Decimal(len(content)) / 100

        first = start_worker(env)
        # Kill while a document is being extracted, a few invoices into the batch.
        wait_for(lambda: len(handler.received()) >= 5, 60, "the first notices")
        started = len(list(markers.iterdir()))
        wait_for(lambda: len(list(markers.iterdir())) > started, 30, "the next extraction")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert first.returncode == -signal.SIGKILL
        assert len(handler.received()) < INVOICES

        second = start_worker(env)
        try:
            wait_for(lambda: len(handler.received()) >= INVOICES, 120, "every notice")
            time.sleep(3)  # longer than the visibility timeout: any stray redelivery shows up
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(10)

        counts = notices(handler)
        assert counts == Counter({f"notice:{i}": 1 for i in expected})
        for invoice_id, total in expected.items():
            stored = app.repository.get(invoice_id)
            assert stored is not None and stored.status == InvoiceStatus.PROCESSED
            assert stored.total == total and stored.notice_sent_at is not None
        for message in handler.received():
            invoice_id = str(message["X-Billify-Key"]).removeprefix("notice:")
            assert f"EUR {expected[invoice_id]:,.2f}" in str(message["Subject"])
        assert app.queue.depth() == {"visible": 0, "in_flight_or_delayed": 0, "dead": 0}
