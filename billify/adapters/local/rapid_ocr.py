"""The bundled OCR engine: RapidOCR with the models inside its PyPI wheel (``OcrEngine``).

Nothing is downloaded; the engine is loaded on first use. A page photographed sideways or upside
down is recognised from its first reading and read once more turned upright (``ocr_lines``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from billify.adapters.local.ocr_models import latin_recognizer
from billify.domain.extraction import TextLine

if TYPE_CHECKING:
    from rapidocr import RapidOCR


@dataclass(frozen=True)
class OcrSettings:
    """Speed/accuracy knobs of the bundled OCR (measured on 2 CPU cores)."""

    max_side: int = 1600  # images are downscaled to this longest side before OCR
    det_limit: int = 960  # text detection runs at this longest side
    # Recognition pads every text crop of a batch to at least this width (px at 48 px high).
    # RapidOCR's default, 320, spends most of the recognition time on padding for short
    # receipt fields; 160 is ~25% faster per receipt with the same field accuracy
    # (measured on 320 SROIE receipts: 3 of 960 field values changed).
    rec_min_width: int = 160
    rec_batch: int = 6  # text crops recognised per onnxruntime call (RapidOCR's default)
    threads: int = 2  # onnxruntime intra-op threads
    # onnxruntime's memory arena: reusing buffers between crops is ~15% faster recognition
    # (RapidOCR turns it off by default); closing a document (documents.py) trims what it frees.
    memory_arena: bool = True
    # Recognise with the Latin-script copy of the model (ocr_models.py): ~8% faster, and no
    # CJK look-alikes (a full-width colon for ``:``) in what the field rules read.
    latin_only: bool = True
    # The longest text lines (at most this many) vote on which way the page is turned.
    orientation_lines: int = 16
    sure_upright: float = 0.9  # a reading this confident (mean per line) is not voted on
    min_lines: int = 6  # fewer lines than this (or low confidence) => try rotations
    min_confidence: float = 0.75
    render_dpi: int = 200  # PDF pages without a text layer are rendered at this resolution
    # A text-layer PDF whose seller is found with less confidence than this has the pictures
    # of its first page OCRed too (at most max_pictures, largest first): a letterhead image.
    image_text_below: float = 0.4
    max_pictures: int = 3


class RapidOcr:
    """``OcrEngine`` over RapidOCR. Not thread-safe: one instance per worker (the reading
    pipeline holds a lock around each document)."""

    source = "ocr"

    def __init__(self, settings: OcrSettings | None = None) -> None:
        self.settings = settings or OcrSettings()
        self._engine: RapidOCR | None = None

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
        best = _lines_of(first, page)
        turn = self._page_turn(pixels, first, _mean_confidence(best) >= self.settings.sure_upright)
        tried = {0, turn}
        if turn:
            best = self._ocr(image.rotate(turn, expand=True), page)
        if first.boxes is None or _looks_upright(best, self.settings):
            return best  # no text found at all (a blank page) is no better turned
        for angle in (a for a in (90, 270, 180) if a not in tried):
            rotated = self._ocr(image.rotate(angle, expand=True), page)
            if _quality(rotated) > _quality(best):
                best = rotated
            if _looks_upright(best, self.settings):
                break
        return best

    def _page_turn(self, pixels: np.ndarray, result: Any, confident: bool) -> int:
        """How far to turn the page (degrees, counterclockwise) for its text to be upright.
        Lines taller than wide mean the page lies sideways; RapidOCR's own orientation
        classifier (0 or 180 degrees, per text line) judges the longest lines. A confident
        reading of flat lines is upright (an upright page reads with ~0.96+ mean confidence,
        a turned one below ~0.8) and is not put to the classifier (~30 ms)."""
        from rapidocr.utils.process_img import get_rotate_crop_image

        if result.boxes is None:
            return 0
        boxes = [np.asarray(box, np.float32) for box in result.boxes]
        boxes.sort(key=_long_side, reverse=True)
        sample = [box for box in boxes[: self.settings.orientation_lines] if _elongated(box)]
        tall = [_is_tall(box) for box in sample]
        if not sample or (confident and sum(tall) * 2 <= len(tall)):
            return 0
        # The crops of tall lines come back turned a quarter counterclockwise already.
        crops = [get_rotate_crop_image(pixels, box.copy()) for box in sample]
        engine: Any = self._ocr_engine()
        votes = engine._load_cls_model()(crops).cls_res  # loaded on first use
        return page_turn(
            tall,
            [(label == "180", float(score)) for label, score in votes],
        )

    def _ocr(self, image: Image.Image, page: int) -> list[TextLine]:
        return _lines_of(self._ocr_engine()(np.asarray(image)), page)

    def _ocr_engine(self) -> RapidOCR:
        if self._engine is None:
            self._engine = _load_engine(self.settings)
        return self._engine


def scaled_box(box: tuple[float, float, float, float] | None, scale: float) -> Any:
    return None if box is None else tuple(v * scale for v in box)


def _load_engine(settings: OcrSettings) -> RapidOCR:
    import rapidocr  # slow import (~0.5 s with the models): only when needed

    params: dict[str, Any] = {
        "Global.log_level": "warning",
        "Global.use_cls": False,
        "Det.limit_type": "max",
        "Det.limit_side_len": settings.det_limit,
        "Rec.rec_img_shape": [3, 48, settings.rec_min_width],
        "Rec.rec_batch_num": settings.rec_batch,
        "EngineConfig.onnxruntime.intra_op_num_threads": settings.threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        "EngineConfig.onnxruntime.enable_cpu_mem_arena": settings.memory_arena,
    }
    if settings.latin_only:
        params["Rec.model_path"] = str(latin_recognizer(_bundled_recognizer(rapidocr)))
    engine = rapidocr.RapidOCR(params=params)
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return engine


def _bundled_recognizer(package: ModuleType) -> Path:
    """The recognition model shipped inside the rapidocr wheel (its only ``*_rec_*.onnx``)."""
    models = sorted((Path(str(package.__file__)).parent / "models").glob("*_rec_*.onnx"))
    if len(models) != 1:
        raise RuntimeError(f"expected one recognition model in the rapidocr wheel: {models}")
    return models[0]


def downscale(image: Image.Image, max_side: int) -> Image.Image:
    longest = max(image.size)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _lines_of(result: Any, page: int) -> list[TextLine]:
    """RapidOCR's output as text lines with upright bounding boxes."""
    if result.txts is None or result.boxes is None:
        return []
    lines = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        lines.append(TextLine(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score), page))
    return lines


