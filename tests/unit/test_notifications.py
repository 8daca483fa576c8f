import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from billify.domain import notifications
from billify.domain.action_links import NoticeLinks
from billify.domain.emails import Attachment, OutgoingEmail, to_mime
from billify.domain.models import Extraction, Invoice, InvoiceStatus, Uploader
from billify.domain.reports import Month, Spending

HOSTILE = '<script>alert("x")</script> & Co'


def make_invoice(
    status: InvoiceStatus = InvoiceStatus.PROCESSED,
    vendor: str = "Shop",
    total: str | None = "1234.5",
    name: str = "Ana",
) -> Invoice:
    return Invoice(
        id="abc123",
        uploader=Uploader(name, "ana@example.com"),
        blob_key="k",
        media_type="image/png",
        file_hash="h",
        file_size=1,
        received_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        status=status,
        extraction=Extraction(
            total=Decimal(total) if total else None,
            currency="EUR",
            vendor=vendor,
            date=dt.date(2026, 11, 1),
        ),
    )


def notice_for(invoice: Invoice) -> OutgoingEmail:
    return notifications.invoice_notice(
        invoice, Month(2026, 11), Spending(invoice.uploader, (invoice,))
    )


def test_notice_has_vendor_date_total_and_month_to_date() -> None:
    email = notice_for(make_invoice())
    for part in (email.text, email.html):
        assert "Shop" in part and "2026-11-01" in part and "EUR 1,234.50" in part
        assert "November 2026" in part
    assert email.subject == "Invoice from Shop: EUR 1,234.50"


def test_user_and_extracted_text_is_escaped_in_html() -> None:
    email = notice_for(make_invoice(vendor=HOSTILE, name=HOSTILE))
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html and "&amp; Co" in email.html
    assert HOSTILE in email.text  # plain text carries it verbatim, harmlessly


def test_report_escapes_vendor_too() -> None:
    invoice = make_invoice(vendor=HOSTILE)
    email = notifications.monthly_report(Month(2026, 11), Spending(invoice.uploader, (invoice,)))
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html


def test_vendor_with_line_breaks_cannot_inject_headers() -> None:
    email = notice_for(make_invoice(vendor="Shop\r\nBcc: victim@example.com"))
    message = to_mime(email, "Billify <billify@example.com>")
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"]).replace("\n ", "")


def test_crlf_in_display_name_never_reaches_the_headers() -> None:
    email = OutgoingEmail("k", Uploader("Eve\r\nBcc: x@y.z", "eve@example.com"), "s", "t", "<p>")
    with pytest.raises(ValueError):
        to_mime(email, "billify@example.com").as_bytes()


def test_mime_has_text_and_html_and_stable_message_id() -> None:
    email = notice_for(make_invoice())
    message = to_mime(email, "Billify <billify@example.com>")
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
    assert message["Message-ID"] == email.message_id == notice_for(make_invoice()).message_id
    assert message["To"].addresses[0].addr_spec == "ana@example.com"


def test_failure_notice_explains() -> None:
    invoice = make_invoice(status=InvoiceStatus.FAILED, total=None).with_changes(
        original_filename="scan.pdf"
    )
    email = notifications.failure_notice(invoice, "the PDF is encrypted")
    assert "the PDF is encrypted" in email.text and "scan.pdf" in email.html


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("5", "EUR 5.00"),
        ("1234.5", "EUR 1,234.50"),
        ("-12.30", "EUR -12.30"),
        ("0.125", "EUR 0.125"),
    ],
)
def test_money_format(amount: str, text: str) -> None:
    assert notifications.format_money(Decimal(amount), "EUR") == text


def test_attachments_inline_and_regular() -> None:
    email = OutgoingEmail(
        "report:x",
        Uploader("Ana", "ana@example.com"),
        "Report",
        "text",
        '<p><img src="cid:chart"></p>',
        attachments=(
            Attachment("chart.png", b"\x89PNG fake", "image/png", content_id="chart"),
            Attachment("month.csv", b"date,total\n", "text/csv"),
        ),
    )
    message = to_mime(email, "billify@example.com")
    parts = {part.get_content_type(): part for part in message.walk()}
    assert parts["image/png"]["Content-ID"] == "<chart>"
    assert parts["text/csv"].get_filename() == "month.csv"
    assert "multipart/related" in parts


