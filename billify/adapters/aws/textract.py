"""Amazon Textract as an ``OcrEngine``: the text of one page image (``DetectDocumentText``).

Textract is only what reads pixels: the reading pipeline (``billify.reading``) asks it for the
images and the scanned pages only, never for an e-invoice's XML or a PDF's text layer, and the
fields are then found by the same rules as on the bundled engine's words
(``billify.domain.extraction.extract_fields``). Each page is sent on its own to the synchronous
API as PNG (JPEG, then smaller, when above Textract's limits); its ``LINE`` blocks become
``TextLine``s in the image's pixels (``lines_from_detection``, pure).
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from billify.adapters.aws.clients import client, error_code
from billify.domain.extraction.lines import Box, TextLine
from billify.domain.models import UnreadableDocument

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

SYNC_MAX_BYTES = 5 * 1024 * 1024  # document bytes the synchronous API takes
MAX_SIDE = 10_000  # Textract's largest image side, in pixels
JPEG_QUALITY = 90

# Textract's answers that retrying the same bytes cannot change. Anything else (throttling,
# an outage, access denied) propagates: the queue redelivers the message later.
PERMANENT_ERRORS = frozenset(
    {
        "BadDocumentException",
        "UnsupportedDocumentException",
        "DocumentTooLargeException",
        "InvalidParameterException",
        "InvalidImageFormatException",
    }
)


class TextractOcr:
    """``OcrEngine`` over Textract's ``DetectDocumentText`` (one request per image).

    Textract reads text however the page is turned, so ``upright`` changes nothing; a page
    lying sideways or upside down has its lines turned upright here, from the direction of
    their polygons (``lines_from_detection``)."""

    source = "textract"

    def __init__(
        self,
        textract: Any | None = None,
        *,
        max_bytes: int = SYNC_MAX_BYTES,
        max_side: int = MAX_SIDE,
    ) -> None:
        self._textract = textract or client("textract")
        self.max_bytes = max_bytes
        self.max_side = max_side

    def read(self, image: Image.Image, page: int, *, upright: bool = False) -> list[TextLine]:
        document = encode_image(image, self.max_bytes, self.max_side)
        try:
            response = self._textract.detect_document_text(Document={"Bytes": document})
        except ClientError as error:
            if error_code(error) in PERMANENT_ERRORS:
                raise UnreadableDocument(f"Textract cannot read this page: {error}") from error
            raise
        return lines_from_detection(response, image.width, image.height, page)


def encode_image(
    image: Image.Image, max_bytes: int = SYNC_MAX_BYTES, max_side: int = MAX_SIDE
) -> bytes:
    """The image as PNG, or as JPEG when the PNG is above ``max_bytes``; downscaled (the same
    proportions, so Textract's fractions of it are fractions of ``image``) until it fits."""
    picture = _flattened(image)
    if max(picture.size) > max_side:
        picture = _scaled(picture, max_side / max(picture.size))
    while True:
        png = _saved(picture, "PNG")
        if len(png) <= max_bytes:
            return png
        jpeg = _saved(picture, "JPEG")
        if len(jpeg) <= max_bytes:
            return jpeg
        if min(picture.size) <= 16:
            raise UnreadableDocument("the page image cannot be made small enough for Textract")
        # JPEG's size grows about with the pixel count: shrink by what is over, plus a margin.
        picture = _scaled(picture, min(0.9, 0.95 * math.sqrt(max_bytes / len(jpeg))))


def _flattened(image: Image.Image) -> Image.Image:
    """Greyscale or RGB, transparency composited on white (PNG and JPEG both take these)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in ("1", "I", "I;16", "F"):
        return image.convert("L") if image.mode == "1" else _to_8bit(image)
    return image.convert("RGB")


def _to_8bit(image: Image.Image) -> Image.Image:
    """A 16-bit or float greyscale image (some TIFF scans) as 8-bit, its range stretched."""
    wide = image if image.mode == "F" else image.convert("I")
    extrema: Any = wide.getextrema()  # (min, max) of a one-band image
    low, high = float(extrema[0]), float(extrema[1])
    scale = 255 / (high - low) if high > low else 1.0
    return wide.point(lambda v: (v - low) * scale).convert("L")


def _scaled(image: Image.Image, factor: float) -> Image.Image:
    from PIL import Image

    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _saved(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    if format == "JPEG":
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


# -- Textract's answer -> TextLines -------------------------------------------------------------


def lines_from_detection(
    response: Mapping[str, Any], width: float, height: float, page: int
) -> list[TextLine]:
    """The ``LINE`` blocks of a ``DetectDocumentText`` answer as ``TextLine``s: Textract's
    boxes (fractions of the image, y downwards) times ``width``/``height``, so in the image's
    pixels; confidence 0..1; ``page`` as given.

    Textract reads a sideways or upside-down page but keeps its geometry in the image as sent.
    The field rules need rows that run left to right, so when most of the text runs another
    way (the direction of each line's polygon) the boxes are turned with the page: a quarter
    turn gives boxes in a ``height`` x ``width`` frame, as an upright scan of it would."""
    blocks = [b for b in response.get("Blocks") or () if b.get("BlockType") == "LINE"]
    turn = page_turn(blocks)
    lines = []
    for block in blocks:
        text = str(block.get("Text") or "").strip()
        if not text:
            continue
        box = _box(block, width, height, turn)
        confidence = min(max(float(block.get("Confidence") or 0.0) / 100, 0.0), 1.0)
        lines.append(TextLine(text, box, confidence, page))
    return lines


def page_turn(blocks: Iterable[Mapping[str, Any]]) -> int:
    """Which way the text of a page runs, in degrees clockwise from left-to-right (0, 90, 180
    or 270): each line's vote (the direction from its polygon's first point, the top left of
    its text, to the second) weighs as its length; 0 when no line has a polygon."""
    votes = dict.fromkeys((0, 90, 180, 270), 0.0)
    for block in blocks:
        polygon: Sequence[Mapping[str, Any]] = (block.get("Geometry") or {}).get("Polygon") or []
        if len(polygon) < 2:
            continue
        dx = float(polygon[1]["X"]) - float(polygon[0]["X"])
        dy = float(polygon[1]["Y"]) - float(polygon[0]["Y"])
        length = math.hypot(dx, dy)
        if length == 0:
            continue
        angle = math.degrees(math.atan2(dy, dx)) % 360  # y downwards: 90 runs down the image
        votes[round(angle / 90) % 4 * 90] += length
    best = max(votes, key=lambda turn: votes[turn])
    return best if votes[best] > 0 else 0


def _box(block: Mapping[str, Any], width: float, height: float, turn: int) -> Box | None:
    bounds = (block.get("Geometry") or {}).get("BoundingBox")
    if not bounds:
        return None
    left, top = float(bounds["Left"]) * width, float(bounds["Top"]) * height
    right = left + float(bounds["Width"]) * width
    bottom = top + float(bounds["Height"]) * height
    corners = [_upright(x, y, width, height, turn) for x, y in ((left, top), (right, bottom))]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _upright(x: float, y: float, width: float, height: float, turn: int) -> tuple[float, float]:
    """A point of the image as sent -> the same point on the page turned so its text runs
    left to right (``turn`` from ``page_turn``)."""
    if turn == 90:  # text runs down the image: its top is the image's right side
        return y, width - x
    if turn == 180:
        return width - x, height - y
    if turn == 270:  # text runs up the image: its top is the image's left side
        return height - y, x
    return x, y
