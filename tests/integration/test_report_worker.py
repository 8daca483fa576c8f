"""The local worker on real SQLite queues: report jobs in batches, their outcomes, and leases
kept alive while a long document is read."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

import pytest

from billify.adapters.local import mailers
from billify.adapters.local.mailers import OutboxMailer
from billify.bootstrap import LocalBillify, build_local
from billify.config import Settings
from billify.domain.models import Extraction
from billify.domain.reports import Month
from billify.domain.uploads import validate_upload
from billify.entrypoints.worker import Worker
from billify.services import REPORT_CLAIM_LEASE, ReportOutcome, ReportResult
from tests.conftest import png_bytes
from tests.fakes import FakeExtractor, FakeMailer, FixedClock

OCTOBER = Month(2026, 10)
USERS = ["ana@example.com", "bo@example.com", "cy@example.com"]


def app_with_october(tmp_path: Path, **adapters: object) -> LocalBillify:
    clock = FixedClock(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC))
    app = build_local(
        Settings(data_dir=tmp_path),
        extractor=FakeExtractor(),
        mailer=adapters.get("mailer") or FakeMailer(),
        clock=clock,
    )
    for n, email in enumerate(USERS):
        app.submit(validate_upload(f"User {n}", email, png_bytes(8 + n, 8)))
    while Worker(app).run_once():
        pass
    clock.advance(days=20)  # November: October's reports are due
    return app


def reports_of(mailer: FakeMailer) -> list[str]:
    return sorted(m.to.email for m in mailer.sent if m.key.startswith("report:"))


def test_report_jobs_are_sent_once_each_however_often_they_are_queued(tmp_path: Path) -> None:
    app = app_with_october(tmp_path)
    assert isinstance(app.mailer, FakeMailer)
    assert app.queue_monthly_reports(OCTOBER) == 3
    assert app.queue_monthly_reports(OCTOBER) == 3  # still waiting: queued once
    seen: list[ReportResult] = []
    worker = Worker(app, on_report=seen.append)
    assert worker.run_once() and not worker.run_once()
    assert reports_of(app.mailer) == USERS
    assert [r.outcome for r in seen] == [ReportOutcome.SENT] * 3
    app.queue_monthly_reports(OCTOBER)  # a second monthly run
    while worker.run_once():
        pass
    assert reports_of(app.mailer) == USERS
    assert [r.outcome for r in seen[3:]] == [ReportOutcome.ALREADY_SENT] * 3
    assert app.reports.depth() == {"visible": 0, "in_flight_or_delayed": 0, "dead": 0}


def test_the_outbox_writes_a_batch_of_reports_with_one_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = OutboxMailer(tmp_path / "outbox", "billify@example.com")
    app = app_with_october(tmp_path, mailer=outbox)
    app.queue_monthly_reports(OCTOBER)
    batches: list[int] = []
    write = mailers.write_all_durably
    monkeypatch.setattr(mailers, "write_all_durably", lambda f: (batches.append(len(f)), write(f)))
    assert Worker(app).run_once()
    assert batches == [3]
    written = sorted(p.name for p in (tmp_path / "outbox").glob("report*.eml"))
    assert written == [f"report_2026-10_{e.replace('@', '_')}.eml" for e in USERS]
    assert all(app.repository.report_sent("2026-10", email) for email in USERS)


def test_a_failed_report_is_retried_by_the_queue_or_counted_by_a_run_that_ends(
    tmp_path: Path,
) -> None:
    app = app_with_october(tmp_path)
    assert isinstance(app.mailer, FakeMailer)
    app.mailer.fail_for = {"bo@example.com"}
    app.queue_monthly_reports(OCTOBER)
    Worker(app).run_once()
    assert reports_of(app.mailer) == ["ana@example.com", "cy@example.com"]
    assert app.reports.depth()["in_flight_or_delayed"] == 1  # bo's job, backing off

    other = app_with_october(tmp_path / "second")
    assert isinstance(other.mailer, FakeMailer)
    other.mailer.fail_for = {"bo@example.com"}
    other.queue_monthly_reports(OCTOBER)
    seen: list[ReportResult] = []
    Worker(other, report_retries=False, on_report=seen.append).run_once()
    failed = [r for r in seen if r.outcome == ReportOutcome.FAILED]
    assert [r.job.email for r in failed] == ["bo@example.com"] and "unavailable" in str(
        failed[0].error
    )
    assert other.reports.depth()["in_flight_or_delayed"] == 0  # counted, not retried
    assert not other.repository.report_sent("2026-10", "bo@example.com")


def test_a_report_claimed_elsewhere_is_looked_at_again_after_the_claim(tmp_path: Path) -> None:
    app = app_with_october(tmp_path)
    assert isinstance(app.mailer, FakeMailer)
    taken = app.repository.claim_reports(
        "2026-10", ["bo@example.com"], app.clock.now(), REPORT_CLAIM_LEASE
    )
    assert taken == {"bo@example.com"}  # a worker that then died, say
    app.queue_monthly_reports(OCTOBER)
    Worker(app).run_once()
    assert reports_of(app.mailer) == ["ana@example.com", "cy@example.com"]
    depth = app.reports.depth()
    assert depth["in_flight_or_delayed"] == 1 and depth["dead"] == 0


class SlowExtractor(FakeExtractor):
    def extract(self, document: bytes, media_type: str) -> Extraction:
        time.sleep(1.2)
        return super().extract(document, media_type)


def test_a_long_document_keeps_its_lease_and_is_read_once(tmp_path: Path) -> None:
    extractor = SlowExtractor()
    app = build_local(
        Settings(data_dir=tmp_path, visibility_timeout=0.3),
        extractor=extractor,
        mailer=FakeMailer(),
    )
    app.submit(validate_upload("Ana", "ana@example.com", png_bytes(8, 8)))
    busy = threading.Thread(target=Worker(app).run_once)
    busy.start()
    time.sleep(0.2)
    other = build_local(Settings(data_dir=tmp_path, visibility_timeout=0.3), mailer=FakeMailer())
    for _ in range(8):  # four visibility timeouts: without heartbeats it would be redelivered
        assert other.queue.receive() is None
        time.sleep(0.1)
    busy.join()
    assert extractor.calls == 1
    assert app.queue.depth() == {"visible": 0, "in_flight_or_delayed": 0, "dead": 0}


def scheduling_of(app: LocalBillify) -> dict[str, int]:
    """The scheduling policy of a worker's thread and of a thread it starts, as seen from
    inside its run loop."""
    stop = threading.Event()
    policies: dict[str, int] = {}

    def look() -> bool:
        policies["worker"] = os.sched_getscheduler(0)
        child = threading.Thread(target=lambda: policies.update(child=os.sched_getscheduler(0)))
        child.start()
        child.join()
        stop.set()
        return False

    worker = Worker(app, stop)
    worker.run_once = look  # type: ignore[method-assign]
    runner = threading.Thread(target=worker.run)
    runner.start()
    runner.join(10)
    return policies


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_a_worker_and_the_threads_it_starts_run_at_idle_priority(tmp_path: Path) -> None:
    """Uploads are answered by threads of normal priority: a worker reading a document must
    give way to them at once, heartbeats and OCR threads included."""
    idle = build_local(Settings(data_dir=tmp_path), extractor=FakeExtractor(), mailer=FakeMailer())
    assert scheduling_of(idle) == {"worker": os.SCHED_IDLE, "child": os.SCHED_IDLE}
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the caller's thread is left as it was

    settings = Settings(data_dir=tmp_path / "alone", worker_nice=0)
    alone = build_local(settings, extractor=FakeExtractor(), mailer=FakeMailer())
    assert scheduling_of(alone) == {"worker": os.SCHED_OTHER, "child": os.SCHED_OTHER}
