"""Which way a photographed or scanned page lies, from the text lines OCR found on it.

Pure functions of boxes, pixels and readings (no OCR engine): the lines that vote
(``voting_lines``), their crops for the orientation classifier (``line_crop``), the turn their
votes give (``page_turn``) and whether a reading looks upright (``looks_upright``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from billify.adapters.local.ocr_settings import OcrSettings
from billify.domain.extraction import TextLine

MIN_VOTES = 3  # fewer voting lines than this say nothing about the page
CLEAR_MAJORITY = 1.5  # a turn needs this many times the score of the lines against it
# A crop this much taller than wide is a line lying sideways: it is turned a quarter
# counterclockwise (as RapidOCR crops its lines).
TALL_CROP = 1.5


def page_turn(tall: Sequence[bool], upside_down: Sequence[tuple[bool, float]]) -> int:
    """The counterclockwise turn (0, 90, 180 or 270 degrees) that makes a page upright, from
    its longest text lines: whether each is taller than wide, and whether the orientation
    classifier reads it (turned a quarter counterclockwise if tall) as upside down, with its
    score. The lines of the majority shape vote, weighted by score; a turn needs a clear
    majority, else the page is taken as it is."""
    if len(tall) < MIN_VOTES:
        return 0
    sideways = sum(tall) * 2 > len(tall)
    flipped = upright = 0.0
    for is_tall, (is_flipped, score) in zip(tall, upside_down, strict=True):
        if is_tall != sideways:
            continue
        if is_flipped:
            flipped += score
        else:
            upright += score
    turned = flipped > CLEAR_MAJORITY * upright
    if sideways:
        # A tall line read upright once turned a quarter counterclockwise: so is the page.
        return 270 if turned else 90
    return 180 if turned else 0


def voting_lines(boxes: Sequence[Any], limit: int) -> list[np.ndarray]:
    """The boxes (four corners each) that vote on the page's orientation: of the ``limit``
    longest lines, those of several characters."""
    corners = [np.asarray(box, np.float32) for box in boxes]
    corners.sort(key=long_side, reverse=True)
    return [box for box in corners[:limit] if elongated(box)]


def needs_vote(tall: Sequence[bool], confident: bool) -> bool:
    """Whether the classifier is asked: a confident reading of mostly flat lines is upright
    (an upright page reads with ~0.96+ mean confidence, a turned one below ~0.8)."""
    return bool(tall) and not (confident and sum(tall) * 2 <= len(tall))


def line_crop(pixels: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The text line inside ``box`` (four corners, clockwise from top left) cut out of the
    page and straightened, a crop much taller than wide turned a quarter counterclockwise:
    how RapidOCR cuts the lines it reads."""
    points = box.astype(np.float32)
    width = int(max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[2] - points[3])))
    height = int(max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2])))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(points, target)
    crop = cv2.warpPerspective(
        pixels,
        transform,
        (width, height),
        borderMode=cv2.BORDER_REPLICATE,
        flags=cv2.INTER_CUBIC,
    )
    if crop.shape[0] * 1.0 / crop.shape[1] >= TALL_CROP:
        crop = np.rot90(crop)
    return crop


def side_lengths(box: np.ndarray) -> tuple[float, float]:
    width = float(np.linalg.norm(box[1] - box[0]))
    height = float(np.linalg.norm(box[3] - box[0]))
    return width, height


def long_side(box: np.ndarray) -> float:
    return max(side_lengths(box))


def is_tall(box: np.ndarray) -> bool:
    width, height = side_lengths(box)
    return height > width


def elongated(box: np.ndarray) -> bool:
    """A line of several characters: its long side at least twice its short one (a single
    digit's box says nothing about which way the page lies)."""
    width, height = side_lengths(box)
    return max(width, height) >= 2 * max(min(width, height), 1.0)


def mean_confidence(lines: Sequence[TextLine]) -> float:
    return sum(line.confidence for line in lines) / len(lines) if lines else 0.0


def quality(lines: Sequence[TextLine]) -> float:
    """How much was read how well: the better of two readings of a page has more."""
    return sum(line.confidence * len(line.text) for line in lines)


def looks_upright(lines: Sequence[TextLine], settings: OcrSettings) -> bool:
    if len(lines) < settings.min_lines:
        return False
    return mean_confidence(lines) >= settings.min_confidence
