"""The extractor that needs no service: PDF text layer, embedded e-invoice XML, or bundled OCR.

``BundledExtractor().extract(document, media_type)`` reads PNG, JPEG, WebP, TIFF and PDF.
PDFs carrying ZUGFeRD / Factur-X / XRechnung / UBL XML are read from the XML; pages with a
text layer are read from it; other pages and images go through RapidOCR (models ship inside
the ``rapidocr`` wheel, nothing is downloaded). The OCR engine is loaded on first use, once
per instance. ``extract`` holds a per-instance lock: calls from several threads are safe but
run one at a time; use one instance per worker process for parallelism.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import io
import logging
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, UnidentifiedImageError

from billify.adapters.local.ocr_models import latin_recognizer
from billify.domain.extraction import (
    NotAnEInvoice,
    TextLine,
    UnreadableDocument,
    extract_fields,
    parse_einvoice,
)
from billify.domain.extraction.lines import Box
from billify.domain.models import Extraction

if TYPE_CHECKING:
    from rapidocr import RapidOCR

log = logging.getLogger(__name__)

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/tiff"})
PDF_TYPE = "application/pdf"
SUPPORTED_TYPES = IMAGE_TYPES | {PDF_TYPE}
MAX_PICTURE_PIXELS = 25_000_000  # a letterhead picture is far smaller; a bomb is not decoded
_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "zugferd.xml")


@dataclass(frozen=True)
class OcrSettings:
    """Speed/accuracy knobs of the bundled OCR (measured on 2 CPU cores)."""

    max_side: int = 1600  # images are downscaled to this longest side before OCR
    det_limit: int = 960  # text detection runs at this longest side
    # Recognition pads every text crop of a batch to at least this width (px at 48 px high).
    # RapidOCR's default, 320, spends most of the recognition time on padding for short
    # receipt fields; 160 is ~25% faster per receipt with the same field accuracy
    # (measured on 320 SROIE receipts: 3 of 960 field values changed).
    rec_min_width: int = 160
    rec_batch: int = 6  # text crops recognised per onnxruntime call (RapidOCR's default)
    threads: int = 2  # onnxruntime intra-op threads
    # onnxruntime's memory arena: reusing buffers between crops is ~15% faster recognition
    # (RapidOCR turns it off by default); _release_memory() trims what it frees after a document.
    memory_arena: bool = True
    # Recognise with the Latin-script copy of the model (ocr_models.py): ~8% faster, and no
    # CJK look-alikes (a full-width colon for ``:``) in what the field rules read.
    latin_only: bool = True
    # The longest text lines (at most this many) vote on which way the page is turned.
    orientation_lines: int = 16
    sure_upright: float = 0.9  # a reading this confident (mean per line) is not voted on
    min_lines: int = 6  # fewer lines than this (or low confidence) => try rotations
    min_confidence: float = 0.75
    render_dpi: int = 200  # PDF pages without a text layer are rendered at this resolution
    # A text-layer PDF whose seller is found with less confidence than this has the pictures
    # of its first page OCRed too (at most max_pictures, largest first): a letterhead image.
    image_text_below: float = 0.4
    max_pictures: int = 3


class BundledExtractor:
    """``Extractor`` for images and PDFs, all local (see module docstring)."""

    def __init__(
        self,
        settings: OcrSettings | None = None,
        max_pages: int = 500,
        max_ocr_pages: int = 20,
        read_einvoices: bool = True,
        read_text_layers: bool = True,
    ) -> None:
        self.settings = settings or OcrSettings()
        # False: a PDF's embedded e-invoice XML is ignored and its pages read as printed
        # (to measure the layout rules on e-invoices, whose XML gives the right answers).
        self.read_einvoices = read_einvoices
        # False: every PDF page is OCRed as if scanned (a text layer in a broken font
        # encoding; or to measure OCR on invoices whose text layer gives the right answers).
        self.read_text_layers = read_text_layers
        # A text-layer page takes ~0.02 s, an OCRed one ~0.6 s: of a longer document, the
        # first and the last pages are read (where the seller, the date and the total are
        # printed), at most max_pages pages in all and at most max_ocr_pages by OCR.
        self.max_pages = max_pages
        self.max_ocr_pages = max_ocr_pages
        self._engine: RapidOCR | None = None
        self._lock = threading.Lock()

    def extract(self, document: bytes, media_type: str) -> Extraction:
        media_type = media_type.split(";")[0].strip().lower()
        if media_type == "image/jpg":
            media_type = "image/jpeg"
        if media_type not in SUPPORTED_TYPES:
            raise UnreadableDocument(f"unsupported media type {media_type!r}")
        with self._lock:
            try:
                if media_type == PDF_TYPE:
                    return self._extract_pdf(document)
                return self._extract_image(document)
            finally:
                _release_memory()

    # -- images -------------------------------------------------------------------------

    def _extract_image(self, document: bytes) -> Extraction:
        frames = _frame_count(document)
        lines: list[TextLine] = []
        for index, page in _open_image_pages(document, ends(range(frames), self.max_ocr_pages)):
            lines.extend(self.ocr_lines(page, index))
        return replace(extract_fields(lines, source="ocr"), pages=frames)

    def ocr_lines(self, image: Image.Image, page: int = 0) -> list[TextLine]:
        """OCR one page image however it is turned. The text lines found tell whether the
        page lies sideways or upside down (``_page_turn``); it is then read again turned
        upright. When the reading still looks wrong, the other turns are tried."""
        image = _downscale(image.convert("RGB"), self.settings.max_side)
        pixels = np.asarray(image)
        first: Any = self._ocr_engine()(pixels)
        best = _lines_of(first, page)
        turn = self._page_turn(pixels, first, _mean_confidence(best) >= self.settings.sure_upright)
        tried = {0, turn}
        if turn:
            best = self._ocr(image.rotate(turn, expand=True), page)
        if first.boxes is None or _looks_upright(best, self.settings):
            return best  # no text found at all (a blank page) is no better turned
        for angle in (a for a in (90, 270, 180) if a not in tried):
            rotated = self._ocr(image.rotate(angle, expand=True), page)
            if _quality(rotated) > _quality(best):
                best = rotated
            if _looks_upright(best, self.settings):
                break
        return best

    def _page_turn(self, pixels: np.ndarray, result: Any, confident: bool) -> int:
        """How far to turn the page (degrees, counterclockwise) for its text to be upright.
        Lines taller than wide mean the page lies sideways; RapidOCR's own orientation
        classifier (0 or 180 degrees, per text line) judges the longest lines. A confident
        reading of flat lines is upright (an upright page reads with ~0.96+ mean confidence,
        a turned one below ~0.8) and is not put to the classifier (~30 ms)."""
        from rapidocr.utils.process_img import get_rotate_crop_image

        if result.boxes is None:
            return 0
        boxes = [np.asarray(box, np.float32) for box in result.boxes]
        boxes.sort(key=_long_side, reverse=True)
        sample = [box for box in boxes[: self.settings.orientation_lines] if _elongated(box)]
        tall = [_is_tall(box) for box in sample]
        if not sample or (confident and sum(tall) * 2 <= len(tall)):
            return 0
        # The crops of tall lines come back turned a quarter counterclockwise already.
        crops = [get_rotate_crop_image(pixels, box.copy()) for box in sample]
        engine: Any = self._ocr_engine()
        votes = engine._load_cls_model()(crops).cls_res  # loaded on first use
        return page_turn(
            tall,
            [(label == "180", float(score)) for label, score in votes],
        )

    def _picture_lines(self, picture: Image.Image, bounds: Box) -> Iterator[TextLine]:
        """OCR of a picture on a page (upright, as drawn), placed at ``bounds``."""
        image = _downscale(picture, self.settings.max_side)
        return _placed(self._ocr(image, 0), image.size, bounds)

    def _ocr(self, image: Image.Image, page: int) -> list[TextLine]:
        return _lines_of(self._ocr_engine()(np.asarray(image)), page)

    def _ocr_engine(self) -> RapidOCR:
        if self._engine is None:
            self._engine = _load_engine(self.settings)
        return self._engine

    # -- PDFs ---------------------------------------------------------------------------

    def _extract_pdf(self, document: bytes) -> Extraction:
        pdf = _open_pdf(document)
        try:
            page_count = len(pdf)
            structured = _embedded_einvoice(pdf) if self.read_einvoices else None
            if structured is not None:
                return replace(structured, pages=page_count)
            read = ends(range(page_count), self.max_pages)
            text_layer = {i: _text_layer_lines(pdf, i) for i in read}
            scanned = [i for i in read if not (self.read_text_layers and _has_text(text_layer[i]))]
            to_ocr = set(ends(scanned, self.max_ocr_pages))
            lines: list[TextLine] = []
            for index, page_lines in text_layer.items():
                if index in to_ocr:
                    page_image = _render(pdf, index, self.settings.render_dpi)
                    lines.extend(self.ocr_lines(page_image, index))
                elif _has_text(page_lines):
                    lines.extend(page_lines)
            used_ocr = bool(to_ocr)
            extraction = extract_fields(lines, source="ocr" if used_ocr else "pdf-text")
            if not used_ocr and self._vendor_is_weak(extraction):
                extraction = self._with_image_text(pdf, lines, extraction)
            return replace(extraction, pages=page_count)
        finally:
            pdf.close()

    def _vendor_is_weak(self, extraction: Extraction) -> bool:
        return extraction.confidence.get("vendor", 0.0) < self.settings.image_text_below

    def _with_image_text(
        self, pdf: pdfium.PdfDocument, lines: list[TextLine], extraction: Extraction
    ) -> Extraction:
        """Some sellers print their letterhead as a picture (a logo with the company name and
        address) on an otherwise digital PDF: OCR the first page's pictures and read the
        fields again with their text placed where the pictures sit. Kept only when the seller
        is then found with more confidence."""
        image_lines = [
            line
            for picture, bounds in _page_pictures(pdf, 0, self.settings.max_pictures)
            for line in self._picture_lines(picture, bounds)
        ]
        if not image_lines:
            return extraction
        again = extract_fields([*lines, *image_lines], source="pdf-text+ocr")
        gained = again.confidence.get("vendor", 0.0) > extraction.confidence.get("vendor", 0.0)
        return again if gained and not self._vendor_is_weak(again) else extraction


def _release_memory() -> None:
    """Hand freed heap pages back to the OS (glibc only). OCR allocates large buffers of a
    different size for every page; without this a long-running worker's RSS creeps up."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def _load_engine(settings: OcrSettings) -> RapidOCR:
    import rapidocr  # slow import (~0.5 s with the models): only when needed

    params: dict[str, Any] = {
        "Global.log_level": "warning",
        "Global.use_cls": False,
        "Det.limit_type": "max",
        "Det.limit_side_len": settings.det_limit,
        "Rec.rec_img_shape": [3, 48, settings.rec_min_width],
        "Rec.rec_batch_num": settings.rec_batch,
        "EngineConfig.onnxruntime.intra_op_num_threads": settings.threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        "EngineConfig.onnxruntime.enable_cpu_mem_arena": settings.memory_arena,
    }
    if settings.latin_only:
        params["Rec.model_path"] = str(latin_recognizer(_bundled_recognizer(rapidocr)))
    engine = rapidocr.RapidOCR(params=params)
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return engine


