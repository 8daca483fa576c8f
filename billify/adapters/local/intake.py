"""The upload's last step on one machine: the invoice's record and its queue message written in
one SQLite commit (one fsync), since the queue's tables live in the invoices' database file."""

from __future__ import annotations

from billify.adapters.local.sqlite_queue import SqliteQueue
from billify.adapters.local.sqlite_repository import SqliteInvoiceRepository, insert_invoice
from billify.domain.models import Invoice
from billify.ports import InvoiceMessage


class SqliteIntake:
    def __init__(self, repository: SqliteInvoiceRepository, queue: SqliteQueue) -> None:
        if repository.path.resolve() != queue.path.resolve():
            raise ValueError("the intake needs the queue in the invoices' database file")
        self.repository = repository
        self.queue = queue

    def accept(self, invoice: Invoice, message: InvoiceMessage) -> None:
        with self.repository.transaction() as db:
            insert_invoice(db, invoice)
            self.queue.insert(db, message.to_json())
