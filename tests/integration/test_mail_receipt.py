"""A receipt that is the email itself (HTML, no attachment): printed to a PDF and read by the
bundled extractor like any uploaded PDF, then answered in the thread."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from billify import inbox
from billify.adapters.local.bundled_extractor import BundledExtractor
from billify.adapters.local.printing import PdfPrinter
from billify.bootstrap import LocalBillify, build_local
from billify.config import Settings
from billify.domain.emails import to_mime
from billify.domain.inbound import html_rows
from billify.ports import InvoiceMessage
from tests.fakes import FakeMailer
from tests.mail import mail_bytes

RECEIPT = """<html><head><style>.x{color:red}</style></head><body>
<table><tr><td><img src="cid:logo"></td><td><h2>Corner Caf&eacute; GmbH</h2>
Hauptstr. 5, 10115 Berlin</td></tr></table>
<p>Receipt no. 2026-1142</p><p>Date: 14.11.2026</p>
<table><tr><th>Item</th><th>Qty</th><th>Price</th></tr>
<tr><td>Flat white</td><td>2</td><td>7,00 &euro;</td></tr>
<tr><td>Croissant</td><td>1</td><td>2,50 &euro;</td></tr>
<tr><td>Subtotal</td><td></td><td>7,98 &euro;</td></tr>
<tr><td>VAT 19%</td><td></td><td>1,52 &euro;</td></tr>
<tr><td><b>Total</b></td><td></td><td><b>9,50 &euro;</b></td></tr></table>
<p>Thank you for your visit!</p></body></html>"""


@pytest.fixture(scope="module")
def extractor() -> BundledExtractor:
    return BundledExtractor()


def test_the_printed_receipt_reads_as_its_html_shows(extractor: BundledExtractor) -> None:
    pdf = PdfPrinter().print_rows(html_rows(RECEIPT), "Your receipt")
    read = extractor.extract(pdf, "application/pdf")
    assert read.source == "pdf-text"
    assert (read.total, read.currency, read.date.isoformat() if read.date else None) == (
        Decimal("9.50"),
        "EUR",
        "2026-11-14",
    )
    assert read.vendor == "Corner Café GmbH"
    assert (read.subtotal, read.tax) == (Decimal("7.98"), Decimal("1.52"))


def test_an_html_receipt_by_email_is_answered_with_its_total(
    tmp_path: Path, extractor: BundledExtractor
) -> None:
    mailer = FakeMailer()
    app: LocalBillify = build_local(
        Settings(data_dir=tmp_path, inbound_domain="in.billify.test"),
        extractor=extractor,
        mailer=mailer,
    )
    to = inbox.inbound_address("ana@example.com", app.inbox)
    assert to is not None
    raw = mail_bytes(
        to, subject="Your receipt", html=RECEIPT, files=[], message_id="<r1@shop.example>"
    )
    inbox.receive(raw, ["ana@example.com"], app.inbox)
    message = app.queue.receive()
    assert message is not None
    invoice = app.process(InvoiceMessage.from_json(message.body))
    assert invoice is not None and invoice.total == Decimal("9.50")
    [notice] = mailer.sent
    assert "9.50" in notice.text
    assert to_mime(notice, "b@localhost")["In-Reply-To"] == "<r1@shop.example>"