def _bundled_recognizer(package: ModuleType) -> Path:
    """The recognition model shipped inside the rapidocr wheel (its only ``*_rec_*.onnx``)."""
    models = sorted((Path(str(package.__file__)).parent / "models").glob("*_rec_*.onnx"))
    if len(models) != 1:
        raise RuntimeError(f"expected one recognition model in the rapidocr wheel: {models}")
    return models[0]


def ends(pages: Sequence[int], limit: int) -> list[int]:
    """At most ``limit`` of ``pages``: all of them, or the first and the last ones."""
    if len(pages) <= limit:
        return list(pages)
    head = (limit + 1) // 2
    return [*pages[:head], *pages[len(pages) - (limit - head) :]]


def _frame_count(document: bytes) -> int:
    with _image_errors(), Image.open(io.BytesIO(document)) as image:
        return int(getattr(image, "n_frames", 1))


def _open_image_pages(document: bytes, frames: Sequence[int]) -> Iterator[tuple[int, Image.Image]]:
    """The image's frames (pages) numbered in ``frames``, upright by their EXIF orientation."""
    with _image_errors(), warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(document))
        image.load()
        for frame in frames:
            image.seek(frame)
            yield frame, ImageOps.exif_transpose(image.copy())


@contextlib.contextmanager
def _image_errors() -> Iterator[None]:
    """Pillow's many ways of saying a file is not a readable image, as UnreadableDocument."""
    try:
        yield
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        EOFError,
    ) as exc:
        raise UnreadableDocument(f"cannot read image: {exc}") from exc


