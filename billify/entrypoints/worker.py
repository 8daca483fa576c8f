"""The local worker: lease messages from the report and invoice queues, handle them, ack or
fail them, keeping each lease alive (a heartbeat) for as long as the work takes."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence

from billify.adapters.local.sqlite_queue import QueuedMessage, SqliteQueue
from billify.bootstrap import LocalBillify
from billify.ports import InvoiceMessage, ReportJob
from billify.services import ReportOutcome, ReportResult

log = logging.getLogger(__name__)

# Report jobs leased at once: one claim, one outbox sync and one "sent" write per batch.
REPORT_BATCH = 50


class Worker:
    """Report jobs first (each takes milliseconds, and the 1st of the month must not wait
    behind a backlog of OCR), then invoices.

    ``report_retries=False`` is for a run that must end (``billify report``): a report that
    could not be sent is given back (its claim released) and counted as failed instead of
    waiting for the queue's retries. ``on_report`` sees each report job's result.
    """

    def __init__(
        self,
        app: LocalBillify,
        stop: threading.Event | None = None,
        *,
        invoices: bool = True,
        report_retries: bool = True,
        on_report: Callable[[ReportResult], None] | None = None,
    ) -> None:
        self.app = app
        self.stop = stop or threading.Event()
        self.invoices = invoices
        self.report_retries = report_retries
        self.on_report = on_report

    def run(self) -> None:
        """Process messages until ``stop`` is set; sleeps ``poll_interval`` when idle."""
        _lower_priority(self.app.settings.worker_nice)
        log.info("worker %d started", os.getpid())
        while not self.stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # the queue itself failed (e.g. database locked): wait, go on
                log.exception("worker could not reach the queue")
                worked = False
            if not worked:
                self.stop.wait(self.app.settings.poll_interval)
        log.info("worker %d stopped", os.getpid())

    def run_once(self) -> bool:
        """Handle one batch of report jobs or one invoice if there is one; True if there was."""
        messages = self.app.reports.receive_many(REPORT_BATCH)
        if messages:
            with self._lease_kept(self.app.reports, messages):
                self._send_reports(messages)
            return True
        message = self.app.queue.receive() if self.invoices else None
        if message is None:
            return False
        with self._lease_kept(self.app.queue, [message]):
            self._process(message)
        return True

    def _process(self, message: QueuedMessage) -> None:
        try:
            invoice = self.app.process(InvoiceMessage.from_json(message.body))
        except Exception as error:
            self._failed(self.app.queue, message, f"{type(error).__name__}: {error}")
            return
        self.app.queue.ack(message)
        if invoice is not None:
            log.info("invoice %s %s", invoice.id, invoice.status.value)

    def _send_reports(self, messages: list[QueuedMessage]) -> None:
        jobs: dict[int, ReportJob] = {}
        for message in messages:
            try:
                jobs[message.id] = ReportJob.from_json(message.body)
            except (KeyError, TypeError) as error:
                self._failed(self.app.reports, message, f"malformed report job: {error!r}")
        try:
            results = self.app.send_monthly_reports(list(jobs.values()))
        except Exception as error:  # the store failed: the whole batch is tried again
            for message in (m for m in messages if m.id in jobs):
                self._failed(self.app.reports, message, f"{type(error).__name__}: {error}")
            return
        outcome = {result.job: result for result in results}
        finished = []
        for message in (m for m in messages if m.id in jobs):
            result = outcome[jobs[message.id]]
            if self.on_report is not None:
                self.on_report(result)
            if not self.report_retries:
                finished.append(message)
            elif result.outcome == ReportOutcome.FAILED:
                self._failed(self.app.reports, message, result.error or "not sent")
            elif result.outcome == ReportOutcome.IN_PROGRESS:
                # Claimed by a worker that may have died: look again once its claim runs out.
                lease = self.app.settings.report_claim_lease
                self.app.reports.retry_later(message, lease)
            else:
                finished.append(message)
        self.app.reports.ack_many(finished)

    def _failed(self, queue: SqliteQueue, message: QueuedMessage, reason: str) -> None:
        dead = queue.fail(message, reason)
        log.warning(
            "message %s failed (attempt %s%s): %s",
            message.id,
            message.attempts,
            ", dead-lettered" if dead else "",
            reason,
        )

    @contextlib.contextmanager
    def _lease_kept(self, queue: SqliteQueue, messages: Sequence[QueuedMessage]) -> Iterator[None]:
        """Extend the leases every third of the visibility timeout while the work runs, so the
        timeout can be short (a dead worker's message comes back soon) and a long OCR is never
        handed to a second worker."""
        timeout = queue.visibility_timeout
        done = threading.Event()

        def beat() -> None:
            while not done.wait(timeout / 3):
                for message in messages:
                    try:
                        queue.extend(message, timeout)
                    except Exception:  # a missed beat is retried; the lease has slack left
                        log.warning("could not extend the lease of message %s", message.id)

        heart = threading.Thread(target=beat, name="lease-heartbeat", daemon=True)
        heart.start()
        try:
            yield
        finally:
            done.set()
            heart.join()


def _lower_priority(nice: int) -> None:
    """Run this thread (and the OCR and heartbeat threads it starts, which inherit it) at idle
    CPU priority, so an upload never waits behind a document being read: Linux's SCHED_IDLE
    gives the CPU to any normal thread at once, where a nice value only shrinks the worker's
    share. Where SCHED_IDLE is missing, the nice value is used. ``nice=0`` keeps the normal
    priority (a worker alone on its machine)."""
    if nice <= 0:
        return
    thread = threading.get_native_id()
    try:
        os.sched_setscheduler(thread, os.SCHED_IDLE, os.sched_param(0))
        return
    except (AttributeError, OSError):  # not Linux: a nice value instead
        pass
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, current + nice))
    except (AttributeError, OSError):  # not permitted: run at normal priority
        log.debug("could not lower the worker's priority")
