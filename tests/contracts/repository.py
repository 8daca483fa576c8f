"""What every ``InvoiceRepository`` must do. Each adapter's test module subclasses the contract
with a ``store`` fixture: the fake and SQLite in tests/integration, DynamoDB in tests/aws.

A second ``add`` of the same user's same file (``uploader.email`` and ``file_hash``) raises
``DuplicateUpload`` and records nothing: ``find_by_hash`` then names the one invoice of that file
(the upload's answer, ``duplicate``), which ``services.submit_invoice`` asks before adding; the
error is what a concurrent upload of the same file meets (DynamoDB's transaction, HTTP 409)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest

from billify.domain.models import Evidence, Extraction, Invoice, InvoiceStatus, LineItem, Uploader
from billify.ports import DuplicateUpload, InvoiceRepository

T0 = dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)
ANA, BO, CY = "ana@example.com", "bo@example.com", "cy@example.com"


def make(
    invoice_id: str, email: str = ANA, at: dt.datetime = T0, file_hash: str | None = None
) -> Invoice:
    return Invoice(
        id=invoice_id,
        uploader=Uploader("Ana", email),
        blob_key=f"invoices/2026/11/{invoice_id}.pdf",
        media_type="application/pdf",
        file_hash=file_hash or f"hash-{invoice_id}",
        file_size=10,
        received_at=at,
        original_filename="a.pdf",
    )


def ids(invoices: Iterator[Invoice]) -> list[str]:
    return [invoice.id for invoice in invoices]


class RepositoryContract:
    # -- records ------------------------------------------------------------------------------

    def test_a_record_keeps_every_field(self, store: InvoiceRepository) -> None:
        invoice = make("a")
        store.add(invoice)
        assert store.get("a") == invoice
        assert store.get("missing") is None
        extraction = Extraction(
            total=Decimal("1234.50"),
            subtotal=Decimal("1100.00"),
            tax=Decimal("134.50"),
            amount_due=Decimal("1234.50"),
            currency="EUR",
            vendor="Lieferant GmbH",
            vendor_address="Hauptstraße 1, Köln",
            date=dt.date(2018, 6, 5),
            invoice_number="471102",
            line_items=(LineItem("Widget", Decimal("2"), Decimal("550.00"), Decimal("1100.00")),),
            confidence={"total": 0.99, "vendor": 0.8},
            source="pdf-text",
            pages=2,
            evidence={"total": Evidence(1, (0.1, 0.2, 0.3, 0.4))},
            user_edited=frozenset({"vendor"}),
        )
        processed = invoice.with_changes(
            status=InvoiceStatus.PROCESSED,
            extraction=extraction,
            processed_at=T0 + MINUTE,
            notice_sent_at=T0 + 2 * MINUTE,
            owner="key-1",
            duplicate_of="z",
            error="",
        )
        store.save(processed)
        assert store.get("a") == processed

    def test_save_overwrites_and_saving_an_unknown_id_records_nothing(
        self, store: InvoiceRepository
    ) -> None:
        store.add(make("a"))
        failed = make("a").with_changes(status=InvoiceStatus.FAILED, error="unreadable")
        store.save(failed)
        assert store.get("a") == failed
        store.save(make("b"))  # deleted meanwhile, say: it stays deleted
        assert store.get("b") is None
        assert ids(store.received_between(T0, T0 + DAY)) == ["a"]

    def test_an_id_is_recorded_once(self, store: InvoiceRepository) -> None:
        store.add(make("a"))
        with pytest.raises(Exception):  # noqa: B017 (which error is the store's own)
            store.add(make("a", file_hash="another file"))
        assert store.get("a") == make("a")

    def test_delete_forgets_the_invoice_and_its_file(self, store: InvoiceRepository) -> None:
        store.add(make("a"))
        store.delete("a")
        store.delete("a")  # again: harmless
        store.delete("never-was")
        assert store.get("a") is None
        assert store.find_by_hash(ANA, "hash-a") is None
        assert list(store.received_between(T0, T0 + DAY)) == []
        again = make("c", file_hash="hash-a")  # the file can be uploaded again
        store.add(again)
        assert store.find_by_hash(ANA, "hash-a") == again

    # -- one invoice per user and file --------------------------------------------------------

    def test_find_by_hash_is_per_user(self, store: InvoiceRepository) -> None:
        store.add(make("a"))
        store.add(make("b", BO, file_hash="hash-a"))  # another user's copy of the same file
        assert store.find_by_hash(ANA, "hash-a") == make("a")
        assert store.find_by_hash(BO, "hash-a") == make("b", BO, file_hash="hash-a")
        assert store.find_by_hash(CY, "hash-a") is None
        assert store.find_by_hash(ANA, "hash-b") is None

    def test_the_same_file_from_the_same_user_is_refused_and_nothing_recorded(
        self, store: InvoiceRepository
    ) -> None:
        first = make("a")
        store.add(first)
        with pytest.raises(DuplicateUpload):
            store.add(make("b", at=T0 + MINUTE, file_hash="hash-a"))
        assert store.get("b") is None
        assert store.find_by_hash(ANA, "hash-a") == first
        assert ids(store.received_between(T0, T0 + DAY)) == ["a"]

    # -- invoices by time ---------------------------------------------------------------------

    def test_received_between_is_half_open_and_oldest_first(self, store: InvoiceRepository) -> None:
        # Across two UTC months, as a month in Berlin is: [Oct 31 23:00, Nov 30 23:00) UTC.
        start = dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC)
        end = dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC)
        moments = {
            "last": end - dt.timedelta(microseconds=1),
            "mid-b": T0 + 14 * DAY,
            "before": start - dt.timedelta(microseconds=1),
            "first": start,
            "mid-a": T0 + 14 * DAY,  # the same instant: both, in some order
            "after": end,
        }
        for name, moment in moments.items():
            store.add(make(name, at=moment))
        found = ids(store.received_between(start, end))
        assert found[0] == "first" and found[-1] == "last"
        assert sorted(found[1:3]) == ["mid-a", "mid-b"] and len(found) == 4
        assert list(store.received_between(end, start)) == []
        assert list(store.received_between(start, start)) == []

    def test_received_between_for_one_user(self, store: InvoiceRepository) -> None:
        store.add(make("ana-1", ANA, T0 + MINUTE))
        store.add(make("bo-2", BO, T0 + 2 * MINUTE))
        store.add(make("ana-0", ANA, T0))
        store.add(make("ana-late", ANA, T0 + 40 * DAY))
        assert ids(store.received_between(T0, T0 + DAY, ANA)) == ["ana-0", "ana-1"]
        assert ids(store.received_between(T0, T0 + DAY, BO)) == ["bo-2"]
        assert ids(store.received_between(T0, T0 + DAY, CY)) == []
        assert ids(store.received_between(T0, T0 + DAY)) == ["ana-0", "ana-1", "bo-2"]

    def test_report_recipients_name_every_uploader_once(self, store: InvoiceRepository) -> None:
        uploads = [(BO, 3), (ANA, 4), (BO, 5), (ANA, 6), ("dee@example.com", -40), (CY, 70)]
        for n, (email, day) in enumerate(uploads):
            store.add(make(f"r{n}", email, T0 + day * DAY))
        recipients = store.report_recipients(T0, T0 + 30 * DAY)
        assert iter(recipients) is recipients  # streamed, not a list
        found = list(recipients)
        # Every uploader of the window, once; a user whose uploads are months away is not named
        # (one with uploads just outside the window may be: the port allows it).
        assert sorted(found) == [ANA, BO]
        assert list(store.report_recipients(T0 + 100 * DAY, T0 + 130 * DAY)) == []

    # -- monthly report claims ----------------------------------------------------------------

    def test_a_claim_is_exclusive_until_its_lease_runs_out(self, store: InvoiceRepository) -> None:
        lease = dt.timedelta(minutes=10)
        assert store.claim_reports("2026-11", [ANA, BO, ANA], T0, lease) == {ANA, BO}
        assert store.claim_reports("2026-11", [ANA], T0 + lease - MINUTE, lease) == set()
        assert store.claim_reports("2026-10", [ANA], T0, lease) == {ANA}  # another month
        # The run that claimed them died: once the lease ran out another run takes over.
        assert store.claim_reports("2026-11", [ANA, CY], T0 + lease, lease) == {ANA, CY}
        assert store.claim_reports("2026-11", [ANA], T0 + lease + MINUTE, lease) == set()
        assert store.claim_reports("2026-11", [], T0, lease) == set()
        assert not store.report_sent("2026-11", ANA)

    def test_a_released_claim_is_taken_again_at_once(self, store: InvoiceRepository) -> None:
        lease = dt.timedelta(minutes=10)
        store.claim_reports("2026-11", [ANA, BO], T0, lease)
        store.release_report("2026-11", ANA)
        store.release_report("2026-11", CY)  # never claimed: harmless
        assert store.claim_reports("2026-11", [ANA, BO], T0 + MINUTE, lease) == {ANA}
        assert not store.report_sent("2026-11", ANA)

    def test_a_sent_report_is_never_claimed_again(self, store: InvoiceRepository) -> None:
        lease = dt.timedelta(minutes=10)
        store.claim_reports("2026-11", [ANA], T0, lease)
        store.mark_reports_sent("2026-11", [ANA, BO], T0 + MINUTE)  # BO: sent unclaimed
        assert store.report_sent("2026-11", ANA) and store.report_sent("2026-11", BO)
        assert not store.report_sent("2026-10", ANA) and not store.report_sent("2026-11", CY)
        store.release_report("2026-11", ANA)  # sent stays sent
        assert store.report_sent("2026-11", ANA)
        later = T0 + 40 * DAY
        assert store.claim_reports("2026-11", [ANA, BO, CY], later, lease) == {CY}

    def test_claims_made_at_once_give_each_report_to_one_run(
        self, store: InvoiceRepository
    ) -> None:
        emails = [f"u{n}@example.com" for n in range(5)]
        results: list[set[str]] = []
        barrier = threading.Barrier(6)

        def claim() -> None:
            barrier.wait()
            results.append(store.claim_reports("2026-11", emails, T0, dt.timedelta(minutes=2)))

        threads = [threading.Thread(target=claim) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Each address claimed by exactly one run (not necessarily the same run for all).
        assert Counter(e for claimed in results for e in claimed) == Counter(emails)

    # -- recipient confirmation (double opt-in) -----------------------------------------------

    def test_a_confirmation_is_pending_until_its_token_confirms_it(
        self, store: InvoiceRepository
    ) -> None:
        assert not store.recipient_confirmed(ANA)
        assert store.request_confirmation(ANA, "h1", T0)
        assert not store.request_confirmation(ANA, "h2", T0)  # one pending: send no other
        assert not store.recipient_confirmed(ANA)
        assert store.confirm_recipient("h2", T0) is None
        assert store.confirm_recipient("unknown", T0) is None
        assert store.confirm_recipient("h1", T0 + MINUTE) == ANA
        assert store.recipient_confirmed(ANA)
        assert store.confirm_recipient("h1", T0 + MINUTE) is None  # single use
        assert not store.recipient_confirmed(BO)

    def test_a_confirmed_address_asks_for_no_confirmation(self, store: InvoiceRepository) -> None:
        store.request_confirmation(ANA, "h1", T0)
        store.confirm_recipient("h1", T0)
        assert not store.request_confirmation(ANA, "h2", T0 + DAY)
        assert store.confirm_recipient("h2", T0 + DAY) is None
        assert store.confirm_address(BO, T0)
        assert not store.request_confirmation(BO, "h3", T0 + DAY)
        assert store.recipient_confirmed(ANA) and store.recipient_confirmed(BO)

    def test_a_cancelled_confirmation_can_be_asked_again(self, store: InvoiceRepository) -> None:
        assert store.request_confirmation(BO, "h3", T0)
        store.cancel_confirmation(BO)
        store.cancel_confirmation(CY)  # nothing pending: harmless
        assert store.confirm_recipient("h3", T0) is None  # its link no longer works
        assert not store.recipient_confirmed(BO)
        assert store.request_confirmation(BO, "h4", T0)
        assert store.confirm_recipient("h4", T0) == BO
        store.cancel_confirmation(BO)  # confirmed: stays confirmed
        assert store.recipient_confirmed(BO)

    def test_signing_in_confirms_an_address_once(self, store: InvoiceRepository) -> None:
        assert store.confirm_address(ANA, T0)
        assert not store.confirm_address(ANA, T0 + MINUTE)
        assert store.recipient_confirmed(ANA)
        # Pending by email: signing in confirms it, and the emailed link stops working.
        assert store.request_confirmation(BO, "h5", T0)
        assert store.confirm_address(BO, T0 + MINUTE)
        assert store.recipient_confirmed(BO)
        assert store.confirm_recipient("h5", T0 + DAY) is None
        # Confirmed by its link first: signing in changes nothing.
        store.request_confirmation(CY, "h6", T0)
        store.confirm_recipient("h6", T0)
        assert not store.confirm_address(CY, T0 + DAY)
