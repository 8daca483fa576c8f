import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from billify import services
from billify.config import Settings
from billify.domain.auth import ActionLinks, Scope
from billify.domain.extraction import parse_einvoice
from billify.domain.models import Evidence, Extraction, InvoiceStatus, UnreadableDocument
from billify.domain.reports import Month
from billify.domain.uploads import validate_upload
from billify.ports import InvoiceMessage, OpenedDocument
from tests.conftest import png_bytes
from tests.fakes import (
    TEST_SECRET,
    FakeBlobStore,
    FakeExtractor,
    FakeMailer,
    FakeQueue,
    FakeRepository,
    FixedClock,
    fake_app,
    run_reports,
)
from tests.unit.extraction.test_einvoice import CII


class World:
    """The application over the fakes (``fake_app``), with helpers to drive the use cases."""

    def __init__(self) -> None:
        self.blobs = FakeBlobStore()
        self.queue = FakeQueue()
        self.repository = FakeRepository()
        self.mailer = FakeMailer()
        self.extractor = FakeExtractor()
        self.clock = FixedClock()
        self.app = fake_app(
            Settings(review_threshold=0.5, vendor_review_threshold=0.35),
            blobs=self.blobs,
            queue=self.queue,
            repository=self.repository,
            mailer=self.mailer,
            extractor=self.extractor,
            clock=self.clock,
        )

    @property
    def deps(self) -> services.Processing:
        return self.app.processing

    def submit(
        self, email: str = "ana@example.com", name: str = "Ana", seed: int = 8
    ) -> services.Submitted:
        return self.app.submit(validate_upload(name, email, png_bytes(seed, seed), "r.png"))

    def process_all(self) -> None:
        for message in list(self.queue.messages):
            services.process_invoice(message, self.deps)

    def report(self, month: Month) -> services.ReportRun:
        return run_reports(month, self.app.reporting)


def plain(text: str) -> str:
    """Money is written with no-break spaces: compare with plain ones."""
    return text.replace("\xa0", " ")


@pytest.fixture
def world() -> World:
    return World()


def test_submit_stores_records_and_queues(world: World) -> None:
    submitted = world.submit()
    invoice = submitted.invoice
    assert not submitted.duplicate
    assert invoice.status == InvoiceStatus.QUEUED
    assert world.blobs.blobs[invoice.blob_key] == png_bytes(8, 8)
    assert invoice.blob_key.startswith("invoices/2026/11/") and invoice.id in invoice.blob_key
    assert world.repository.get(invoice.id) == invoice
    assert world.queue.messages == [InvoiceMessage(invoice.id, invoice.blob_key)]


def test_same_file_by_same_user_is_recognised(world: World) -> None:
    first = world.submit()
    again = world.submit()
    other_user = world.submit(email="bo@example.com")
    assert again.duplicate and again.invoice.id == first.invoice.id
    assert not other_user.duplicate
    assert len(world.queue.messages) == 2


def test_failed_enqueue_leaves_nothing_behind(world: World) -> None:
    world.queue.fail = True
    with pytest.raises(ConnectionError):
        world.submit()
    assert world.blobs.blobs == {} and world.repository.invoices == {}


def test_processing_records_fields_and_notifies_once(world: World) -> None:
    invoice_id = world.submit().invoice.id
    world.process_all()
    world.process_all()  # the same message delivered again
    stored = world.repository.get(invoice_id)
    assert stored is not None and stored.status == InvoiceStatus.PROCESSED
    assert stored.total == Decimal("12.50") and stored.notice_sent_at is not None
    assert world.extractor.calls == 1
    assert len(world.mailer.sent) == 1
    notice = world.mailer.sent[0]
    assert notice.key == f"notice:{invoice_id}"
    assert "MYR 12.50" in notice.text and "KEDAI BUKU" in notice.text


def test_month_to_date_total_sums_the_users_invoices(world: World) -> None:
    world.submit(seed=8)
    world.submit(seed=9)
    world.submit(email="bo@example.com", seed=10)
    world.process_all()
    last_for_ana = [m for m in world.mailer.sent if m.to.email == "ana@example.com"][-1]
    assert "MYR 25.00" in last_for_ana.text
    bo = next(m for m in world.mailer.sent if m.to.email == "bo@example.com")
    assert "MYR 12.50" in bo.text and "MYR 25.00" not in bo.text


