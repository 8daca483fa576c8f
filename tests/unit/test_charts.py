import io
from decimal import Decimal

import pytest
from PIL import Image

from billify.domain.charts import BAR, BAR_MAX, GRID, INK, MUTED, WHITE, bar_chart


def test_bar_chart_is_a_png_at_twice_the_display_size() -> None:
    png = bar_chart(["1", "", "3"], [Decimal("12.5"), Decimal(0), Decimal("40")], unit="EUR")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 480)
    assert len(png) < 30_000


def test_bar_chart_handles_nothing_spent_and_huge_amounts() -> None:
    for values in ([Decimal(0)] * 30, [Decimal("9876543.21")], []):
        labels = [""] * len(values)
        assert bar_chart(labels, values, title="Spend").startswith(b"\x89PNG")


def test_bar_chart_needs_one_label_per_value() -> None:
    with pytest.raises(ValueError):
        bar_chart(["1"], [Decimal(1), Decimal(2)])


def _rgb(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P"  # a palette PNG: small, and its colours exact
    return image.convert("RGB")


def test_bars_grid_and_text_keep_their_colours() -> None:
    image = _rgb(bar_chart(["1", "", "3"], [Decimal(10), Decimal(0), Decimal(40)], unit="EUR"))
    # Plot from y=44 to 436 (2x); three slots of 356 px from x=112, bars 249 px wide.
    assert image.getpixel((289, 430)) == BAR  # the first bar, a quarter of the height
    assert image.getpixel((289, 300)) == WHITE  # above it
    assert image.getpixel((1001, 100)) == BAR_MAX  # the highest bar, drawn darker
    assert image.getpixel((646, 430)) == WHITE  # nothing spent on the middle day
    assert image.getpixel((140, 240)) == GRID  # a grid line (2 px) between the bars
    colours = {colour for _, colour in image.getcolors(maxcolors=4096) or []}
    assert MUTED in colours  # axis labels and unit, solid where fully covered
    # Anti-aliased edges: shades between white and the text colour, not a few flat colours.
    edges = [c for c in colours if c not in (WHITE, BAR, BAR_MAX, GRID, MUTED)]
    assert len(edges) > 20
    assert all(MUTED[0] - 10 <= r <= 255 for r, _, _ in edges)


def test_title_is_drawn_in_ink() -> None:
    plain = _rgb(bar_chart(["1"], [Decimal(5)]))
    titled = _rgb(bar_chart(["1"], [Decimal(5)], title="Spend per day"))
    assert INK in {c for _, c in titled.getcolors(maxcolors=4096) or []}
    assert INK not in {c for _, c in plain.getcolors(maxcolors=4096) or []}
