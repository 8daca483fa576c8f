"""Charts for emails, drawn with Pillow: a pure function, numbers in, PNG bytes out.

Mail clients block scripts and most SVG, so the monthly report embeds a PNG (inline, by CID).
It is drawn at twice its display size so it stays sharp on high-density screens.

It is drawn in grey levels (mode ``L``, anti-aliased text) whose palette maps each level to its
real colour: a few exact levels for bars and grid, the rest a ramp white -> muted -> ink for text
and its anti-aliased edges. That gives an exact palette PNG with no quantize step, which was
most of the cost of a report.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

BAR = (37, 99, 235)
BAR_MAX = (29, 78, 216)
GRID = (228, 231, 235)
INK = (31, 41, 51)
MUTED = (123, 135, 148)
WHITE = (255, 255, 255)
SCALE = 2

# Grey levels drawn, each shown as its colour by the palette. Text is only ever drawn on white,
# so its anti-aliased edges stay between its own level and WHITE_LEVEL, above the reserved ones.
BAR_LEVEL, BAR_MAX_LEVEL, GRID_LEVEL, INK_LEVEL = 0, 1, 2, 3
MUTED_LEVEL = 114  # where MUTED lies (nearly) on the line white -> INK, so edges blend true
WHITE_LEVEL = 255
# Deflate effort: 3 gives ~12 kB in ~1 ms; 9 (or optimize=True) ~5 kB but ~10x the time.
COMPRESS_LEVEL = 3


def _lerp(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> list[int]:
    return [round(x + (y - x) * t) for x, y in zip(a, b, strict=True)]


def _palette() -> list[int]:
    colours = [BAR, BAR_MAX, GRID]
    span_ink = MUTED_LEVEL - INK_LEVEL
    span_white = WHITE_LEVEL - MUTED_LEVEL
    ramp = [_lerp(INK, MUTED, (v - INK_LEVEL) / span_ink) for v in range(INK_LEVEL, MUTED_LEVEL)]
    ramp += [_lerp(MUTED, WHITE, (v - MUTED_LEVEL) / span_white) for v in range(MUTED_LEVEL, 256)]
    return [c for colour in colours for c in colour] + [c for colour in ramp for c in colour]


_PALETTE = _palette()
_fonts = threading.local()  # FreeType faces are not safe to share between threads


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The default font at ``size``, loaded once per thread (each load decodes the font)."""
    cache: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = _fonts.__dict__.setdefault(
        "by_size", {}
    )
    if size not in cache:
        cache[size] = ImageFont.load_default(size=size)
    return cache[size]


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
    image = Image.new("L", (w, h), WHITE_LEVEL)
    draw = ImageDraw.Draw(image)
    font = _font(11 * SCALE)

    top, bottom = (34 if title else 22) * SCALE, 22 * SCALE
    left, right = 56 * SCALE, 10 * SCALE
    if title:
        draw.text((left, 6 * SCALE), title, fill=INK_LEVEL, font=_font(15 * SCALE))
    plot_h = h - top - bottom
    peak = max((v for v in values), default=Decimal(0))
    step = _nice_step(peak / 4 if peak > 0 else Decimal(1))
    lines = max(math.ceil(peak / step), 1)
    ceiling = step * lines
    for n in range(lines + 1):
        y = top + plot_h - int(plot_h * n / lines)
        draw.line([(left, y), (w - right, y)], fill=GRID_LEVEL, width=SCALE)
        text = _short(step * n)
        text_w = draw.textlength(text, font=font)
        draw.text((left - 6 * SCALE - text_w, y - 7 * SCALE), text, fill=MUTED_LEVEL, font=font)
    if unit:
        draw.text((6 * SCALE, top - 16 * SCALE), unit, fill=MUTED_LEVEL, font=font)

    count = max(len(values), 1)
    slot = (w - left - right) / count
    bar_w = max(int(slot * 0.7), SCALE)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = int(left + slot * index + (slot - bar_w) / 2)
        bar_h = int(plot_h * float(value / ceiling)) if ceiling else 0
        if value > 0:
            level = BAR_MAX_LEVEL if value == peak else BAR_LEVEL
            draw.rectangle(
                [(x0, top + plot_h - max(bar_h, SCALE)), (x0 + bar_w, top + plot_h)], fill=level
            )
        if label:
            label_w = draw.textlength(label, font=font)
            draw.text(
                (x0 + bar_w / 2 - label_w / 2, top + plot_h + 4 * SCALE),
                label,
                fill=MUTED_LEVEL,
                font=font,
            )
    image.putpalette(_PALETTE)  # the image becomes mode P: each grey level shown as its colour
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=COMPRESS_LEVEL)
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
