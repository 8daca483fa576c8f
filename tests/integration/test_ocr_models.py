"""The bundled OCR models: the Latin-only copy of the recognition model (same network, fewer
output classes), and the orientation classifier run by onnxruntime from the rapidocr wheel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from billify.adapters.local.ocr_engine import OrientationClassifier, bundled_model, load_engine
from billify.adapters.local.ocr_models import keeps, latin_recognizer, prune_recognizer
from billify.adapters.local.ocr_settings import OcrSettings
from billify.adapters.local.orientation import line_crop, voting_lines
from billify.adapters.local.rapid_ocr import downscale

CHARACTERS = ["a", "中", "€", "b", "ab"]  # a CJK ideograph and a two-character entry go
CLASSES = len(CHARACTERS) + 2  # CTC blank first, space last


def _toy_recognizer() -> bytes:
    """x[1, T, 3] -> softmax(x @ W + b) over the classes, with the character list as metadata,
    shaped like RapidOCR's recognisers' last layer."""
    rng = np.random.default_rng(7)
    weight = numpy_helper.from_array(rng.normal(size=(3, CLASSES)).astype(np.float32), "w")
    bias = numpy_helper.from_array(rng.normal(size=(CLASSES,)).astype(np.float32), "b")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w"], ["logits"]),
            helper.make_node("Add", ["logits", "b"], ["scores"]),
            helper.make_node("Softmax", ["scores"], ["probs"], axis=-1),
        ],
        "toy",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "T", 3])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, "T", CLASSES])],
        initializer=[weight, bias],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    helper.set_model_props(model, {"character": "\n".join(CHARACTERS)})
    return bytes(model.SerializeToString())


def _run(model: bytes, x: np.ndarray) -> tuple[np.ndarray, list[str]]:
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    characters = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    return session.run(None, {"x": x})[0], characters


def test_pruned_model_keeps_latin_classes_and_their_scores() -> None:
    original = _toy_recognizer()
    pruned = prune_recognizer(original, keeps)
    x = np.random.default_rng(1).normal(size=(1, 5, 3)).astype(np.float32)

    full, full_chars = _run(original, x)
    small, small_chars = _run(pruned, x)

    assert small_chars == ["a", "€", "b"]
    assert small.shape == (1, 5, 5)
    kept_columns = [0, 1, 3, 4, CLASSES - 1]  # blank, a, €, b, space
    expected = full[..., kept_columns] / full[..., kept_columns].sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(small, expected, rtol=1e-5)
    onnx.checker.check_model(onnx.load_from_string(pruned))
    assert full_chars == CHARACTERS


def test_refuses_a_model_without_one_output_layer() -> None:
    model = onnx.load_from_string(_toy_recognizer())
    helper.set_model_props(model, {"character": "a"})  # class count no longer matches
    with pytest.raises(ValueError, match="output layer"):
        prune_recognizer(model.SerializeToString(), keeps)


def test_keeps_latin_digits_punctuation_and_currency_signs() -> None:
    assert all(keeps(c) for c in "Aaß€₹$£¥é\u2013\u201c\u201d•0")  # en dash, curly quotes
    assert not any(keeps(c) for c in "中口一\uff1a\u30fc")  # full-width colon, katakana dash


def test_latin_copy_is_made_once_and_reused(tmp_path: Path) -> None:
    source = tmp_path / "toy_rec_small.onnx"
    source.write_bytes(_toy_recognizer())

    made = latin_recognizer(source, tmp_path / "cache")
    made_at = made.stat().st_mtime_ns
    again = latin_recognizer(source, tmp_path / "cache")

    assert again == made
    assert again.stat().st_mtime_ns == made_at
    assert [p.suffix for p in made.parent.iterdir()] == [".onnx"]  # no partial file left
    _, characters = _run(made.read_bytes(), np.zeros((1, 2, 3), np.float32))
    assert characters == ["a", "€", "b"]


@pytest.mark.parametrize("task", ["det", "rec", "cls"])
def test_each_model_is_found_in_the_rapidocr_wheel(task: str) -> None:
    model = bundled_model(task)
    assert model.is_file() and model.suffix == ".onnx" and f"_{task}_" in model.name


@pytest.mark.slow
def test_the_classifier_tells_upside_down_lines_from_upright_ones(shared_data: Path) -> None:
    from PIL import Image

    page = Image.open(shared_data / "sroie-train" / "images" / "000.jpg").convert("RGB")
    pixels = np.asarray(downscale(page, 1600))
    settings = OcrSettings()
    found = load_engine(settings)(pixels)
    lines = voting_lines(found.boxes, settings.orientation_lines)
    upright = [line_crop(pixels, box) for box in lines]
    classify = OrientationClassifier(settings)

    votes = classify(upright)
    flipped = classify([np.ascontiguousarray(crop[::-1, ::-1]) for crop in upright])

    assert len(lines) >= 5 and len(votes) == len(flipped) == len(lines)
    assert sum(down for down, _ in votes) <= 1
    assert sum(down for down, _ in flipped) >= len(lines) - 1
    assert all(0.5 <= score <= 1.0 for _, score in votes + flipped)
