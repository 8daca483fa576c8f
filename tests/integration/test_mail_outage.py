"""The mail server is down (refused), then answers 4xx/5xx, then comes back: every notice is
sent afterwards exactly once, and the worker keeps processing meanwhile."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from billify.bootstrap import build_local
from billify.config import Settings
from billify.domain.models import InvoiceStatus
from billify.domain.uploads import validate_upload
from billify.entrypoints.worker import Worker
from tests.conftest import png_bytes
from tests.fakes import FakeExtractor
from tests.smtp_server import free_port, smtp_server


def drain(worker: Worker, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not worker.run_once():
            time.sleep(0.02)


def test_notices_survive_a_mail_outage(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(
        data_dir=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_timeout=2,
        retry_backoff=0.05,
        retry_backoff_max=0.2,
        max_attempts=50,
    )
    app = build_local(settings, extractor=FakeExtractor())
    ids = [
        app.submit(validate_upload("Ana", "ana@example.com", png_bytes(8 + n, 8))).invoice.id
        for n in range(5)
    ]
    worker = Worker(app)

    drain(worker, 1.0)  # nobody listens on the port: connection refused
    for invoice_id in ids:
        stored = app.repository.get(invoice_id)
        assert stored is not None and stored.status == InvoiceStatus.PROCESSED  # not blocked
        assert stored.notice_sent_at is None

    with smtp_server(port) as (handler, _):
        handler.refuse_with = "451 4.3.0 mailbox busy"
        drain(worker, 0.5)
        handler.refuse_with = "554 5.3.0 transaction failed"
        drain(worker, 0.5)
        assert handler.received() == []
        handler.refuse_with = None
        deadline = time.monotonic() + 20
        while len(handler.received()) < len(ids) and time.monotonic() < deadline:
            drain(worker, 0.2)
        drain(worker, 0.5)  # nothing more may arrive
        keys = Counter(str(m["X-Billify-Key"]) for m in handler.received())
    assert keys == Counter({f"notice:{i}": 1 for i in ids})
    assert app.queue.depth() == {"visible": 0, "in_flight_or_delayed": 0, "dead": 0}
