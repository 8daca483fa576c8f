"""Charts for emails, drawn with Pillow: a pure function, numbers in, PNG bytes out.

Mail clients block scripts and most SVG, so the monthly report embeds a PNG (inline, by CID).
It is drawn at twice its display size so it stays sharp on high-density screens.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

BAR = (37, 99, 235)
BAR_MAX = (29, 78, 216)
GRID = (228, 231, 235)
INK = (31, 41, 51)
MUTED = (123, 135, 148)
SCALE = 2


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Decimal],
    *,
    title: str = "",
    unit: str = "",
    width: int = 600,
    height: int = 240,
) -> bytes:
    """A vertical bar chart as PNG (``width`` x ``height`` display pixels, drawn at 2x).

    ``labels`` may hold empty strings to leave some bars unlabelled (e.g. days of a month).
    """
    if len(labels) != len(values):
        raise ValueError("one label per value")
    w, h = width * SCALE, height * SCALE
    image = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(image)
    title_font = ImageFont.load_default(size=15 * SCALE)
    font = ImageFont.load_default(size=11 * SCALE)

    top, bottom = (34 if title else 22) * SCALE, 22 * SCALE
    left, right = 56 * SCALE, 10 * SCALE
    if title:
        draw.text((left, 6 * SCALE), title, fill=INK, font=title_font)
    plot_h = h - top - bottom
    peak = max((v for v in values), default=Decimal(0))
    step = _nice_step(peak / 4 if peak > 0 else Decimal(1))
    lines = max(math.ceil(peak / step), 1)
    ceiling = step * lines
    for n in range(lines + 1):
        y = top + plot_h - int(plot_h * n / lines)
        draw.line([(left, y), (w - right, y)], fill=GRID, width=SCALE)
        text = _short(step * n)
        text_w = draw.textlength(text, font=font)
        draw.text((left - 6 * SCALE - text_w, y - 7 * SCALE), text, fill=MUTED, font=font)
    if unit:
        draw.text((6 * SCALE, top - 16 * SCALE), unit, fill=MUTED, font=font)

    count = max(len(values), 1)
    slot = (w - left - right) / count
    bar_w = max(int(slot * 0.7), SCALE)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = int(left + slot * index + (slot - bar_w) / 2)
        bar_h = int(plot_h * float(value / ceiling)) if ceiling else 0
        if value > 0:
            colour = BAR_MAX if value == peak else BAR
            draw.rectangle(
                [(x0, top + plot_h - max(bar_h, SCALE)), (x0 + bar_w, top + plot_h)], fill=colour
            )
        if label:
            label_w = draw.textlength(label, font=font)
            draw.text(
                (x0 + bar_w / 2 - label_w / 2, top + plot_h + 4 * SCALE),
                label,
                fill=MUTED,
                font=font,
            )
    buffer = io.BytesIO()
    # A small palette keeps the attachment light (a few kB) without visible loss.
    image.quantize(colors=32, method=Image.Quantize.MEDIANCUT).save(
        buffer, format="PNG", optimize=True
    )
    return buffer.getvalue()


def _nice_step(raw: Decimal) -> Decimal:
    """1, 2 or 5 times a power of ten, at least ``raw``."""
    exponent = Decimal(10) ** (raw.adjusted())
    for factor in (1, 2, 5, 10):
        if exponent * factor >= raw:
            return exponent * factor
    return exponent * 10


def _short(value: Decimal) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"
