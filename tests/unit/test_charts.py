import io
from decimal import Decimal

import pytest
from PIL import Image

from billify.domain.charts import (
    BAR,
    BAR_MAX,
    GRID,
    INK,
    MUTED,
    WHITE,
    bar_chart,
    horizontal_bar_chart,
)


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


def test_horizontal_bars_grow_with_their_value_and_the_height_with_their_number() -> None:
    png = horizontal_bar_chart(
        ["Groceries", "Santé", "Büro"],
        [Decimal(40), Decimal(10), Decimal(0)],
        value_labels=["80 %", "20 %", "0 %"],
    )
    image = _rgb(png)
    assert image.size[0] == 1200 and len(png) < 30_000
    taller = horizontal_bar_chart(["a"] * 6, [Decimal(1)] * 6)
    assert Image.open(io.BytesIO(taller)).size[1] > image.size[1]

    def bar_length(row: int) -> int:
        y = 8 + 44 * row + 22  # rows of 22 px (44 at 2x), from 4 px down; a bar's middle
        return sum(1 for x in range(image.size[0]) if image.getpixel((x, y)) in (BAR, BAR_MAX))

    longest, quarter, nothing = bar_length(0), bar_length(1), bar_length(2)
    assert nothing == 0 and longest > 300
    assert abs(quarter - longest / 4) <= 2  # 10 is a quarter of 40
    colours = {c for _, c in image.getcolors(maxcolors=4096) or []}
    assert {BAR, BAR_MAX, INK, MUTED} <= colours  # names in ink, shares muted, the top bar darker


def test_horizontal_labels_draw_accents_not_boxes() -> None:
    # A missing glyph is drawn as the same box whatever the letter: accents must differ.
    plain = horizontal_bar_chart(["Sante"], [Decimal(1)], value_labels=[""])
    accented = horizontal_bar_chart(["Santé"], [Decimal(1)], value_labels=[""])
    boxed = horizontal_bar_chart(["Sant\uffff"], [Decimal(1)], value_labels=[""])
    assert plain != accented != boxed


def test_horizontal_chart_needs_matching_labels() -> None:
    with pytest.raises(ValueError):
        horizontal_bar_chart(["a"], [Decimal(1)], value_labels=["1", "2"])
    assert horizontal_bar_chart([], []).startswith(b"\x89PNG")
