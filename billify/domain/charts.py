"""Charts for emails, drawn with Pillow: a pure function, numbers in, PNG bytes out.

Mail clients block scripts and most SVG, so the monthly report embeds a PNG (inline, by CID).
It is drawn at twice its display size so it stays sharp on high-density screens.

It is drawn in grey levels (mode ``L``, anti-aliased text) whose palette maps each level to its
real colour: a few exact levels for bars and grid, the rest a ramp white -> muted -> ink for text
and its anti-aliased edges. That gives an exact palette PNG with no quantize step, which was
most of the cost of a report. Text is drawn once per string into a small cached tile and pasted
(exact, as text only ever sits on white): reports repeat the same days, steps and names.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from decimal import Decimal
from importlib.resources import files

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


def _text_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font for words in any of the emails' languages (é, ü, ß, €): Pillow's own default
    has ASCII only. Bitstream Vera ships with reportlab (a dependency, for printing);
    Pillow's default stands in if it is ever missing. Loaded once per thread and size."""
    cache: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = _fonts.__dict__.setdefault(
        "text_by_size", {}
    )
    if size not in cache:
        try:
            with (files("reportlab") / "fonts" / "Vera.ttf").open("rb") as face:
                cache[size] = ImageFont.truetype(io.BytesIO(face.read()), size)
        except (ModuleNotFoundError, OSError):
            cache[size] = _font(size)
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

    top, bottom = (34 if title else 22) * SCALE, 22 * SCALE
    left, right = 56 * SCALE, 10 * SCALE
    if title:
        image.paste(_text_tile(title, INK_LEVEL, size=TITLE_SIZE), (left, 6 * SCALE))
    plot_h = h - top - bottom
    peak = max((v for v in values), default=Decimal(0))
    step = _nice_step(peak / 4 if peak > 0 else Decimal(1))
    lines = max(math.ceil(peak / step), 1)
    ceiling = step * lines
    for n in range(lines + 1):
        y = top + plot_h - int(plot_h * n / lines)
        draw.line([(left, y), (w - right, y)], fill=GRID_LEVEL, width=SCALE)
        tile = _text_tile(_short(step * n), MUTED_LEVEL)
        image.paste(tile, (left - 6 * SCALE - tile.width, y - 7 * SCALE))
    if unit:
        # Above the top axis label (which may be as wide as the margin), not beside it.
        image.paste(_text_tile(unit, MUTED_LEVEL), (6 * SCALE, top - 21 * SCALE))

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
            tile = _text_tile(label, MUTED_LEVEL)
            image.paste(tile, (x0 + (bar_w - tile.width) // 2, top + plot_h + 4 * SCALE))
    image.putpalette(_PALETTE)  # the image becomes mode P: each grey level shown as its colour
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=COMPRESS_LEVEL)
    return buffer.getvalue()


def horizontal_bar_chart(
    labels: Sequence[str],
    values: Sequence[Decimal],
    *,
    value_labels: Sequence[str] | None = None,
    unit: str = "",
    width: int = 600,
    row_height: int = 22,
) -> bytes:
    """One horizontal bar per label, in the order given, each with its value label at its end
    (e.g. its share, ``34 %``; short numbers by default), as PNG drawn at 2x. The height
    follows the number of bars."""
    texts = list(value_labels) if value_labels is not None else [_short(v) for v in values]
    if not len(labels) == len(values) == len(texts):
        raise ValueError("one label and one value label per value")
    row, pad = row_height * SCALE, 6 * SCALE
    top = (22 if unit else 4) * SCALE
    w, h = width * SCALE, top + row * len(values) + pad
    image = Image.new("L", (w, h), WHITE_LEVEL)
    draw = ImageDraw.Draw(image)
    if unit:
        image.paste(_text_tile(unit, MUTED_LEVEL), (pad, 4 * SCALE))
    names = [_text_tile(label, INK_LEVEL, room=int(w * 0.36)) for label in labels]
    ends = [_text_tile(text, MUTED_LEVEL) for text in texts]
    name_w = max((n.width for n in names), default=0) + 2 * pad
    span = max(w - name_w - max((e.width for e in ends), default=0) - 2 * pad, SCALE)
    peak = max(values, default=Decimal(0))
    for index, (name, value, end) in enumerate(zip(names, values, ends, strict=True)):
        y = top + row * index
        image.paste(name, (pad, y + (row - name.height) // 2))
        length = int(span * float(value / peak)) if peak > 0 and value > 0 else 0
        bar_top, bar_bottom = y + row // 5, y + row * 4 // 5
        if length:
            level = BAR_MAX_LEVEL if value == peak else BAR_LEVEL
            draw.rectangle([(name_w, bar_top), (name_w + length, bar_bottom)], fill=level)
        else:
            draw.line([(name_w, bar_top), (name_w, bar_bottom)], fill=GRID_LEVEL, width=SCALE)
        image.paste(end, (name_w + length + pad, y + (row - end.height) // 2))
    image.putpalette(_PALETTE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=COMPRESS_LEVEL)
    return buffer.getvalue()


LABEL_SIZE = 11 * SCALE
TITLE_SIZE = 15 * SCALE
_MAX_TILES = 2048


def _text_tile(text: str, level: int, *, size: int = LABEL_SIZE, room: int = 0) -> Image.Image:
    """``text`` drawn on white at ``level`` (cut to ``room`` pixels if given), as
    ``draw.text`` at the tile's corner would, cached per thread: the same days, axis steps,
    category names and shares come back in every report, and drawing a string costs ~0.3 ms.
    Pasted, a tile is exact, since text is only ever drawn on white."""
    tiles: dict[tuple[str, int, int, int], Image.Image] = _fonts.__dict__.setdefault("tiles", {})
    key = (text, level, size, room)
    tile = tiles.get(key)
    if tile is None:
        font = _text_font(size)
        shown = _fitted(text, room, font) if room else _chart_text(text)
        _, _, right, bottom = font.getbbox(shown)
        tile = Image.new("L", (max(int(right), 1), max(int(bottom), 1)), WHITE_LEVEL)
        ImageDraw.Draw(tile).text((0, 0), shown, fill=level, font=font)
        if len(tiles) >= _MAX_TILES:
            tiles.clear()
        tiles[key] = tile
    return tile


def _chart_text(text: str) -> str:
    # Locales space numbers with (narrow) no-break spaces, which the font draws as boxes.
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _fitted(text: str, room: int, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    """``text``, cut with an ellipsis to fit in ``room`` pixels."""
    text = _chart_text(text)
    if font.getlength(text) <= room:
        return text
    while len(text) > 1 and font.getlength(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


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
