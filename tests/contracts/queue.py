"""What every ``InvoiceQueue`` must do. Each adapter's test module subclasses the contract with
a ``queue`` fixture and an ``arrived`` fixture: what a consumer connecting afterwards receives
(taking it off the queue), each message decoded with ``InvoiceMessage.from_json`` as the
workers do. The fake and SQLite in tests/integration, SQS in tests/aws."""

from __future__ import annotations

from collections.abc import Callable

from billify.domain.inbound import MailThread
from billify.ports import InvoiceMessage, InvoiceQueue

Arrived = Callable[[], list[InvoiceMessage]]

THREAD = MailThread(
    "<CAB+x=1@mail.example.com>",
    ("<first@mail.example.com>", "<second@mail.example.com>"),
    "Rechnung Nr. 4711 aus Köln",
)


class QueueContract:
    def test_a_message_arrives_as_it_was_queued(
        self, queue: InvoiceQueue, arrived: Arrived
    ) -> None:
        message = InvoiceMessage("inv1", "invoices/2026/11/inv1.pdf")
        queue.enqueue(message)
        assert arrived() == [message]
        assert arrived() == []  # taken: nothing else was queued

    def test_the_reason_and_the_mail_thread_travel_with_it(
        self, queue: InvoiceQueue, arrived: Arrived
    ) -> None:
        by_mail = InvoiceMessage("inv2", "invoices/2026/11/inv2.pdf", thread=THREAD)
        released = InvoiceMessage("inv3", "invoices/2026/11/inv3.jpg", reason="released")
        bare = InvoiceMessage("inv4", "k", thread=MailThread("<only@id>"))
        for message in (by_mail, released, bare):
            queue.enqueue(message)
        got = {message.invoice_id: message for message in arrived()}
        assert got == {"inv2": by_mail, "inv3": released, "inv4": bare}

    def test_every_message_queued_arrives(self, queue: InvoiceQueue, arrived: Arrived) -> None:
        sent = [InvoiceMessage(f"inv{n}", f"invoices/{n}.pdf") for n in range(12)]
        for message in sent:
            queue.enqueue(message)
        queue.enqueue(sent[0])  # again (a notice released, say): not taken for a duplicate
        got = arrived()
        assert sorted(got, key=lambda m: m.invoice_id) == sorted(
            [*sent, sent[0]], key=lambda m: m.invoice_id
        )
