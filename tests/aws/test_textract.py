"""Textract AnalyzeExpense -> Extraction, through the loopback Textract stub (recorded JSON)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pypdfium2
import pytest
from PIL import Image

from billify.adapters.aws.textract import TextractExtractor, extraction_from_expense
from billify.domain.models import LineItem, UnreadableDocument
from tests.aws.conftest import Stack
from tests.aws.test_flow import recorded
from tests.conftest import png_bytes


def two_page_pdf() -> bytes:
    pdf = pypdfium2.PdfDocument.new()
    for _ in range(2):
        pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def test_mapping_of_a_recorded_answer() -> None:
    extraction = extraction_from_expense(recorded("analyze_expense_invoice_eur.json"))
    assert (extraction.total, extraction.subtotal, extraction.tax) == (
        Decimal("1234.50"),
        Decimal("1037.39"),
        Decimal("197.11"),
    )
    assert extraction.currency == "EUR" and extraction.vendor == "Lieferant GmbH"
    assert extraction.vendor_address == "Lindenstraße 4 10115 Berlin"
    assert extraction.date == dt.date(2018, 6, 5) and extraction.invoice_number == "471102"
    assert extraction.line_items == (
        LineItem("Widget, blau", Decimal("2"), Decimal("450.00"), Decimal("900.00")),
        LineItem("Versandkosten", None, None, Decimal("137.39")),
    )
    assert extraction.confidence["total"] == pytest.approx(0.991)
    assert extraction.confidence["currency"] == pytest.approx(0.932)
    assert extraction.source == "textract" and extraction.pages == 1


def test_empty_answer_reads_nothing() -> None:
    extraction = extraction_from_expense({"DocumentMetadata": {"Pages": 1}, "ExpenseDocuments": []})
    assert extraction.total is None and extraction.line_items == () and extraction.confidence == {}


def test_image_goes_through_the_synchronous_api(stack: Stack) -> None:
    stack.textract.answer("AnalyzeExpense", recorded("analyze_expense_invoice_eur.json"))
    extractor = TextractExtractor(stack.bucket)
    webp = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(webp, format="WEBP")

    assert extractor.extract(png_bytes(), "image/png").total == Decimal("1234.50")
    assert extractor.extract(webp.getvalue(), "image/webp").total == Decimal("1234.50")
    sent = [request["Document"]["Bytes"] for _, request in stack.textract.requests]
    assert len(sent) == 2 and all(isinstance(b, str) for b in sent)  # base64 on the wire
    assert stack.textract.operations() == ["AnalyzeExpense", "AnalyzeExpense"]


def test_multi_page_pdf_goes_through_the_asynchronous_api(stack: Stack) -> None:
    pages = recorded("get_expense_analysis_two_pages.json")
    for page in pages["pages"]:
        page.pop("_comment", None)
    stack.textract.answer("StartExpenseAnalysis", {"JobId": "job-1"})
    stack.textract.answer(
        "GetExpenseAnalysis", pages["in_progress"], pages["in_progress"], *pages["pages"]
    )
    extractor = TextractExtractor(stack.bucket, poll_seconds=0.01)

    extraction = extractor.extract(two_page_pdf(), "application/pdf")

    assert stack.textract.operations() == ["StartExpenseAnalysis"] + ["GetExpenseAnalysis"] * 4
    start = stack.textract.requests[0][1]
    location = start["DocumentLocation"]["S3Object"]
    assert location["Bucket"] == stack.bucket and location["Name"].startswith("textract-input/")
    assert start["ClientRequestToken"] == location["Name"].split("/")[1][:64]
    assert stack.textract.requests[-1][1]["NextToken"] == "page-2-token"
    # The scratch copy is gone once read (and the lifecycle rule expires any left behind).
    assert "Contents" not in stack.client("s3").list_objects_v2(Bucket=stack.bucket)
    # Fields from both pages; "$" alone reads as USD, so 03/12/2026 is month-first.
    assert extraction.currency == "USD" and extraction.date == dt.date(2026, 3, 12)
    assert extraction.total == Decimal("1299.00") and extraction.amount_due == Decimal("1299.00")
    assert extraction.confidence["total"] == pytest.approx(0.42)  # low: needs review
    assert extraction.vendor == "ACME SUPPLY CO." and extraction.pages == 2


def test_unreadable_documents_are_permanent_failures(stack: Stack) -> None:
    stack.textract.answer(
        "AnalyzeExpense",
        {
            "__type": "UnsupportedDocumentException",
            "message": "Request has unsupported document format",
        },
        status=400,
    )
    extractor = TextractExtractor(stack.bucket)
    with pytest.raises(UnreadableDocument):
        extractor.extract(png_bytes(), "image/png")
    with pytest.raises(UnreadableDocument):
        extractor.extract(b"%PDF-1.4 not really", "application/pdf")
