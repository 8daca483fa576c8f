"""The crop of where the total was read: the region kept around a box, and the JPEG made of it."""

from __future__ import annotations

import io
import math
import os

import pytest
from PIL import Image, ImageDraw

from billify.domain import crops
from billify.domain.crops import crop_jpeg, crop_region

PAGE = (1000, 2000)


def test_region_is_the_box_with_its_margins() -> None:
    left, top, right, bottom = crop_region(PAGE, (0.5, 0.5, 0.6, 0.51))
    width, height = PAGE
    # Wider to the left, where the amount's label stands, than to the right.
    assert left == pytest.approx((0.5 - crops.LEFT_MARGIN) * width, abs=1)
    assert right == pytest.approx((0.6 + crops.RIGHT_MARGIN) * width, abs=1)
    assert top == pytest.approx((0.5 - crops.VERTICAL_MARGIN) * height, abs=1)
    assert bottom == pytest.approx((0.51 + crops.VERTICAL_MARGIN) * height, abs=1)
    assert (right - left, bottom - top) == pytest.approx((700, 180), abs=2)


def test_a_big_box_gets_margins_as_big_as_itself() -> None:
    left, top, right, bottom = crop_region(PAGE, (0.3, 0.3, 0.6, 0.4))
    assert left == 0  # 0.3 - 0.45 page widths: clamped
    assert right == pytest.approx(900, abs=1)  # 0.6 + the box's own width (0.3)
    assert top == pytest.approx((0.3 - 0.15) * 2000, abs=1)  # 1.5 box heights
    assert bottom == pytest.approx((0.4 + 0.15) * 2000, abs=1)


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((0.0, 0.0, 0.1, 0.02), (0, 0, None, None)),
        ((0.9, 0.98, 1.0, 1.0), (None, None, 1000, 2000)),
        ((-0.5, -0.2, 1.7, 1.3), (0, 0, 1000, 2000)),  # outside the page: clamped to it
    ],
)
def test_region_is_clamped_at_the_edges(
    box: tuple[float, float, float, float], expected: tuple[int | None, ...]
) -> None:
    region = crop_region(PAGE, box)
    assert 0 <= region[0] < region[2] <= PAGE[0] and 0 <= region[1] < region[3] <= PAGE[1]
    for got, want in zip(region, expected, strict=True):
        if want is not None:
            assert got == want


@pytest.mark.parametrize(
    "box",
    [(0.5, 0.5, 0.5, 0.6), (0.6, 0.5, 0.4, 0.6), (1.2, 0.1, 1.5, 0.2), (math.nan, 0, 1, 1)],
)
def test_a_box_without_area_on_the_page_is_refused(box: tuple[float, ...]) -> None:
    with pytest.raises(ValueError):
        crop_region(PAGE, box)  # type: ignore[arg-type]


def test_crop_shows_the_amount_and_its_label_small() -> None:
    page = Image.new("RGB", (2480, 3508), "white")  # A4 at 300 dpi
    draw = ImageDraw.Draw(page)
    amount = (0.75, 0.7, 0.9, 0.715)
    label = (0.4, 0.7, 0.5, 0.715)  # "Total" a quarter page to the left of the amount
    far = (0.05, 0.2, 0.15, 0.215)  # elsewhere on the page: not in the crop
    for box, colour in ((amount, "black"), (label, "red"), (far, "blue")):
        x0, y0, x1, y1 = box
        draw.rectangle((x0 * 2480, y0 * 3508, x1 * 2480, y1 * 3508), fill=colour)

    data = crop_jpeg(page, amount)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.width <= crops.MAX_WIDTH and image.height <= crops.MAX_HEIGHT
    assert len(data) < 30_000
    left, top, right, bottom = crop_region(page.size, amount)
    scale = image.width / (right - left)
    assert image.height == pytest.approx((bottom - top) * scale, abs=1)

    def at(x: float, y: float) -> tuple[int, ...]:
        pixel = image.getpixel(((x * 2480 - left) * scale, (y * 3508 - top) * scale))
        assert isinstance(pixel, tuple)
        return pixel

    red, green, blue = at(0.45, 0.7075)
    assert red > 180 and green < 90 and blue < 90  # the label is there
    assert max(at(0.82, 0.7075)) < 80  # the amount too
    colours = image.getcolors(image.width * image.height) or []
    assert not any(b > 150 and r < 90 for _, (r, g, b) in colours)  # the far box is not


def test_the_box_is_outlined_in_the_crop() -> None:
    page = Image.new("L", (800, 1000), 255)
    box = (0.5, 0.5, 0.6, 0.55)
    image = Image.open(io.BytesIO(crop_jpeg(page, box)))
    left, top, right, _ = crop_region(page.size, box)
    scale = image.width / (right - left)
    edge = ((0.5 * 800 - left) * scale - crops.HIGHLIGHT_PAD, (0.525 * 1000 - top) * scale)
    red, _, blue = image.getpixel(edge)  # type: ignore[misc]
    assert red > 180 and blue < 100  # the outline's orange, left of the box
    assert min(image.getpixel((2, 2))) > 245  # type: ignore[type-var]


def test_a_grey_page_gives_a_grey_jpeg_and_transparency_turns_white() -> None:
    plain = crop_jpeg(Image.new("L", (800, 1000), 128), (0.5, 0.5, 0.6, 0.55), highlight=False)
    assert Image.open(io.BytesIO(plain)).mode == "L"
    clear = Image.new("RGBA", (800, 1000), (0, 0, 0, 0))
    white = Image.open(io.BytesIO(crop_jpeg(clear, (0.5, 0.5, 0.6, 0.55))))
    assert white.mode == "RGB" and min(white.getpixel((5, 5))) > 245  # type: ignore[type-var]


def test_a_noisy_photo_still_makes_a_small_crop() -> None:
    photo = Image.frombytes("L", (3000, 4000), os.urandom(3000 * 4000)).convert("RGB")
    data = crop_jpeg(photo, (0.6, 0.8, 0.8, 0.82))
    assert Image.open(io.BytesIO(data)).width == crops.MAX_WIDTH
    assert len(data) < 60_000  # noise is the worst case; a receipt makes a few kB
