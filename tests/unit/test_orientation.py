"""Which way a page lies, from its lines' boxes and pixels (``orientation``): which lines
vote, how they are cut out for the classifier, and when a reading looks upright. No OCR
engine (``page_turn`` itself: test_page_turn.py)."""

from __future__ import annotations

import numpy as np
import pytest

from billify.adapters.local.ocr_settings import OcrSettings
from billify.adapters.local.orientation import (
    elongated,
    is_tall,
    line_crop,
    looks_upright,
    mean_confidence,
    needs_vote,
    quality,
    voting_lines,
)
from billify.domain.extraction import TextLine


def box(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    """Four corners, clockwise from the top left, as RapidOCR gives them."""
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def test_the_longest_lines_of_several_characters_vote() -> None:
    boxes = [box(0, 0, 50, 10), box(0, 20, 300, 30), box(0, 40, 12, 50), box(0, 60, 10, 160)]
    voters = voting_lines(boxes, limit=4)
    # longest first (a tall line's long side is its height); the 12 x 10 box (a digit) says
    # nothing about which way the page lies
    assert [v.tolist() for v in voters] == [
        box(0, 20, 300, 30),
        box(0, 60, 10, 160),
        box(0, 0, 50, 10),
    ]
    assert all(v.dtype == np.float32 for v in voters)
    assert [v.tolist() for v in voting_lines(boxes, limit=1)] == [box(0, 20, 300, 30)]


@pytest.mark.parametrize(
    ("corners", "tall", "long"),
    [
        (box(0, 0, 100, 10), False, True),
        (box(0, 0, 10, 100), True, True),
        (box(0, 0, 15, 10), False, False),
        (box(0, 0, 0.2, 0.5), True, False),  # a speck: under a pixel is taken as one
    ],
)
def test_the_shape_of_a_line(corners: list[list[float]], tall: bool, long: bool) -> None:
    corner_array = np.asarray(corners, np.float32)
    assert is_tall(corner_array) is tall
    assert elongated(corner_array) is long


def test_a_confident_reading_of_flat_lines_is_not_put_to_the_classifier() -> None:
    assert not needs_vote([], confident=False)
    assert not needs_vote([False, False, True], confident=True)
    assert needs_vote([False, False, True], confident=False)
    assert needs_vote([True, True, False], confident=True)  # mostly tall: the page lies sideways


def test_a_flat_line_is_cut_out_as_it_lies() -> None:
    pixels = np.zeros((100, 200, 3), np.uint8)
    pixels[20:30, 10:110] = 255  # the line: white on black
    crop = line_crop(pixels, np.asarray(box(10, 20, 110, 30), np.float32))
    assert crop.shape == (10, 100, 3)
    assert crop.mean() > 250


def test_a_tall_line_comes_back_turned_a_quarter_counterclockwise() -> None:
    pixels = np.zeros((200, 100, 3), np.uint8)
    pixels[10:110, 20:30] = 255
    pixels[10:20, 20:30] = (255, 0, 0)  # the line's top end, red
    crop = line_crop(pixels, np.asarray(box(20, 10, 30, 110), np.float32))
    assert crop.shape == (10, 100, 3)  # wide now
    # turned counterclockwise, the top end is on the left
    assert crop[:, :10, 1].mean() < 10 and crop[:, -10:, 1].mean() > 245


def test_a_reading_looks_upright_with_enough_confident_lines() -> None:
    settings = OcrSettings(min_lines=3, min_confidence=0.8)
    good = [TextLine("TOTAL 12.00", None, 0.95)] * 3
    assert looks_upright(good, settings)
    assert not looks_upright(good[:2], settings)
    assert not looks_upright([TextLine("~~", None, 0.5)] * 3, settings)
    assert mean_confidence([]) == 0.0


def test_the_better_reading_has_more_text_read_more_surely() -> None:
    turned = [TextLine("l1 ,", None, 0.6)]
    upright = [TextLine("TOTAL 12.00", None, 0.9)]
    assert quality(upright) > quality(turned) > quality([])