def _downscale(image: Image.Image, max_side: int) -> Image.Image:
    longest = max(image.size)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _lines_of(result: Any, page: int) -> list[TextLine]:
    """RapidOCR's output as text lines with upright bounding boxes."""
    if result.txts is None or result.boxes is None:
        return []
    lines = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        lines.append(TextLine(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score), page))
    return lines


def page_turn(tall: Sequence[bool], upside_down: Sequence[tuple[bool, float]]) -> int:
    """The counterclockwise turn (0, 90, 180 or 270 degrees) that makes a page upright, from
    its longest text lines: whether each is taller than wide, and whether the orientation
    classifier reads it (turned a quarter counterclockwise if tall) as upside down, with its
    score. The lines of the majority shape vote, weighted by score; a turn needs a clear
    majority, else the page is taken as it is."""
    if len(tall) < _MIN_VOTES:
        return 0
    sideways = sum(tall) * 2 > len(tall)
    flipped = upright = 0.0
    for is_tall, (is_flipped, score) in zip(tall, upside_down, strict=True):
        if is_tall != sideways:
            continue
        if is_flipped:
            flipped += score
        else:
            upright += score
    turned = flipped > _CLEAR_MAJORITY * upright
    if sideways:
        # A tall line read upright once turned a quarter counterclockwise: so is the page.
        return 270 if turned else 90
    return 180 if turned else 0


