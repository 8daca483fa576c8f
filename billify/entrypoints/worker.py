"""The local extraction worker: lease a message, process it, ack or fail it."""

from __future__ import annotations

import logging
import os
import threading

from billify.adapters.local.sqlite_queue import QueuedMessage
from billify.bootstrap import LocalBillify
from billify.ports import InvoiceMessage

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, app: LocalBillify, stop: threading.Event | None = None) -> None:
        self.app = app
        self.stop = stop or threading.Event()

    def run(self) -> None:
        """Process messages until ``stop`` is set; sleeps ``poll_interval`` when idle."""
        _lower_priority(self.app.settings.worker_nice)
        log.info("worker started")
        while not self.stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # the queue itself failed (e.g. database locked): wait, go on
                log.exception("worker could not reach the queue")
                worked = False
            if not worked:
                self.stop.wait(self.app.settings.poll_interval)
        log.info("worker stopped")

    def run_once(self) -> bool:
        """Handle one message if there is one; True if there was."""
        message = self.app.queue.receive()
        if message is None:
            return False
        self._handle(message)
        return True

    def _handle(self, message: QueuedMessage) -> None:
        try:
            invoice = self.app.process(InvoiceMessage.from_json(message.body))
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            dead = self.app.queue.fail(message, reason)
            log.warning(
                "message %s failed (attempt %s%s): %s",
                message.id,
                message.attempts,
                ", dead-lettered" if dead else "",
                reason,
            )
            return
        self.app.queue.ack(message)
        if invoice is not None:
            log.info("invoice %s %s", invoice.id, invoice.status.value)


def _lower_priority(nice: int) -> None:
    """Give this thread (and the OCR threads it starts, which inherit it) a lower CPU priority,
    so uploads stay fast while documents are read. Linux applies nice values per thread."""
    if nice <= 0:
        return
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, current + nice))
    except (AttributeError, OSError):  # not Linux, or not permitted: run at normal priority
        log.debug("could not lower the worker's priority")
