"""Line-item labels read from real e-invoice PDFs of ../shared/data (never copied into the repo):
the embedded XML of zugferd/, and for einvoice-rerender-text/ (the XML removed) the same-named
PDF of einvoice-rerender/."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium

from billify.adapters.local.bundled_extractor import BundledExtractor
from billify.domain.models import Extraction, LineItem
from billify.evaluation import evaluate, line_item_labels, load_documents

TEILRECHNUNG = "pdf/000-EN16931_1_Teilrechnung.pdf"  # four lines in its XML
TEILRECHNUNG_AMOUNTS = [Decimal("10.00"), Decimal("5.50"), Decimal("109.80"), Decimal("55.46")]


def test_a_zugferd_pdf_gives_the_line_items_of_its_xml(shared_data: Path) -> None:
    items = line_item_labels(shared_data / "zugferd", {"file": TEILRECHNUNG})
    assert items is not None
    assert [item.amount for item in items] == TEILRECHNUNG_AMOUNTS
    assert items[1].description == "Schweinesteak"


def test_the_text_only_twin_takes_the_labels_of_the_pdf_with_xml(shared_data: Path) -> None:
    text_set = load_documents(shared_data / "einvoice-rerender-text" / "manifest.jsonl")
    with_xml = {d.file: d for d in load_documents(shared_data / "einvoice-rerender/manifest.jsonl")}
    labelled = 0
    for document in text_set:
        pdf = pdfium.PdfDocument(document.path)
        assert pdf.count_attachments() == 0  # the XML really is gone
        pdf.close()
        items = document.line_items()
        assert items == with_xml[document.file].line_items()
        labelled += items is not None
    assert labelled >= 15  # a MINIMUM-profile XML has no lines: no label


class FixedItems:
    """Reads every document as the Teilrechnung's four line items."""

    def extract(self, document: bytes, media_type: str) -> Extraction:
        amounts = TEILRECHNUNG_AMOUNTS[::-1]  # order does not matter
        return Extraction(line_items=tuple(LineItem("x", amount=a) for a in amounts))


def test_evaluation_scores_line_items_against_the_xml(shared_data: Path) -> None:
    report = evaluate(shared_data / "zugferd" / "manifest.jsonl", FixedItems(), limit=2)
    assert report.results[0].file == TEILRECHNUNG
    assert report.counts("line_items_count") == (1, 2)  # the second PDF has two lines
    assert report.counts("line_items_amount") == (1, 2)
    assert "line_items_amount         1       2     0.500" in report.format()


def test_the_extractor_reading_the_xml_gets_every_labelled_line_item_list(
    shared_data: Path,
) -> None:
    """The labels are the XML the extractor itself reads (the same attachment)."""
    report = evaluate(shared_data / "zugferd" / "manifest.jsonl", BundledExtractor(), limit=8)
    right, scored = report.counts("line_items_amount")
    assert scored >= 6 and right == scored, report.failures("line_items_amount")
    assert report.counts("line_items_count") == (scored, scored)