_MIN_VOTES = 3
_CLEAR_MAJORITY = 1.5


def _side_lengths(box: np.ndarray) -> tuple[float, float]:
    width = float(np.linalg.norm(box[1] - box[0]))
    height = float(np.linalg.norm(box[3] - box[0]))
    return width, height


def _long_side(box: np.ndarray) -> float:
    return max(_side_lengths(box))


def _is_tall(box: np.ndarray) -> bool:
    width, height = _side_lengths(box)
    return height > width


def _elongated(box: np.ndarray) -> bool:
    """A line of several characters: its long side at least twice its short one (a single
    digit's box says nothing about which way the page lies)."""
    width, height = _side_lengths(box)
    return max(width, height) >= 2 * max(min(width, height), 1.0)


def _mean_confidence(lines: Sequence[TextLine]) -> float:
    return sum(line.confidence for line in lines) / len(lines) if lines else 0.0


def _quality(lines: Sequence[TextLine]) -> float:
    return sum(line.confidence * len(line.text) for line in lines)


def _looks_upright(lines: Sequence[TextLine], settings: OcrSettings) -> bool:
    if len(lines) < settings.min_lines:
        return False
    return _mean_confidence(lines) >= settings.min_confidence


def _open_pdf(document: bytes) -> pdfium.PdfDocument:
    if not document.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadableDocument("not a PDF (no %PDF header)")
    try:
        return pdfium.PdfDocument(document)
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(f"cannot open PDF (encrypted or damaged): {exc}") from exc


def _embedded_einvoice(pdf: pdfium.PdfDocument) -> Extraction | None:
    """The first attached XML that parses as a CII or UBL invoice, preferring known names."""
    attachments = []
    for index in range(pdf.count_attachments()):
        attachment = pdf.get_attachment(index)
        name = attachment.get_name()
        if name.lower().endswith(".xml"):
            attachments.append((name.lower() not in _XML_NAMES, name, attachment))
    for _, name, attachment in sorted(attachments, key=lambda item: item[:2]):
        try:
            return parse_einvoice(bytes(attachment.get_data()))
        except (NotAnEInvoice, pdfium.PdfiumError) as exc:
            log.info("attachment %s is not an e-invoice: %s", name, exc)
    return None


def _render(pdf: pdfium.PdfDocument, index: int, dpi: int) -> Image.Image:
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = min(dpi / 72, 2000 / max(width, height, 1))
        image: Image.Image = page.render(scale=scale, grayscale=True).to_pil()
        return image
    finally:
        page.close()


