"""PDFs (pypdfium2) and images (Pillow) opened for the reading pipeline (``OpenedDocument``).

Used in both places: the AWS Lambda package carries pypdfium2 and Pillow too, so an e-invoice's
XML and a PDF's text layer are read there without paying an OCR service.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import io
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, UnidentifiedImageError

from billify.domain.extraction import TextLine, UnreadableDocument
from billify.domain.extraction.lines import Box
from billify.domain.models import PasswordProtected

log = logging.getLogger(__name__)

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/tiff"})
PDF_TYPE = "application/pdf"
SUPPORTED_TYPES = IMAGE_TYPES | {PDF_TYPE}
MAX_PICTURE_PIXELS = 25_000_000  # a letterhead picture is far smaller; a bomb is not decoded
_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "zugferd.xml")


class Documents:
    """``DocumentOpener`` for PDF, PNG, JPEG, WebP and TIFF. ``render_dpi``: PDF pages
    without a text layer are rendered at this resolution for OCR."""

    def __init__(self, render_dpi: int = 200) -> None:
        self.render_dpi = render_dpi

    def open(self, document: bytes, media_type: str) -> PdfFile | ImageFile:
        media_type = media_type.split(";")[0].strip().lower()
        if media_type == "image/jpg":
            media_type = "image/jpeg"
        if media_type not in SUPPORTED_TYPES:
            raise UnreadableDocument(f"unsupported media type {media_type!r}")
        if media_type == PDF_TYPE:
            return PdfFile(_open_pdf(document), self.render_dpi)
        return ImageFile(document)


class PdfFile:
    """An opened PDF: attachments, text layers, rendered pages and pictures."""

    def __init__(self, pdf: pdfium.PdfDocument, render_dpi: int) -> None:
        self._pdf = pdf
        self._render_dpi = render_dpi
        self.page_count = len(pdf)

    def embedded_xml(self) -> Iterator[bytes]:
        attachments = []
        for index in range(self._pdf.count_attachments()):
            attachment = self._pdf.get_attachment(index)
            name = attachment.get_name()
            if name.lower().endswith(".xml"):
                attachments.append((name.lower() not in _XML_NAMES, name, attachment))
        for _, name, attachment in sorted(attachments, key=lambda item: item[:2]):
            try:
                yield bytes(attachment.get_data())
            except pdfium.PdfiumError as exc:
                log.info("attachment %s cannot be read: %s", name, exc)

    def text_lines(self, page: int) -> list[TextLine]:
        return _text_layer_lines(self._pdf, page)

    def page_size(self, page: int) -> tuple[float, float]:
        handle = self._pdf[page]
        try:
            width, height = handle.get_size()
        finally:
            handle.close()
        return float(width), float(height)

    def page_image(self, page: int) -> Image.Image:
        return _render(self._pdf, page, self._render_dpi)

    def pictures(self, page: int, limit: int) -> list[tuple[Image.Image, Box]]:
        return _page_pictures(self._pdf, page, limit)

    def close(self) -> None:
        self._pdf.close()
        _release_memory()


class ImageFile:
    """An opened image: one page per frame (a multi-page TIFF), no text layer."""

    def __init__(self, document: bytes) -> None:
        self._document = document
        self.page_count = _frame_count(document)

    def embedded_xml(self) -> Iterator[bytes]:
        return iter(())

    def text_lines(self, page: int) -> list[TextLine]:
        return []

    def page_size(self, page: int) -> tuple[float, float]:
        width, height = self.page_image(page).size
        return float(width), float(height)

    def page_image(self, page: int) -> Image.Image:
        """The frame, upright by its EXIF orientation."""
        with _image_errors(), warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(self._document))
            image.load()
            image.seek(page)
            return ImageOps.exif_transpose(image.copy())

    def pictures(self, page: int, limit: int) -> list[tuple[Image.Image, Box]]:
        return []

    def close(self) -> None:
        _release_memory()


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


def _frame_count(document: bytes) -> int:
    with _image_errors(), Image.open(io.BytesIO(document)) as image:
        return int(getattr(image, "n_frames", 1))


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


def _open_pdf(document: bytes) -> pdfium.PdfDocument:
    if not document.lstrip()[:5].startswith(b"%PDF"):
        raise UnreadableDocument("not a PDF (no %PDF header)")
    try:
        return pdfium.PdfDocument(document)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium.raw.FPDF_ERR_PASSWORD:
            raise PasswordProtected from exc
        # PDFium's own words ("Incorrect password error)..") would only confuse a person.
        raise UnreadableDocument("the PDF is damaged and cannot be opened") from exc


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
