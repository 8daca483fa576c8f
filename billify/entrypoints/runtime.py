"""What runs beside the API in ``billify serve``: supervised worker processes and the monthly
scheduler. OCR runs in the workers' own interpreters, so uploads never wait behind it."""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from pathlib import Path

from aiosmtpd.controller import Controller
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from billify.adapters.local.imap_poller import start_imap_poller
from billify.adapters.local.smtp_receiver import smtp_receiver, tls_context
from billify.adapters.local.sqlite_queue import SqliteQueue
from billify.bootstrap import LocalBillify, NoExtractor, build_local
from billify.config import Settings
from billify.domain.reports import Month
from billify.services import ReportResult, ReportRun

log = logging.getLogger(__name__)

# spawn, not fork: the API process holds threads and SQLite connections a fork would copy.
_processes = multiprocessing.get_context("spawn")
SUPERVISE_SECONDS = 0.5
PARENT_CHECK_SECONDS = 0.2
STOP_SECONDS = 60.0
# `billify report` runs its workers again when one died, at most this many times.
REPORT_ROUNDS = 3


def queue_last_month(app: LocalBillify) -> int:
    """Queue the report jobs of the month before the current one (in the configured time
    zone); the workers send them. Users already sent theirs are no-ops."""
    month = app.last_month()
    queued = app.queue_monthly_reports(month)
    log.info("monthly reports for %s: %d job(s) queued", month, queued)
    return queued


def _safe_queue(app: LocalBillify) -> None:
    try:
        queue_last_month(app)
    except Exception:  # the next start (or `billify report`) queues what was not sent
        log.exception("queueing the monthly reports failed")


def refresh_rates(app: LocalBillify) -> bool:
    """Fetch the ECB's reference rates anew when online (``BILLIFY_RATES_URL``); offline,
    the rates shipped with the package (or downloaded last) stay in use."""
    if app.rates is None or not app.settings.rates_url:
        return False
    return app.rates.refresh(app.settings.rates_url)


def _catch_up(app: LocalBillify) -> None:
    """At start: today's rates first (reports convert with them), then last month's reports."""
    refresh_rates(app)
    _safe_queue(app)


# The ECB publishes its reference rates around 16:00 CET on working days.
RATES_HOUR, RATES_MINUTE, RATES_ZONE = 16, 30, "Europe/Berlin"


