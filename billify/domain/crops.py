"""The crop of a page where a field was read, for a notice: a pure function, page pixels and a
box in, a small JPEG out.

The box is the field's evidence (``Evidence.box``): fractions ``(x0, y0, x1, y1)`` of the
page's width and height, y downwards. The crop keeps a margin around it, wider to the left,
where the label of an amount usually stands (``Total``, ``Jumlah``), and a line or two above
and below, so the reader sees what was read and why.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

Box = tuple[float, float, float, float]

MAX_WIDTH = 600  # pixels: the width of an email's column
MAX_HEIGHT = 450
JPEG_QUALITY = 70  # a few tens of kB at most for 600 px wide
# Margins, as fractions of the page's width or height, at least; or as many times the box's
# own width or height when that is more.
LEFT_MARGIN = 0.45
RIGHT_MARGIN = 0.15
VERTICAL_MARGIN = 0.04
BOX_WIDTHS = 1.0
BOX_HEIGHTS = 1.5
# The outline drawn around the box, in the crop's pixels.
HIGHLIGHT = (232, 89, 12)
HIGHLIGHT_WIDTH = 2
HIGHLIGHT_PAD = 3


def crop_region(size: tuple[int, int], box: Box) -> tuple[int, int, int, int]:
    """The pixels to keep, ``(left, top, right, bottom)`` (right and bottom exclusive), of a
    page ``size`` pixels large: ``box`` with its margins, clamped to the page. Raises
    ``ValueError`` for a box that is not finite or has no area on the page."""
    width, height = size
    if width <= 0 or height <= 0:
        raise ValueError(f"empty page {size}")
    if not all(math.isfinite(v) for v in box):
        raise ValueError(f"box {box} is not finite")
    x0, y0, x1, y1 = (min(max(v, 0.0), 1.0) for v in box)
    box_width, box_height = x1 - x0, y1 - y0
    if box_width <= 0 or box_height <= 0:
        raise ValueError(f"box {box} has no area on the page")
    left = x0 - max(LEFT_MARGIN, BOX_WIDTHS * box_width)
    right = x1 + max(RIGHT_MARGIN, BOX_WIDTHS * box_width)
    pad = max(VERTICAL_MARGIN, BOX_HEIGHTS * box_height)
    top, bottom = y0 - pad, y1 + pad
    region = (
        max(0, math.floor(left * width)),
        max(0, math.floor(top * height)),
        min(width, math.ceil(right * width)),
        min(height, math.ceil(bottom * height)),
    )
    if region[2] <= region[0] or region[3] <= region[1]:
        raise ValueError(f"box {box} has no pixels on a {width}x{height} page")
    return region


def crop_jpeg(page: Image.Image, box: Box, *, highlight: bool = True) -> bytes:
    """The part of ``page`` around ``box`` (with margins) as a JPEG at most ``MAX_WIDTH`` x
    ``MAX_HEIGHT`` pixels, the box itself outlined (``highlight``), so it is told from the
    amounts beside it. Transparency comes out white; a grey page without the outline, grey."""
    left, top, right, bottom = crop_region(page.size, box)
    region = _flattened(page.crop((left, top, right, bottom)))
    region.thumbnail((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
    if highlight:
        region = region.convert("RGB")
        sx, sy = region.width / (right - left), region.height / (bottom - top)
        width, height = page.size
        x0, y0, x1, y1 = (min(max(v, 0.0), 1.0) for v in box)
        outline = (
            (x0 * width - left) * sx - HIGHLIGHT_PAD,
            (y0 * height - top) * sy - HIGHLIGHT_PAD,
            (x1 * width - left) * sx + HIGHLIGHT_PAD,
            (y1 * height - top) * sy + HIGHLIGHT_PAD,
        )
        ImageDraw.Draw(region).rectangle(outline, outline=HIGHLIGHT, width=HIGHLIGHT_WIDTH)
    buffer = io.BytesIO()
    region.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """``L`` or ``RGB``: what JPEG stores. Transparent pixels become white."""
    if image.mode == "L":
        return image
    if image.mode in ("1", "I", "I;16", "F"):
        return image.convert("L") if image.mode == "1" else _to_grey(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _to_grey(image: Image.Image) -> Image.Image:
    """A 16- or 32-bit grey image scaled to 8 bits by its own range."""
    extrema = image.getextrema()
    low, high = (float(v) for v in extrema if isinstance(v, int | float))
    span = high - low or 1.0
    return image.point(lambda v: (v - low) * 255 / span).convert("L")
