"""`billify serve` supervises its worker processes: one killed with SIGKILL mid-document is
replaced, and the document it held is read again at once, not after its lease runs out."""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import png_bytes
from tests.processes import billify_serve, children_of, wait_for
from tests.smtp_server import smtp_server

pytestmark = pytest.mark.slow


def workers_of_serve() -> list[int]:
    (serve,) = children_of(os.getpid(), " serve ")
    return children_of(serve, "spawn_main")


def test_a_killed_worker_is_replaced_and_its_document_redelivered_at_once(
    tmp_path: Path,
) -> None:
    with smtp_server() as (handler, port):
        env = {
            **os.environ,
            "BILLIFY_DATA_DIR": str(tmp_path / "var"),
            "BILLIFY_SMTP_HOST": "127.0.0.1",
            "BILLIFY_SMTP_PORT": str(port),
            "BILLIFY_WORKERS": "1",
            "BILLIFY_AUTH": "off",  # this test reads records; sign-in is tested in test_serve
            "BILLIFY_POLL_INTERVAL": "0.05",
            "BILLIFY_VISIBILITY_TIMEOUT": "300",  # a redelivery by lease would come too late
        }
        with billify_serve(env, tmp_path / "serve.log") as base:
            wait_for(lambda: len(workers_of_serve()) == 1, 30, "the worker process")
            (first,) = workers_of_serve()
            response = httpx.post(
                f"{base}/upload-invoice",
                data={"name": "Ana", "email": "ana@example.com"},
                files={"file": ("r.png", png_bytes(40, 20), "image/png")},
            )
            assert response.status_code == 202
            status = f"{base}/invoices/{response.json()['id']}"
            wait_for(lambda: httpx.get(status).json()["status"] == "processing", 30, "reading")
            os.kill(first, signal.SIGKILL)  # while it loads the OCR engine and reads
            wait_for(lambda: workers_of_serve() not in ([], [first]), 30, "a new worker")
            wait_for(lambda: len(handler.received()) >= 1, 90, "the notice")
            invoice = httpx.get(status).json()
        keys = Counter(str(m["X-Billify-Key"]) for m in handler.received())
    assert keys == Counter({f"notice:{response.json()['id']}": 1})
    assert invoice["status"] in {"processed", "needs_review", "failed"}
    assert "message(s) of dead worker(s)" in (tmp_path / "serve.log").read_text()
