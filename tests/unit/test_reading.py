"""The reading pipeline with fake documents and a fake OCR engine: which source answers, which
pages reach OCR, and where each field was read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from PIL import Image

from billify.domain.extraction import TextLine
from billify.domain.extraction.lines import Box
from billify.reading import DocumentPipeline, ReadingLimits

CII = b"""<?xml version="1.0"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocument><ram:ID>X-1</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20240105</udt:DateTimeString>
  </ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:Name>XML Seller GmbH</ram:Name>
  </ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:GrandTotalAmount>119.00</ram:GrandTotalAmount><ram:DuePayableAmount>119.00</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""

PAGE = (600.0, 800.0)


def invoice_text(page: int) -> list[TextLine]:
    rows = [("Nordlicht Media B.V.", 40), ("Invoice number: 4711", 40), ("Total", 40)]
    lines = [
        TextLine(t, (x, 40.0 + 20 * i, x + 200, 50.0 + 20 * i), 1.0, page)
        for i, (t, x) in enumerate(rows)
    ]
    return [*lines, TextLine("119.00", (400.0, 80.0, 460.0, 90.0), 1.0, page)]


@dataclass
class FakeDocument:
    """Pages with a text layer (their lines) or without (``None``: pixels only)."""

    pages: list[list[TextLine] | None]
    xml: list[bytes] = field(default_factory=list)
    closed: bool = False

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def embedded_xml(self) -> Iterator[bytes]:
        return iter(self.xml)

    def text_lines(self, page: int) -> list[TextLine]:
        return list(self.pages[page] or [])

    def page_size(self, page: int) -> tuple[float, float]:
        return PAGE

    def page_image(self, page: int) -> Image.Image:
        return Image.new("L", (1200, 1600), 255)

    def pictures(self, page: int, limit: int) -> list[tuple[Image.Image, Box]]:
        return []

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeOpener:
    document: FakeDocument

    def open(self, document: bytes, media_type: str) -> FakeDocument:
        return self.document


@dataclass
class FakeOcr:
    """Reads every page image as the same invoice, in the image's pixels (twice the page)."""

    source: str = "fake-ocr"
    pages_read: list[int] = field(default_factory=list)

    def read(self, image: Image.Image, page: int, *, upright: bool = False) -> list[TextLine]:
        self.pages_read.append(page)
        return [
            TextLine(ln.text, tuple(2 * v for v in ln.box), 0.95, page)  # type: ignore[arg-type, union-attr]
            for ln in invoice_text(page)
        ]


def pipeline(document: FakeDocument, ocr: FakeOcr, **limits: int) -> DocumentPipeline:
    return DocumentPipeline(FakeOpener(document), ocr, ReadingLimits(**limits))


def test_an_e_invoice_is_read_from_its_xml_and_never_reaches_ocr() -> None:
    document = FakeDocument(pages=[None, None], xml=[b"<not-an-invoice/>", CII])
    ocr = FakeOcr()
    extraction = pipeline(document, ocr).extract(b"%PDF", "application/pdf")
    assert extraction.source == "e-invoice" and extraction.vendor == "XML Seller GmbH"
    assert extraction.pages == 2 and ocr.pages_read == [] and document.closed


def test_a_text_layer_answers_without_ocr_and_fields_carry_their_page_box() -> None:
    ocr = FakeOcr()
    extraction = pipeline(FakeDocument(pages=[invoice_text(0)]), ocr).extract(b"", "x")
    assert extraction.source == "pdf-text" and ocr.pages_read == []
    assert extraction.total == Decimal("119.00") and extraction.invoice_number == "4711"
    vendor = extraction.evidence["vendor"]
    expected = tuple(round(v, 4) for v in (40 / 600, 40 / 800, 240 / 600, 50 / 800))
    assert vendor.page == 0 and vendor.box == expected


def test_only_pages_without_text_are_ocred_and_their_boxes_scale_to_the_image() -> None:
    document = FakeDocument(pages=[[TextLine("terms and conditions " * 3, None)], None])
    ocr = FakeOcr()
    extraction = pipeline(document, ocr).extract(b"", "x")
    assert ocr.pages_read == [1] and extraction.source == "fake-ocr"
    total = extraction.evidence["total"]
    assert total.page == 1 and total.box is not None
    assert all(0 <= v <= 1 for v in total.box)
    assert total.box[2] == round(920 / 1200, 4)  # the row ends at x 460 = 920 px of 1200


def test_ocr_reads_at_most_the_first_and_last_scanned_pages() -> None:
    ocr = FakeOcr()
    pipeline(FakeDocument(pages=[None] * 9), ocr, max_ocr_pages=4).extract(b"", "x")
    assert ocr.pages_read == [0, 1, 7, 8]
