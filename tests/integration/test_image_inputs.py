"""Every input kind the bundled extractor takes, on real receipts and invoices from
../shared/data: turned pages, EXIF orientation, WEBP, multi-page TIFF, PDFs mixing text-layer
and scanned pages, long PDFs."""

from __future__ import annotations

import ctypes
import io
import json
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from billify.adapters.local.bundled_extractor import BundledExtractor
from billify.evaluation import score_field

RECEIPTS = ("images/000.jpg", "images/240.jpg")
EXIF_ORIENTATION = 0x0112
ROTATED_90_CCW = 6  # EXIF: the stored pixels must be turned 90 degrees clockwise to be shown


class _CountingEngine:
    """The OCR engine, counting the page readings it makes."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.readings = 0

    def __call__(self, pixels: Any) -> Any:
        self.readings += 1
        return self.engine(pixels)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


@pytest.fixture(scope="module")
def extractor() -> BundledExtractor:
    return BundledExtractor()


@pytest.fixture
def engine(extractor: BundledExtractor) -> Any:
    real = extractor.ocr._ocr_engine()
    counting = _CountingEngine(real)
    extractor.ocr._engine = counting  # type: ignore[assignment]
    yield counting
    extractor.ocr._engine = real


def _receipt(shared_data: Path, file: str) -> tuple[Image.Image, dict[str, Any]]:
    root = shared_data / "sroie-train"
    for line in (root / "manifest.jsonl").read_text("utf-8").splitlines():
        entry: dict[str, Any] = json.loads(line)
        if entry["file"] == file:
            return Image.open(root / file), entry
    raise LookupError(file)


def _encoded(image: Image.Image, kind: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def _assert_read(result: Any, entry: dict[str, Any]) -> None:
    got = result.to_json()
    assert score_field("total", entry["total"], got["total"]), (entry["total"], got["total"])
    assert score_field("date", entry["date"], got["date"]), (entry["date"], got["date"])


@pytest.mark.slow
@pytest.mark.parametrize("file", RECEIPTS)
@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_page_turned_sideways_or_upside_down_reads_as_upright(
    extractor: BundledExtractor, engine: _CountingEngine, shared_data: Path, file: str, angle: int
) -> None:
    image, entry = _receipt(shared_data, file)
    turned = _encoded(image.rotate(angle, expand=True), "JPEG", quality=92)

    result = extractor.extract(turned, "image/jpeg")

    _assert_read(result, entry)
    # The first reading tells which way the page lies: one more reading, not every turn tried.
    assert engine.readings == 2


def test_an_upright_page_is_read_once(
    extractor: BundledExtractor, engine: _CountingEngine, shared_data: Path
) -> None:
    image, entry = _receipt(shared_data, RECEIPTS[0])
    _assert_read(extractor.extract(_encoded(image, "PNG"), "image/png"), entry)
    assert engine.readings == 1


def test_exif_orientation_is_honoured(
    extractor: BundledExtractor, engine: _CountingEngine, shared_data: Path
) -> None:
    image, entry = _receipt(shared_data, RECEIPTS[1])
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATED_90_CCW
    stored_sideways = _encoded(image.rotate(90, expand=True), "JPEG", quality=92, exif=exif)

    result = extractor.extract(stored_sideways, "image/jpeg")

    _assert_read(result, entry)
    assert engine.readings == 1  # shown upright from the start: nothing to guess


def test_webp(extractor: BundledExtractor, shared_data: Path) -> None:
    image, entry = _receipt(shared_data, RECEIPTS[0])
    result = extractor.extract(_encoded(image, "WEBP", quality=90), "image/webp")
    _assert_read(result, entry)
    assert result.source == "ocr"


@pytest.mark.slow
def test_every_page_of_a_multipage_tiff_is_read(
    extractor: BundledExtractor, engine: _CountingEngine, shared_data: Path
) -> None:
    first, entry = _receipt(shared_data, RECEIPTS[0])
    blank = Image.new("L", first.size, 255)
    document = _encoded(first, "TIFF", save_all=True, append_images=[blank])

    result = extractor.extract(document, "image/tiff")

    assert result.pages == 2
    _assert_read(result, entry)
    assert engine.readings == 2  # a blank page is not tried turned


@pytest.mark.slow
def test_a_pdf_is_read_from_its_text_layer_and_only_its_scanned_pages_by_ocr(
    extractor: BundledExtractor, engine: _CountingEngine, shared_data: Path
) -> None:
    invoice = pdfium.PdfDocument((shared_data / "invoice2data" / "coolblue1.pdf").read_bytes())
    text_pages = len(invoice)
    scan, _ = _receipt(shared_data, RECEIPTS[0])
    invoice.import_pages(pdfium.PdfDocument(_encoded(scan.convert("RGB"), "PDF")))
    mixed = io.BytesIO()
    invoice.save(mixed)

    result = extractor.extract(mixed.getvalue(), "application/pdf")

    assert result.pages == text_pages + 1
    assert result.source == "ocr"  # some of it was read by OCR
    assert engine.readings == 1  # the scanned page alone
    assert result.invoice_number == "993548900"  # printed in the text layer of page 1


def _text_pages(count: int) -> pdfium.PdfDocument:
    """``count`` pages of small print with a text layer and no amounts."""
    pdf = pdfium.PdfDocument.new()
    font = pdfium_c.FPDFText_LoadStandardFont(pdf.raw, b"Helvetica")
    for number in range(count):
        page = pdf.new_page(595, 842)
        rows = (f"General terms, page {number + 1}", "Deliveries are made at the buyer's risk.")
        for row, text in enumerate(rows):
            line = pdfium_c.FPDFPageObj_CreateTextObj(pdf.raw, font, 11.0)
            utf16 = (text + "\0").encode("utf-16-le")
            pdfium_c.FPDFText_SetText(
                line, (ctypes.c_ushort * (len(utf16) // 2)).from_buffer_copy(utf16)
            )
            pdfium_c.FPDFPageObj_Transform(line, 1, 0, 0, 1, 50, 790 - 16 * row)
            pdfium_c.FPDFPage_InsertObject(page.raw, line)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
    return pdf


def _saved(pdf: pdfium.PdfDocument) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def test_a_long_pdf_is_read_to_its_last_page(engine: _CountingEngine, shared_data: Path) -> None:
    extractor = BundledExtractor(max_pages=10)
    extractor.ocr._engine = engine  # type: ignore[assignment]
    pdf = _text_pages(60)  # 60 pages of terms, then the invoice itself
    pdf.import_pages(
        pdfium.PdfDocument((shared_data / "invoice2data" / "coolblue2.pdf").read_bytes())
    )

    result = extractor.extract(_saved(pdf), "application/pdf")

    assert result.pages == 61
    assert result.source == "pdf-text"
    assert engine.readings == 0
    assert result.total is not None and str(result.total) == "4904.94"
    assert result.invoice_number == "992288600"


@pytest.mark.slow
def test_a_long_scan_is_ocred_on_its_first_and_last_pages_only(
    engine: _CountingEngine, shared_data: Path
) -> None:
    extractor = BundledExtractor(max_ocr_pages=4)
    extractor.ocr._engine = engine  # type: ignore[assignment]
    receipt, entry = _receipt(shared_data, RECEIPTS[1])
    receipt = receipt.convert("RGB")
    blank = Image.new("RGB", receipt.size, "white")
    scan = _encoded(blank, "PDF", save_all=True, append_images=[blank] * 8 + [receipt])

    result = extractor.extract(scan, "application/pdf")

    assert result.pages == 10
    assert engine.readings == 4  # pages 1, 2, 9 and 10: the receipt on the last one is read
    _assert_read(result, entry)
