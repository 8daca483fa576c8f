"""The bundled OCR engine: RapidOCR with the models inside its PyPI wheel (``OcrEngine``).

Nothing is downloaded; the models are loaded on first use (``ocr_engine``). A page
photographed sideways or upside down is recognised from its first reading and read once more
turned upright (``ocr_lines``; the rules are in ``orientation``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from billify.adapters.local.ocr_engine import OrientationClassifier, lines_of, load_engine
from billify.adapters.local.ocr_settings import OcrSettings
from billify.adapters.local.orientation import (
    is_tall,
    line_crop,
    looks_upright,
    mean_confidence,
    needs_vote,
    page_turn,
    quality,
    voting_lines,
)
from billify.domain.extraction import TextLine

if TYPE_CHECKING:
    from rapidocr import RapidOCR

__all__ = ["OcrSettings", "RapidOcr", "downscale", "page_turn", "scaled_box"]


class RapidOcr:
    """``OcrEngine`` over RapidOCR. Not thread-safe: one instance per worker (the reading
    pipeline holds a lock around each document)."""

    source = "ocr"

    def __init__(self, settings: OcrSettings | None = None) -> None:
        self.settings = settings or OcrSettings()
        self._engine: RapidOCR | None = None
        self.classifier = OrientationClassifier(self.settings)

    def read(self, image: Image.Image, page: int, *, upright: bool = False) -> list[TextLine]:
        """Lines with boxes in ``image``'s pixels (it is downscaled to read, boxes are not)."""
        small = downscale(image.convert("RGB"), self.settings.max_side)
        lines = self._ocr(small, page) if upright else self.ocr_lines(small, page)
        scale = image.width / small.width
        if scale == 1:
            return lines
        return [replace(ln, box=scaled_box(ln.box, scale)) for ln in lines]

    def ocr_lines(self, image: Image.Image, page: int = 0) -> list[TextLine]:
        """OCR one page image however it is turned. The text lines found tell whether the
        page lies sideways or upside down (``_page_turn``); it is then read again turned
        upright. When the reading still looks wrong, the other turns are tried."""
        pixels = np.asarray(image)
        first: Any = self._ocr_engine()(pixels)
        best = lines_of(first, page)
        turn = self._page_turn(pixels, first, mean_confidence(best) >= self.settings.sure_upright)
        tried = {0, turn}
        if turn:
            best = self._ocr(image.rotate(turn, expand=True), page)
        if first.boxes is None or looks_upright(best, self.settings):
            return best  # no text found at all (a blank page) is no better turned
        for angle in (a for a in (90, 270, 180) if a not in tried):
            rotated = self._ocr(image.rotate(angle, expand=True), page)
            if quality(rotated) > quality(best):
                best = rotated
            if looks_upright(best, self.settings):
                break
        return best

    def _page_turn(self, pixels: np.ndarray, result: Any, confident: bool) -> int:
        """How far to turn the page (degrees, counterclockwise) for its text to be upright.
        Lines taller than wide mean the page lies sideways; the orientation classifier
        (0 or 180 degrees, per text line) judges the longest lines. A confident reading of
        flat lines is upright and is not put to the classifier (~30 ms)."""
        if result.boxes is None:
            return 0
        sample = voting_lines(result.boxes, self.settings.orientation_lines)
        tall = [is_tall(box) for box in sample]
        if not needs_vote(tall, confident):
            return 0
        # The crops of tall lines come back turned a quarter counterclockwise already.
        return page_turn(tall, self.classifier([line_crop(pixels, box) for box in sample]))

    def _ocr(self, image: Image.Image, page: int) -> list[TextLine]:
        return lines_of(self._ocr_engine()(np.asarray(image)), page)

    def _ocr_engine(self) -> RapidOCR:
        if self._engine is None:
            self._engine = load_engine(self.settings)
        return self._engine


def scaled_box(box: tuple[float, float, float, float] | None, scale: float) -> Any:
    return None if box is None else tuple(v * scale for v in box)


def downscale(image: Image.Image, max_side: int) -> Image.Image:
    longest = max(image.size)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)