def _page_pictures(
    pdf: pdfium.PdfDocument, index: int, limit: int
) -> list[tuple[Image.Image, Box]]:
    """The page's pictures big enough to hold a line of text and smaller than half the page
    (a full-page picture is a scan, read by OCR already), largest first, with their bounds
    in page units, y downwards. Pictures of more than MAX_PICTURE_PIXELS are not decoded."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        found = []
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
            left, bottom, right, top = obj.get_bounds()
            area = (right - left) * (top - bottom)
            if right - left < 60 or top - bottom < 12 or area > 0.5 * width * height:
                continue
            px_width, px_height = obj.get_px_size()
            if px_width * px_height > MAX_PICTURE_PIXELS:
                continue
            try:
                picture = obj.get_bitmap(render=False).to_pil().convert("RGB")
            except (pdfium.PdfiumError, ValueError, OSError) as exc:
                log.info("picture on page %d not decoded: %s", index, exc)
                continue
            found.append((area, picture, (left, height - top, right, height - bottom)))
        found.sort(key=lambda item: -item[0])
        return [(picture, bounds) for _, picture, bounds in found[:limit]]
    finally:
        page.close()


def _placed(lines: Sequence[TextLine], size: tuple[int, int], bounds: Box) -> Iterator[TextLine]:
    """OCR lines of a picture, moved from its pixels to where it sits on the page."""
    left, top, right, bottom = bounds
    sx, sy = (right - left) / max(size[0], 1), (bottom - top) / max(size[1], 1)
    for line in lines:
        if line.box is None:
            continue
        x0, y0, x1, y1 = line.box
        box = (left + x0 * sx, top + y0 * sy, left + x1 * sx, top + y1 * sy)
        yield replace(line, box=box)


def _has_text(lines: Sequence[TextLine]) -> bool:
    return sum(len(line.text.strip()) for line in lines) >= 20


def _text_layer_lines(pdf: pdfium.PdfDocument, index: int) -> list[TextLine]:
    """The page's text as lines split into cells at wide gaps, with boxes (y downwards)."""
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        height = page.get_height()
        count = textpage.count_chars()
        text = textpage.get_text_range() if count > 0 else ""
        if len(text) != count:
            return [TextLine(t, None, 1.0, index) for t in text.splitlines() if t.strip()]
        boxes = [textpage.get_charbox(i) for i in range(count)]
        return list(_cells(text, boxes, height, index))
    finally:
        textpage.close()
        page.close()


def _cells(
    text: str, boxes: Sequence[tuple[float, float, float, float]], height: float, page: int
) -> Iterator[TextLine]:
    """Split the character stream at line breaks and at horizontal gaps wider than about two
    characters; each piece becomes a TextLine with the union of its character boxes."""
    chars: list[int] = []
    for i, ch in enumerate(text):
        if ch in "\r\n":
            yield from _flush(text, boxes, chars, height, page)
            chars = []
            continue
        if chars and not ch.isspace() and _wide_gap(boxes, chars, i):
            yield from _flush(text, boxes, chars, height, page)
            chars = []
        chars.append(i)
    yield from _flush(text, boxes, chars, height, page)


def _wide_gap(boxes: Sequence[tuple[float, float, float, float]], chars: list[int], i: int) -> bool:
    inked = [j for j in chars[-6:] if boxes[j][2] > boxes[j][0]]
    if not inked:
        return False
    right = boxes[inked[-1]][2]
    # The size of the text, not of the last glyph: after a ``.`` or ``-`` (a tiny box) the
    # normal space of a monospace font would otherwise split ``00.123.456`` into cells.
    size = max(max(boxes[j][3] - boxes[j][1] for j in inked), 1.0)
    gap = boxes[i][0] - right
    return gap > 1.8 * size or gap < -4 * size


def _flush(
    text: str,
    boxes: Sequence[tuple[float, float, float, float]],
    chars: list[int],
    height: float,
    page: int,
) -> Iterator[TextLine]:
    content = "".join(text[i] for i in chars).strip()
    inked = [boxes[i] for i in chars if not text[i].isspace() and boxes[i][2] > boxes[i][0]]
    if not content or not inked:
        return
    left = min(b[0] for b in inked)
    right = max(b[2] for b in inked)
    bottom = min(b[1] for b in inked)
    top = max(b[3] for b in inked)
    yield TextLine(content, (left, height - top, right, height - bottom), 1.0, page)