def test_unsure_total_means_needs_review_and_the_email_says_so(world: World) -> None:
    world.extractor.result = Extraction(
        total=Decimal("3.00"), currency="EUR", confidence={"total": 0.2}
    )
    invoice_id = world.submit().invoice.id
    world.process_all()
    stored = world.repository.get(invoice_id)
    assert stored is not None and stored.status == InvoiceStatus.NEEDS_REVIEW
    notice = world.mailer.sent[0]
    assert "could not read its total" in notice.text and "needs review" in notice.text
    assert "EUR 3.00" not in notice.text.split("Total:")[0]


def test_missing_total_is_never_reported_as_zero(world: World) -> None:
    world.extractor.result = Extraction(vendor="Shop", confidence={"vendor": 0.9})
    world.submit()
    world.process_all()
    text = world.mailer.sent[0].text
    assert "not read" in text and "0.00" not in text


def test_mail_failure_is_retried_without_extracting_again(world: World) -> None:
    invoice_id = world.submit().invoice.id
    world.mailer.failures_left = 1
    with pytest.raises(ConnectionRefusedError):
        world.process_all()
    stored = world.repository.get(invoice_id)
    assert stored is not None and stored.status == InvoiceStatus.PROCESSED
    assert stored.notice_sent_at is None
    world.process_all()  # the queue redelivers
    assert world.extractor.calls == 1 and len(world.mailer.sent) == 1


def test_unreadable_document_fails_with_reason_and_tells_the_user(world: World) -> None:
    world.extractor.error = UnreadableDocument("the PDF is encrypted")
    invoice_id = world.submit().invoice.id
    world.process_all()
    stored = world.repository.get(invoice_id)
    assert stored is not None and stored.status == InvoiceStatus.FAILED
    assert stored.error == "the PDF is encrypted"
    assert "could not read" in world.mailer.sent[0].text


def test_unexpected_extractor_error_propagates_for_a_retry(world: World) -> None:
    world.extractor.error = RuntimeError("onnx session crashed")
    invoice_id = world.submit().invoice.id
    with pytest.raises(RuntimeError):
        world.process_all()
    stored = world.repository.get(invoice_id)
    assert stored is not None and stored.status == InvoiceStatus.PROCESSING
    assert world.mailer.sent == []


def test_mark_failed_after_dead_letter_keeps_a_successful_extraction(world: World) -> None:
    extracted = world.submit(seed=8).invoice.id
    stuck = world.submit(seed=9).invoice.id
    world.mailer.failures_left = 1
    with pytest.raises(ConnectionRefusedError):
        services.process_invoice(world.queue.messages[0], world.deps)
    services.mark_failed(extracted, "mail down", world.deps)
    services.mark_failed(stuck, "worker kept crashing", world.deps)
    first, second = world.repository.get(extracted), world.repository.get(stuck)
    assert first is not None and first.status == InvoiceStatus.PROCESSED
    assert second is not None and second.status == InvoiceStatus.FAILED
    assert [m.key for m in world.mailer.sent] == [f"notice:{stuck}"]


def test_message_for_unknown_invoice_is_dropped(world: World) -> None:
    assert services.process_invoice(InvoiceMessage("missing", "k"), world.deps) is None


def test_monthly_report_one_per_user_with_sums(world: World) -> None:
    world.submit(seed=8)
    world.submit(seed=9)
    world.submit(email="bo@example.com", name="Bo", seed=10)
    world.process_all()
    world.mailer.sent.clear()
    run = world.report(Month(2026, 11))
    assert sorted(run.sent) == ["ana@example.com", "bo@example.com"]
    reports = {m.to.email: m for m in world.mailer.sent}
    assert "MYR 25.00 -> €5.00" in plain(reports["ana@example.com"].text)  # as printed, at 5/€
    assert "2 invoices" in reports["ana@example.com"].text
    assert "€2.50" in reports["bo@example.com"].subject


def test_monthly_report_is_exactly_once_even_after_a_crash(world: World) -> None:
    for n, email in enumerate(["a@example.com", "b@example.com", "c@example.com"]):
        world.submit(email=email, seed=8 + n)
    world.process_all()
    world.mailer.sent.clear()
    world.mailer.fail_for = {"b@example.com"}  # the run dies on b
    first = world.report(Month(2026, 11))
    assert first.sent == ["a@example.com", "c@example.com"] and "b@example.com" in first.failed
    world.mailer.fail_for = set()
    second = world.report(Month(2026, 11))
    third = world.report(Month(2026, 11))
    assert second.sent == ["b@example.com"] and third.sent == []
    assert sorted(m.to.email for m in world.mailer.sent) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]