def test_inline_images_are_not_listed_as_attachments() -> None:
    email = OutgoingEmail(
        "k",
        Uploader("Ana", "ana@example.com"),
        "s",
        "t",
        '<img src="cid:c">',
        attachments=(Attachment("c.png", b"\x89PNG", "image/png", content_id="c"),),
    )
    image = next(
        p for p in to_mime(email, "b@example.com").walk() if p.get_content_type() == "image/png"
    )
    assert image.get_content_disposition() == "inline"


@pytest.mark.parametrize(
    ("to_check", "said", "subject"),
    [
        (("total",), "its total with", "Please check your invoice from Shop: total uncertain"),
        (("vendor",), "its vendor with", "Please check your invoice from Shop: vendor uncertain"),
        (
            ("total", "vendor"),
            "its total and vendor with",
            "Please check your invoice from Shop: total uncertain, vendor uncertain",
        ),
    ],
)
def test_review_notice_names_the_fields_to_check(
    to_check: tuple[str, ...], said: str, subject: str
) -> None:
    invoice = make_invoice(status=InvoiceStatus.NEEDS_REVIEW)
    email = notifications.invoice_notice(
        invoice, Month(2026, 11), Spending(invoice.uploader, (invoice,)), to_check
    )
    assert email.subject == subject
    for part in (email.text, email.html):
        assert f"could not read {said} confidence" in part
        assert ("Shop (uncertain: please check)" in part) == ("vendor" in to_check)
        assert ("EUR 1,234.50 (uncertain: please check)" in part) == ("total" in to_check)


def test_processed_notice_marks_nothing_uncertain() -> None:
    invoice = make_invoice()
    email = notifications.invoice_notice(
        invoice, Month(2026, 11), Spending(invoice.uploader, (invoice,)), ("vendor",)
    )
    assert "uncertain" not in email.text and "uncertain" not in email.html


LINKS = NoticeLinks(
    view="https://b.example/auth/open?token=t&do=view",
    fix="https://b.example/auth/open?token=t&do=fix",
    confirm="https://b.example/auth/open?token=t&do=confirm",
)


def test_notice_buttons_are_the_links_given() -> None:
    invoice = make_invoice()
    email = notifications.invoice_notice(
        invoice, Month(2026, 11), Spending(invoice.uploader, (invoice,)), links=LINKS
    )
    assert LINKS.confirm in email.text and LINKS.fix in email.text and LINKS.view in email.text
    assert '<a class="button" href="https://b.example/auth/open?token=t&amp;do=confirm">' in (
        email.html
    )
    assert "Not a duplicate" not in email.html
    assert "/auth/open" not in notice_for(invoice).text  # no links given: no buttons


def test_amount_due_only_when_it_differs_from_the_total() -> None:
    invoice = make_invoice()
    extraction = invoice.extraction
    assert extraction is not None
    same = invoice.with_changes(extraction=replace(extraction, amount_due=Decimal("1234.50")))
    part = invoice.with_changes(extraction=replace(extraction, amount_due=Decimal("234.5")))
    assert "Amount due" not in notice_for(same).text + notice_for(same).html
    for text in (notice_for(part).text, notice_for(part).html):
        assert "Amount due" in text and "EUR 234.50" in text


def test_notice_says_the_month_it_counts_in_is_the_upload_month() -> None:
    counted = notice_for(make_invoice())
    review = notice_for(make_invoice(status=InvoiceStatus.NEEDS_REVIEW))
    for part in (counted.text, counted.html):
        assert "Counted in November 2026, the month it was uploaded." in part
    assert "Once confirmed, it counts in November 2026, the month it was uploaded." in review.text


def test_failure_notice_with_links_offers_the_invoice_and_escapes_the_file_name() -> None:
    invoice = make_invoice(status=InvoiceStatus.FAILED, total=None).with_changes(
        original_filename=HOSTILE
    )
    email = notifications.failure_notice(invoice, "cannot read image.", links=LINKS)
    assert "cannot read image." in email.text and "image.." not in email.text
    assert LINKS.view in email.text and "Replace or delete it" in email.html
    assert "<script>" not in email.html and HOSTILE in email.text


def test_report_links_to_the_month_when_given_a_link() -> None:
    invoice = make_invoice()
    spending = Spending(invoice.uploader, (invoice,))
    link = "https://b.example/auth/open?token=t&do=view"
    email = notifications.monthly_report(Month(2026, 11), spending, link=link)
    assert link in email.text and 'href="https://b.example/auth/open?token=t&amp;do=view"' in (
        email.html
    )
    assert "/auth/open" not in notifications.monthly_report(Month(2026, 11), spending).html
