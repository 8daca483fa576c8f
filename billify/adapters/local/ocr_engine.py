"""The bundled OCR models, loaded from the rapidocr wheel: RapidOCR's text detector and
recogniser (``load_engine``) and the text-line orientation classifier
(``OrientationClassifier``). Nothing is downloaded.

Only public API is used: ``rapidocr.RapidOCR`` with its documented ``params``, and
``onnxruntime.InferenceSession`` for the classifier (see ``OrientationClassifier`` for why).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from billify.adapters.local.ocr_models import latin_recognizer
from billify.adapters.local.ocr_settings import OcrSettings
from billify.domain.extraction import TextLine

if TYPE_CHECKING:
    from rapidocr import RapidOCR


def load_engine(settings: OcrSettings) -> RapidOCR:
    """RapidOCR configured by ``settings``: detection and recognition only (the page's
    orientation is judged apart, on a few lines: ``OrientationClassifier``)."""
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
        params["Rec.model_path"] = str(latin_recognizer(bundled_model("rec")))
    engine = rapidocr.RapidOCR(params=params)
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return engine


def bundled_model(task: str) -> Path:
    """The model for ``task`` (``det``, ``rec`` or ``cls``) shipped inside the rapidocr wheel:
    its only ``*_<task>_*.onnx`` file."""
    import rapidocr

    folder = Path(str(rapidocr.__file__)).parent / "models"
    models = sorted(folder.glob(f"*_{task}_*.onnx"))
    if len(models) != 1:
        raise RuntimeError(f"expected one {task} model in the rapidocr wheel: {models}")
    return models[0]


def lines_of(result: Any, page: int) -> list[TextLine]:
    """RapidOCR's output (``boxes``, ``txts``, ``scores``) as text lines with upright
    bounding boxes."""
    if result.txts is None or result.boxes is None:
        return []
    lines = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        lines.append(TextLine(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score), page))
    return lines


# The classifier's input: 3 x 48 x 192 pixels (PP-OCR's mobile orientation model, as RapidOCR
# feeds it), its answers in the order of its outputs, and how many lines go in one run.
CLASSIFIER_SHAPE = (3, 48, 192)
CLASSIFIER_LABELS = ("0", "180")
CLASSIFIER_BATCH = 6


class OrientationClassifier:
    """Whether text-line crops are upside down, with the classifier's score: PP-OCR's
    orientation model (0 or 180 degrees) from the rapidocr wheel, run by onnxruntime.

    Why not through RapidOCR: ``RapidOCR`` runs this model only inside a whole reading
    (``use_cls``: every line of the page, before recognition) and has no public call for a
    few crops; its classifier class is internal. Loading the same ONNX file with
    onnxruntime's public ``InferenceSession`` and preparing the crops as RapidOCR does
    (``classifier_batch``: resized to 48 px high, at most 192 wide, scaled to -1..1, padded;
    lines sorted by aspect ratio, six per run) gives the same scores. Loaded on first use.
    Not thread-safe (one per ``RapidOcr``)."""

    def __init__(self, settings: OcrSettings, model: Path | None = None) -> None:
        self.settings = settings
        self.model = model
        self._session: Any = None

    def __call__(self, crops: Sequence[np.ndarray]) -> list[tuple[bool, float]]:
        """``(upside_down, score)`` per crop, in the order given."""
        found: list[tuple[bool, float]] = [(False, 0.0)] * len(crops)
        for batch in aspect_batches(crops, CLASSIFIER_BATCH):
            inputs = classifier_batch([crops[i] for i in batch])
            for i, vote in zip(batch, decode(self._run(inputs)), strict=True):
                found[i] = vote
        return found

    def _run(self, inputs: np.ndarray) -> np.ndarray:
        session = self._loaded()
        name = session.get_inputs()[0].name
        outputs: list[np.ndarray] = session.run(None, {name: inputs})
        return outputs[0]

    def _loaded(self) -> Any:
        if self._session is None:
            import onnxruntime as ort

            path = self.model or bundled_model("cls")
            self._session = ort.InferenceSession(
                str(path),
                sess_options=session_options(self.settings),
                # the CPU provider as RapidOCR configures it (its config.yaml)
                providers=[("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})],
            )
        return self._session


def session_options(settings: OcrSettings) -> Any:
    """onnxruntime's session options as RapidOCR sets them for its own models."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4  # fatal errors only
    options.enable_cpu_mem_arena = settings.memory_arena
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if 1 <= settings.threads <= (os.cpu_count() or 1):
        options.intra_op_num_threads = settings.threads
    options.inter_op_num_threads = 1
    return options


def aspect_batches(crops: Sequence[np.ndarray], size: int) -> list[list[int]]:
    """The crops' indices in runs of at most ``size``, narrowest (width / height) first."""
    ratios = np.array([crop.shape[1] / float(crop.shape[0]) for crop in crops])
    order = [int(i) for i in np.argsort(ratios)]
    return [order[start : start + size] for start in range(0, len(order), size)]


def classifier_batch(crops: Sequence[np.ndarray]) -> np.ndarray:
    """The classifier's input for RGB line crops: each resized to the model's height keeping
    its aspect (at most the model's width), scaled from 0..255 to -1..1 and padded with zeros
    on the right; shape (n, 3, 48, 192), float32."""
    channels, height, width = CLASSIFIER_SHAPE
    batch = np.zeros((len(crops), channels, height, width), dtype=np.float32)
    for n, crop in enumerate(crops):
        crop_height, crop_width = crop.shape[:2]
        ratio = crop_width / float(crop_height)  # computed as RapidOCR does: the same rounding
        resized_width = min(width, math.ceil(height * ratio))
        resized = cv2.resize(crop, (resized_width, height), interpolation=cv2.INTER_LINEAR)
        scaled = resized.astype("float32").transpose((2, 0, 1)) / 255
        scaled -= 0.5
        scaled /= 0.5
        batch[n, :, :, :resized_width] = scaled
    return batch


def decode(probabilities: np.ndarray) -> list[tuple[bool, float]]:
    """The classifier's answer per row of ``probabilities``: upside down or not, and the
    probability of that answer."""
    out = []
    for row in probabilities:
        best = int(row.argmax())
        out.append((CLASSIFIER_LABELS[best] == "180", float(row[best])))
    return out