def test_invoice_belongs_to_the_month_it_was_received(world: World) -> None:
    world.clock.current = dt.datetime(2026, 10, 31, 23, 59, tzinfo=dt.UTC)
    world.submit(seed=8)
    world.clock.current = dt.datetime(2026, 11, 1, 0, 1, tzinfo=dt.UTC)
    world.submit(seed=9)
    world.process_all()
    world.mailer.sent.clear()
    october, november = world.report(Month(2026, 10)), world.report(Month(2026, 11))
    assert october.sent == november.sent == ["ana@example.com"]
    assert all("1 invoice received" in m.text for m in world.mailer.sent)


def test_needs_review_invoices_are_listed_not_counted(world: World) -> None:
    world.submit(seed=8)
    world.process_all()
    world.extractor.result = Extraction(
        total=Decimal("99.99"), currency="MYR", confidence={"total": 0.1}
    )
    world.submit(seed=9)
    world.process_all()
    world.report(Month(2026, 11))
    report = world.mailer.sent[-1]
    text = plain(report.text)
    assert "MYR 12.50" in text and "1 invoice needs your review" in text


def test_two_report_runs_at_once_send_one_report_and_a_dead_claim_is_taken_over(
    world: World,
) -> None:
    world.submit()
    world.process_all()
    world.mailer.sent.clear()
    # Another run claimed the user a moment ago and is still sending.
    assert world.repository.claim_reports(
        "2026-11", ["ana@example.com"], world.clock.now(), services.REPORT_CLAIM_LEASE
    ) == {"ana@example.com"}
    concurrent = world.report(Month(2026, 11))
    assert concurrent.in_progress == ["ana@example.com"] and world.mailer.sent == []
    # That run died mid-send: after the lease, a re-run sends the report once.
    world.clock.advance(minutes=3)
    assert world.report(Month(2026, 11)).sent == ["ana@example.com"]
    assert world.report(Month(2026, 11)).already_sent == ["ana@example.com"]
    assert len(world.mailer.sent) == 1


def test_same_expense_uploaded_again_is_flagged_and_counted_once(world: World) -> None:
    first = world.submit(seed=8).invoice.id
    world.process_all()
    world.queue.messages.clear()
    world.extractor.vary = False
    second = world.submit(seed=9).invoice.id  # another photo of the same receipt
    world.process_all()
    flagged = world.repository.get(second)
    assert flagged is not None and flagged.duplicate_of == first
    assert "same expense" in world.mailer.sent[-1].text
    world.report(Month(2026, 11))
    report = plain(world.mailer.sent[-1].text)
    assert "MYR 12.50" in report and "MYR 25.00" not in report
    assert "likely duplicate" in report


def test_user_can_say_a_likely_duplicate_is_a_separate_expense(world: World) -> None:
    world.submit(seed=8)
    world.process_all()
    world.queue.messages.clear()
    world.extractor.vary = False
    second = world.submit(seed=9).invoice.id
    world.process_all()
    services.mark_not_duplicate(second, world.repository)
    world.report(Month(2026, 11))
    assert "MYR 25.00" in plain(world.mailer.sent[-1].text)


def test_different_total_is_not_a_duplicate(world: World) -> None:
    world.submit(seed=8)
    world.process_all()
    world.queue.messages.clear()
    world.extractor.result = Extraction(
        total=Decimal("12.51"),
        currency="MYR",
        vendor="KEDAI BUKU",
        date=dt.date(2026, 11, 3),
        confidence={"total": 0.9},
    )
    second = world.submit(seed=9).invoice.id
    world.process_all()
    stored = world.repository.get(second)
    assert stored is not None and stored.duplicate_of is None


def test_uploading_again_requeues_an_invoice_whose_message_was_lost(world: World) -> None:
    first = world.submit().invoice
    world.queue.messages.clear()  # as if the process died between the record and the queue
    world.submit()
    assert world.queue.messages == []  # recent: its message is surely still on the way
    world.clock.advance(minutes=16)
    again = world.submit()
    assert again.duplicate and again.invoice.id == first.id
    assert [m.invoice_id for m in world.queue.messages] == [first.id]
    world.process_all()
    assert len(world.mailer.sent) == 1


