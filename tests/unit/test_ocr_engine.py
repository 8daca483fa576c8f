"""The OCR engine's pure parts (``ocr_engine``): RapidOCR's output as text lines, and the
orientation classifier's input and answers, without loading a model."""

from __future__ import annotations

import ast
import inspect
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest

from billify.adapters.local import ocr_engine, orientation, rapid_ocr
from billify.adapters.local.ocr_engine import (
    CLASSIFIER_SHAPE,
    aspect_batches,
    classifier_batch,
    decode,
    lines_of,
    session_options,
)
from billify.adapters.local.ocr_settings import OcrSettings
from billify.domain.extraction import TextLine


def test_rapidocr_output_becomes_lines_with_upright_boxes() -> None:
    result = SimpleNamespace(
        boxes=[[[10, 5], [50, 7], [49, 20], [9, 18]]],
        txts=["TOTAL"],
        scores=[np.float32(0.5)],
    )
    assert lines_of(result, page=2) == [TextLine("TOTAL", (9.0, 5.0, 50.0, 20.0), 0.5, 2)]


def test_no_text_found_gives_no_lines() -> None:
    assert lines_of(SimpleNamespace(boxes=None, txts=None, scores=None), 0) == []


def test_crops_are_scaled_to_the_model_height_and_padded() -> None:
    wide = np.full((24, 480, 3), 255, np.uint8)  # wider than the model takes: squeezed to 192
    short = np.zeros((24, 24, 3), np.uint8)  # a square: 48 x 48, then zeros
    batch = classifier_batch([wide, short])
    channels, height, width = CLASSIFIER_SHAPE
    assert batch.shape == (2, channels, height, width) and batch.dtype == np.float32
    assert np.all(batch[0] == 1.0)  # white is 1
    assert np.all(batch[1, :, :, :48] == -1.0)  # black is -1
    assert np.all(batch[1, :, :, 48:] == 0.0)  # the padding


def test_crops_run_narrowest_first_in_batches() -> None:
    crops = [np.zeros((10, w, 3), np.uint8) for w in (50, 10, 30, 20)]
    assert aspect_batches(crops, 3) == [[1, 3, 2], [0]]
    assert aspect_batches([], 6) == []


def test_the_answer_is_the_likelier_orientation() -> None:
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8]], np.float32)
    assert decode(probabilities) == [
        (False, pytest.approx(0.9)),
        (True, pytest.approx(0.8)),
    ]


def test_the_classifier_runs_with_the_settings_threads_and_arena() -> None:
    options = session_options(OcrSettings(threads=1, memory_arena=False))
    assert options.intra_op_num_threads == 1
    assert options.inter_op_num_threads == 1
    assert options.enable_cpu_mem_arena is False


@pytest.mark.parametrize("module", [ocr_engine, orientation, rapid_ocr], ids=lambda m: m.__name__)
def test_only_the_public_api_of_the_ocr_libraries_is_used(module: ModuleType) -> None:
    """No private name of RapidOCR, onnxruntime or OpenCV (a ``_load_cls_model`` breaks in any
    release): underscore attributes are the module's own (``self._engine``), and the
    libraries are imported from their top-level packages."""
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            dunder = node.attr.startswith("__") and node.attr.endswith("__")
            assert dunder or (isinstance(node.value, ast.Name) and node.value.id == "self"), (
                ast.unparse(node)
            )
        if isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            assert root not in {"rapidocr", "onnxruntime", "cv2"} or node.module == root
