"""The intake for stores that cannot share a transaction (DynamoDB and SQS, or any repository
and queue): record, then queue, and take the record back if queueing fails."""

from __future__ import annotations

from billify.domain.models import Invoice
from billify.ports import InvoiceMessage, InvoiceQueue, InvoiceRepository


class RecordThenQueue:
    def __init__(self, repository: InvoiceRepository, queue: InvoiceQueue) -> None:
        self.repository = repository
        self.queue = queue

    def accept(self, invoice: Invoice, message: InvoiceMessage) -> None:
        self.repository.add(invoice)
        try:
            self.queue.enqueue(message)
        except Exception:
            self.repository.delete(invoice.id)
            raise