def start_scheduler(app: LocalBillify) -> BackgroundScheduler:
    settings = app.settings
    scheduler = BackgroundScheduler(timezone=settings.tz)
    scheduler.add_job(
        refresh_rates,
        CronTrigger(
            day_of_week="mon-fri", hour=RATES_HOUR, minute=RATES_MINUTE, timezone=RATES_ZONE
        ),
        args=[app],
        id="exchange-rates",
        coalesce=True,
        misfire_grace_time=12 * 3600,
    )
    scheduler.add_job(
        _safe_queue,
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


def run_worker(settings: Settings) -> None:
    """A worker process's main: build the app from the settings, work until SIGTERM."""
    from billify.entrypoints.worker import Worker

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group: the parent decides
    _die_with_parent()
    Worker(build_local(settings), stop).run()


def _die_with_parent() -> None:
    """End this worker as soon as its parent is gone (even killed by SIGKILL), as if killed
    with it: the next start hands the messages it held to new workers at once."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class Supervisor:
    """Keeps ``count`` worker processes running. A worker that dies is replaced, and the
    messages it held go back to their queue at once rather than when their lease runs out."""

    def __init__(self, app: LocalBillify, count: int) -> None:
        self.app = app
        self.count = count
        self.processes: list[BaseProcess] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    def start(self) -> None:
        release_messages_of(app_queues(self.app), orphaned(self.app))
        self.processes = [self._spawn(n) for n in range(self.count)]
        self._thread.start()

    def stop(self) -> None:
        """Ask every worker to finish its current message, then wait for them."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: the worker stops between messages
        for process in self.processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()

    def _watch(self) -> None:
        while not self._stop.wait(SUPERVISE_SECONDS):
            for slot, process in enumerate(self.processes):
                if process.is_alive() or self._stop.is_set():
                    continue
                log.error("worker %s exited (%s); starting another", process.pid, process.exitcode)
                release_messages_of(app_queues(self.app), {process.pid} if process.pid else set())
                self.processes[slot] = self._spawn(slot)

    def _spawn(self, slot: int) -> BaseProcess:
        settings = self.app.settings
        if settings.ocr_threads is None:  # the cores shared out, not oversubscribed
            threads = max(1, (os.cpu_count() or 1) // max(1, self.count))
            settings = settings.model_copy(update={"ocr_threads": threads})
        process = _processes.Process(
            target=run_worker, args=(settings,), name=f"billify-worker-{slot}"
        )
        process.start()
        return process


def app_queues(app: LocalBillify) -> list[SqliteQueue]:
    return [app.queue, app.reports]


def orphaned(app: LocalBillify) -> set[int]:
    """Holders of leases whose process is gone (killed before this start)."""
    holders = set().union(*(queue.holders() for queue in app_queues(app)))
    return {pid for pid in holders if not _alive(pid)}


def release_messages_of(queues: list[SqliteQueue], pids: set[int]) -> None:
    """Messages held by dead processes go back at once, not when their lease runs out."""
    try:
        released = sum(queue.release_held_by(pids) for queue in queues)
    except Exception:  # the leases run out on their own a little later
        log.exception("could not release the messages of worker(s) %s", sorted(pids))
        return
    if released:
        log.info("%d message(s) of dead worker(s) %s redelivered", released, sorted(pids))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Exited but not reaped (an orphan under an init that does not reap): dead all the same."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (not Linux), or gone meanwhile
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@contextmanager
def background_services(
    app: LocalBillify, workers: int, scheduler: bool = True, catch_up: bool = True
) -> Iterator[None]:
    """Start the worker processes and the scheduler; stop them (each worker finishing its
    current message) on exit.

    With ``catch_up``, last month's report jobs are queued at start (the process may have been
    down on the 1st); users already sent theirs are skipped.
    """
    supervisor = Supervisor(app, workers)
    supervisor.start()
    receiver = start_smtp_receiver(app)
    polling = threading.Event()
    poller = start_imap_poller(app, polling)  # here only: two pollers of one mailbox race
    cron = start_scheduler(app) if scheduler else None
    if scheduler and catch_up:
        catching_up = threading.Thread(target=_catch_up, args=[app], name="report-catch-up")
        catching_up.daemon = True
        catching_up.start()
    try:
        yield
    finally:
        if cron is not None:
            cron.shutdown(wait=False)
        if receiver is not None:
            receiver.stop()
        polling.set()
        if poller is not None:
            poller.join(5)  # a poll in progress finishes or dies with the process (daemon)
        supervisor.stop()


def start_smtp_receiver(app: LocalBillify) -> Controller | None:
    """The receiver of invoices by email, when ``BILLIFY_INBOUND_SMTP_PORT`` is set."""
    settings = app.settings
    if settings.inbound_smtp_port is None:
        return None
    if not settings.inbound_domain:
        log.warning("BILLIFY_INBOUND_SMTP_PORT is set without BILLIFY_INBOUND_DOMAIN: no address")
    tls = None
    if settings.inbound_tls_cert is not None and settings.inbound_tls_key is not None:
        try:
            tls = tls_context(settings.inbound_tls_cert, settings.inbound_tls_key)
        except (OSError, ssl.SSLError) as error:
            raise RuntimeError(
                "BILLIFY_INBOUND_TLS_CERT / BILLIFY_INBOUND_TLS_KEY cannot be loaded as a PEM"
                f" certificate and key: {error}"
            ) from error
    host, port = settings.inbound_smtp_host, settings.inbound_smtp_port
    receiver = smtp_receiver(lambda: app.inbox, host, port, tls)
    try:
        receiver.start()
    except OSError as error:
        raise RuntimeError(
            f"cannot receive mail on {host}:{port} (BILLIFY_INBOUND_SMTP_HOST and _PORT): {error}"
        ) from error
    log.info(
        "receiving invoices by email on %s:%d%s",
        settings.inbound_smtp_host,
        settings.inbound_smtp_port,
        " (STARTTLS)" if tls else "",
    )
    return receiver


def run_report_worker(settings: Settings, results: multiprocessing.Queue[ReportResult]) -> None:
    """A ``billify report`` worker process: send report jobs until the queue has none left,
    telling the parent each result."""
    from billify.entrypoints.worker import Worker

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    app = build_local(settings, extractor=NoExtractor())
    worker = Worker(app, invoices=False, report_retries=False, on_report=results.put)
    while worker.run_once():
        pass


def work_reports(
    app: LocalBillify,
    month: Month,
    workers: int,
    on_result: Callable[[ReportResult], None] = lambda _: None,
) -> ReportRun:
    """Send the queued report jobs with ``workers`` processes and return when the queue has
    none left: what ``billify report`` does after queueing the month."""
    run = ReportRun(month)
    results: multiprocessing.Queue[ReportResult] = _processes.Queue()
    release_messages_of([app.reports], orphaned(app))  # a run killed before this one
    for _ in range(REPORT_ROUNDS):
        processes = [
            _processes.Process(target=run_report_worker, args=(app.settings, results))
            for _ in range(workers)
        ]
        for process in processes:
            process.start()
        while any(p.is_alive() for p in processes) or not results.empty():
            try:
                result = results.get(timeout=SUPERVISE_SECONDS)
            except queue.Empty:
                continue
            if result.job.month == str(month):
                run.add(result)
            on_result(result)
        dead = [p.pid for p in processes if p.exitcode != 0 and p.pid is not None]
        if not dead:
            break
        log.error("report worker(s) %s died; their jobs go to a new round", dead)
        release_messages_of([app.reports], set(dead))
    return run