def page_turn(tall: Sequence[bool], upside_down: Sequence[tuple[bool, float]]) -> int:
    """The counterclockwise turn (0, 90, 180 or 270 degrees) that makes a page upright, from
    its longest text lines: whether each is taller than wide, and whether the orientation
    classifier reads it (turned a quarter counterclockwise if tall) as upside down, with its
    score. The lines of the majority shape vote, weighted by score; a turn needs a clear
    majority, else the page is taken as it is."""
    if len(tall) < _MIN_VOTES:
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
    turned = flipped > _CLEAR_MAJORITY * upright
    if sideways:
        # A tall line read upright once turned a quarter counterclockwise: so is the page.
        return 270 if turned else 90
    return 180 if turned else 0


_MIN_VOTES = 3
_CLEAR_MAJORITY = 1.5


def _side_lengths(box: np.ndarray) -> tuple[float, float]:
    width = float(np.linalg.norm(box[1] - box[0]))
    height = float(np.linalg.norm(box[3] - box[0]))
    return width, height


def _long_side(box: np.ndarray) -> float:
    return max(_side_lengths(box))


def _is_tall(box: np.ndarray) -> bool:
    width, height = _side_lengths(box)
    return height > width


def _elongated(box: np.ndarray) -> bool:
    """A line of several characters: its long side at least twice its short one (a single
    digit's box says nothing about which way the page lies)."""
    width, height = _side_lengths(box)
    return max(width, height) >= 2 * max(min(width, height), 1.0)


def _mean_confidence(lines: Sequence[TextLine]) -> float:
    return sum(line.confidence for line in lines) / len(lines) if lines else 0.0


def _quality(lines: Sequence[TextLine]) -> float:
    return sum(line.confidence * len(line.text) for line in lines)


def _looks_upright(lines: Sequence[TextLine], settings: OcrSettings) -> bool:
    if len(lines) < settings.min_lines:
        return False
    return _mean_confidence(lines) >= settings.min_confidence
