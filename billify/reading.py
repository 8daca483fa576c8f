"""Reading a document, one pipeline whatever engine reads the pixels (``Extractor``).

Embedded e-invoice XML first (exact); else each page's text layer; OCR only for images and
pages without text, so an OCR service (Textract) is never paid for a PDF whose XML or text
layer already answers. Fields are found by the same rules on the words and boxes of every
source (``extract_fields``), and each field keeps where it was read (``Extraction.evidence``,
as fractions of its page).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from billify.domain.categories import categorize
from billify.domain.extraction import (
    NotAnEInvoice,
    TextLine,
    extract_fields,
    parse_einvoice,
)
from billify.domain.extraction.lines import Box
from billify.domain.extraction.vendor import VendorWeights
from billify.domain.models import Evidence, Extraction, UnreadableDocument
from billify.ports import DocumentOpener, OcrEngine, OpenedDocument, PageImage


@dataclass(frozen=True)
class ReadingLimits:
    # A text-layer page takes ~0.02 s, an OCRed one ~0.6 s: of a longer document, the first
    # and the last pages are read (where the seller, the date and the total are printed), at
    # most max_pages pages in all and at most max_ocr_pages by OCR.
    max_pages: int = 500
    max_ocr_pages: int = 20
    # A text-layer PDF whose seller is found with less confidence than this has the pictures
    # of its first page OCRed too (at most max_pictures, largest first): a letterhead image.
    image_text_below: float = 0.4
    max_pictures: int = 3


class DocumentPipeline:
    """``Extractor``: documents opened by ``documents``, pixels read by ``ocr``.

    ``read_einvoices=False`` ignores embedded XML (to measure the layout rules on e-invoices,
    whose XML gives the right answers); ``read_text_layers=False`` OCRs every page as if
    scanned. One document at a time per instance (OCR engines are not thread-safe)."""

    def __init__(
        self,
        documents: DocumentOpener,
        ocr: OcrEngine,
        limits: ReadingLimits | None = None,
        *,
        read_einvoices: bool = True,
        read_text_layers: bool = True,
        vendor_weights: VendorWeights | None = None,
    ) -> None:
        self.documents = documents
        self.vendor_weights = vendor_weights
        self.ocr = ocr
        self.limits = limits or ReadingLimits()
        self.read_einvoices = read_einvoices
        self.read_text_layers = read_text_layers
        self._lock = threading.Lock()

    def extract(self, document: bytes, media_type: str) -> Extraction:
        with self._lock:
            opened = self.documents.open(document, media_type)
            try:
                return replace(self._read(opened), pages=opened.page_count)
            finally:
                opened.close()

    def read_lines(self, document: bytes, media_type: str) -> list[TextLine]:
        """The document's text lines as field finding sees them (text layers and OCR; no
        e-invoice XML): what a ranker is trained on."""
        with self._lock:
            opened = self.documents.open(document, media_type)
            try:
                return self._page_lines(opened)[0]
            finally:
                opened.close()

    def _read(self, opened: OpenedDocument) -> Extraction:
        structured = einvoice_of(opened) if self.read_einvoices else None
        if structured is not None:
            return with_category(structured, "")
        lines, sizes, ocred = self._page_lines(opened)
        source = self.ocr.source if ocred else "pdf-text"
        extraction = extract_fields(lines, source=source, vendor_weights=self.vendor_weights)
        if not ocred and self._vendor_is_weak(extraction):
            extraction = self._with_picture_text(opened, lines, extraction)
        extraction = replace(extraction, evidence=_on_page_scale(extraction.evidence, sizes))
        return with_category(extraction, "\n".join(line.text for line in lines))

    def _page_lines(
        self, opened: OpenedDocument
    ) -> tuple[list[TextLine], dict[int, tuple[float, float]], bool]:
        """The lines of the pages read (text layer, else OCR), each page's size in the units
        of its lines, and whether any page was OCRed."""
        read = ends(range(opened.page_count), self.limits.max_pages)
        text = {i: opened.text_lines(i) if self.read_text_layers else [] for i in read}
        to_ocr = set(ends([i for i in read if not has_text(text[i])], self.limits.max_ocr_pages))
        lines: list[TextLine] = []
        sizes: dict[int, tuple[float, float]] = {}
        for index in read:
            if index in to_ocr:
                image = opened.page_image(index)
                lines.extend(self.ocr.read(image, index))
                sizes[index] = (float(image.width), float(image.height))
            elif has_text(text[index]):
                lines.extend(text[index])
                sizes[index] = opened.page_size(index)
        return lines, sizes, bool(to_ocr)

    def _vendor_is_weak(self, extraction: Extraction) -> bool:
        return extraction.confidence.get("vendor", 0.0) < self.limits.image_text_below

    def _with_picture_text(
        self, opened: OpenedDocument, lines: list[TextLine], extraction: Extraction
    ) -> Extraction:
        """Some sellers print their letterhead as a picture (a logo with the company name and
        address) on an otherwise digital PDF: OCR the first page's pictures and read the
        fields again with their text placed where the pictures sit. Kept only when the seller
        is then found with more confidence."""
        picture_lines: list[TextLine] = []
        for picture, bounds in opened.pictures(0, self.limits.max_pictures):
            try:
                picture_lines.extend(
                    _placed(self.ocr.read(picture, 0, upright=True), picture, bounds)
                )
            except UnreadableDocument:
                continue  # a picture the engine refuses: the text layer still answers
        if not picture_lines:
            return extraction
        again = extract_fields(
            [*lines, *picture_lines],
            source=f"pdf-text+{self.ocr.source}",
            vendor_weights=self.vendor_weights,
        )
        gained = again.confidence.get("vendor", 0.0) > extraction.confidence.get("vendor", 0.0)
        return again if gained and not self._vendor_is_weak(again) else extraction


def einvoice_of(opened: OpenedDocument) -> Extraction | None:
    """The first attached XML that parses as a CII or UBL invoice, read exactly."""
    for xml in opened.embedded_xml():
        try:
            return parse_einvoice(xml)
        except NotAnEInvoice:
            continue
    return None


def with_category(extraction: Extraction, text: str) -> Extraction:
    """``extraction`` with the expense category guessed from its vendor, its line items and
    ``text`` (the pages' text; "" for an e-invoice read from its XML), and that guess's
    confidence as ``confidence["category"]``. A category already set is kept."""
    if extraction.category is not None:
        return extraction
    items = [item.description for item in extraction.line_items]
    guess = categorize(extraction.vendor, items, text)
    confidence = {**extraction.confidence, "category": guess.confidence}
    return replace(extraction, category=guess.category, confidence=confidence)


def ends(pages: Sequence[int], limit: int) -> list[int]:
    """At most ``limit`` of ``pages``: all of them, or the first and the last ones."""
    if len(pages) <= limit:
        return list(pages)
    head = (limit + 1) // 2
    return [*pages[:head], *pages[len(pages) - (limit - head) :]]


def has_text(lines: Sequence[TextLine]) -> bool:
    return sum(len(line.text.strip()) for line in lines) >= 20


def _placed(lines: Sequence[TextLine], picture: PageImage, bounds: Box) -> Iterator[TextLine]:
    """OCR lines of a picture, moved from its pixels to where it sits on the page."""
    left, top, right, bottom = bounds
    sx, sy = (right - left) / max(picture.width, 1), (bottom - top) / max(picture.height, 1)
    for line in lines:
        if line.box is None:
            continue
        x0, y0, x1, y1 = line.box
        box = (left + x0 * sx, top + y0 * sy, left + x1 * sx, top + y1 * sy)
        yield replace(line, box=box)


def _on_page_scale(
    evidence: dict[str, Evidence], sizes: dict[int, tuple[float, float]]
) -> dict[str, Evidence]:
    """Boxes in page units -> fractions of the page's width and height (what a viewer needs
    to highlight them on any rendering of the page)."""
    out: dict[str, Evidence] = {}
    for name, found in evidence.items():
        size = sizes.get(found.page)
        if found.box is None or size is None or min(size) <= 0:
            out[name] = replace(found, box=None)
            continue
        x0, y0, x1, y1 = found.box
        width, height = size
        box = (
            _fraction(x0, width),
            _fraction(y0, height),
            _fraction(x1, width),
            _fraction(y1, height),
        )
        out[name] = replace(found, box=box)
    return out


def _fraction(value: float, whole: float) -> float:
    return round(min(max(value / whole, 0.0), 1.0), 4)
