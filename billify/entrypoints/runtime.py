"""What runs beside the API in ``billify serve``: extraction workers and the monthly scheduler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from billify.bootstrap import LocalBillify
from billify.domain.reports import Month
from billify.entrypoints.worker import Worker
from billify.services import ReportRun

log = logging.getLogger(__name__)


def report_last_month(app: LocalBillify) -> ReportRun:
    """Send the reports for the month before the current one (in the configured time zone)."""
    month = Month.containing(app.clock.now(), app.settings.tz).previous()
    run = app.send_monthly_reports(month)
    log.info(
        "monthly reports for %s: %d sent, %d already sent, %d failed",
        month,
        len(run.sent),
        len(run.already_sent),
        len(run.failed),
    )
    return run


def _safe_report(app: LocalBillify) -> None:
    try:
        report_last_month(app)
    except Exception:  # the next run (or `billify report`) finishes what was not sent
        log.exception("monthly reports failed")


def start_scheduler(app: LocalBillify) -> BackgroundScheduler:
    settings = app.settings
    scheduler = BackgroundScheduler(timezone=settings.tz)
    scheduler.add_job(
        _safe_report,
        CronTrigger(
            day=1, hour=settings.report_hour, minute=settings.report_minute, timezone=settings.tz
        ),
        args=[app],
        id="monthly-report",
        coalesce=True,
        misfire_grace_time=6 * 3600,
    )
    scheduler.start()
    return scheduler


@contextmanager
def background_services(
    app: LocalBillify, workers: int, scheduler: bool = True, catch_up: bool = True
) -> Iterator[None]:
    """Start workers and the scheduler; stop them (finishing the current document) on exit.

    With ``catch_up``, last month's reports are sent at start if some are missing (the process
    may have been down on the 1st); users already sent theirs are skipped.
    """
    stop = threading.Event()
    threads = [
        threading.Thread(target=Worker(app, stop).run, name=f"worker-{n}", daemon=True)
        for n in range(workers)
    ]
    for thread in threads:
        thread.start()
    cron = start_scheduler(app) if scheduler else None
    if scheduler and catch_up:
        threading.Thread(
            target=_safe_report, args=[app], name="report-catch-up", daemon=True
        ).start()
    try:
        yield
    finally:
        stop.set()
        if cron is not None:
            cron.shutdown(wait=False)
        for thread in threads:
            thread.join(timeout=60)