def test_unsure_vendor_means_needs_review_and_the_email_names_the_vendor(world: World) -> None:
    world.extractor.result = Extraction(
        total=Decimal("3.00"),
        currency="EUR",
        vendor="SHOP",
        confidence={"total": 0.9, "vendor": 0.17},
    )
    invoice_id = world.submit().invoice.id
    world.process_all()
    stored = world.repository.get(invoice_id)
    assert stored is not None and stored.status == InvoiceStatus.NEEDS_REVIEW
    notice = world.mailer.sent[0]
    assert "could not read its vendor with confidence" in notice.text
    assert "SHOP (uncertain: please check)" in notice.text
    assert "EUR 3.00 (uncertain" not in notice.text
    assert notice.subject == "Please check your invoice from SHOP: vendor uncertain"


def test_unsure_total_and_missing_vendor_are_both_named(world: World) -> None:
    world.extractor.result = Extraction(
        total=Decimal("3.00"), currency="EUR", confidence={"total": 0.2}
    )
    world.submit()
    world.process_all()
    notice = world.mailer.sent[0]
    assert "could not read its total and vendor with confidence" in notice.text
    assert notice.subject == "Please check your invoice: total uncertain, vendor not read"


def test_correcting_the_vendor_takes_needs_review_to_processed(world: World) -> None:
    world.extractor.result = Extraction(
        total=Decimal("3.00"), currency="EUR", vendor="5HOP", confidence={"total": 0.9}
    )
    invoice_id = world.submit().invoice.id
    world.process_all()
    review = world.deps.review
    still = services.correct_invoice(invoice_id, {"total": "3.10"}, world.repository, review)
    assert still is not None and still.status == InvoiceStatus.NEEDS_REVIEW  # vendor unsure
    fixed = services.correct_invoice(invoice_id, {"vendor": "SHOP"}, world.repository, review)
    assert fixed is not None and fixed.status == InvoiceStatus.PROCESSED


def test_a_corrected_total_of_an_unreadable_invoice_still_asks_for_the_vendor(
    world: World,
) -> None:
    world.extractor.error = UnreadableDocument("the PDF is encrypted")
    invoice_id = world.submit().invoice.id
    world.process_all()
    review = world.deps.review
    total = services.correct_invoice(invoice_id, {"total": "5"}, world.repository, review)
    assert total is not None and total.status == InvoiceStatus.NEEDS_REVIEW
    assert total.error is None
    vendor = services.correct_invoice(invoice_id, {"vendor": "Shop"}, world.repository, review)
    assert vendor is not None and vendor.status == InvoiceStatus.PROCESSED


def test_an_unreadable_invoice_stays_failed_until_its_total_is_given(world: World) -> None:
    world.extractor.error = UnreadableDocument("the PDF is encrypted")
    invoice_id = world.submit().invoice.id
    world.process_all()
    review = world.deps.review
    vendor = services.correct_invoice(invoice_id, {"vendor": "Shop"}, world.repository, review)
    assert vendor is not None and vendor.status == InvoiceStatus.FAILED
    assert vendor.error == "the PDF is encrypted"


def test_an_e_invoice_is_processed(world: World) -> None:
    world.extractor.result = parse_einvoice(CII)
    invoice_id = world.submit().invoice.id
    world.process_all()
    stored = world.repository.get(invoice_id)
    assert stored is not None and stored.status == InvoiceStatus.PROCESSED


class ExplodingDocuments:
    """A document opener that fails in a way nobody planned for."""

    def open(self, document: bytes, media_type: str) -> OpenedDocument:
        raise MemoryError("out of memory rendering the page")


def test_a_crop_that_fails_anyhow_still_sends_the_notice(world: World) -> None:
    box = (0.5, 0.5, 0.6, 0.55)
    world.extractor.result = replace(world.extractor.result, evidence={"total": Evidence(0, box)})
    submitted = world.submit()
    deps = replace(world.deps, documents=ExplodingDocuments())
    services.process_invoice(world.queue.messages[-1], deps)
    (notice,) = world.mailer.sent
    assert notice.key == f"notice:{submitted.invoice.id}" and not notice.attachments
    assert world.repository.invoices[submitted.invoice.id].notice_sent_at is not None


def test_notices_link_to_their_invoice_when_a_signer_is_given(world: World) -> None:
    links = ActionLinks(TEST_SECRET)
    submitted = world.submit()
    deps = replace(world.deps, links=links, public_url="https://b.example/")
    services.process_invoice(world.queue.messages[-1], deps)
    (notice,) = world.mailer.sent
    token = notice.text.split("https://b.example/auth/open?token=", 1)[1].split("&", 1)[0]
    assert links.verify(token, world.clock.now()) == (
        "ana@example.com",
        Scope(invoice_id=submitted.invoice.id),
    )
