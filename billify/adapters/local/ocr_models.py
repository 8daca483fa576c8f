"""A Latin-script copy of RapidOCR's recognition model, made once from the model in its wheel.

The bundled recogniser scores every character position against 18,710 classes, nearly all of
them CJK ideographs that no receipt or invoice we read is written in. Its last layer (a
120 x 18,710 matrix and a softmax over it) is a large share of recognition time, and those
classes are also where odd misreads come from (a full-width colon for ``:``). Keeping only
the classes of Latin letters, digits, punctuation and currency signs gives the same network
with a ~50x smaller output layer: faster, and it can only answer in the scripts we parse.

The copy is written next to nothing of ours: a cache folder (``/tmp`` by default, which is
also writable on Lambda), named after the source model's digest, written atomically so that
several workers starting at once are safe.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onnx import ModelProto, TensorProto, ValueInfoProto

# Bump when the kept character set changes: the cached file name includes it.
_CHARSET_VERSION = "1"
_CHARACTER_KEY = "character"


def keeps(char: str) -> bool:
    """Basic Latin, Latin-1, Latin Extended-A, Romanian commas, general punctuation
    (dashes, quotes, bullets) and the currency signs block (€, ₹, ₩, ...)."""
    code = ord(char)
    return code < 0x180 or char in "ȘșȚț" or 0x2010 <= code <= 0x2044 or 0x20A0 <= code <= 0x20CF


def latin_recognizer(source: Path, cache_dir: Path | None = None) -> Path:
    """The path of the Latin-only copy of the recognition model at ``source`` (made if
    missing)."""
    model = source.read_bytes()
    digest = hashlib.sha256(model).hexdigest()[:16]
    folder = cache_dir or Path(tempfile.gettempdir()) / "billify-models"
    target = folder / f"{source.stem}.latin{_CHARSET_VERSION}.{digest}.onnx"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    data = prune_recognizer(model, keeps)
    fd, partial = tempfile.mkstemp(dir=folder, suffix=".partial")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(partial, target)
    return target


def prune_recognizer(model_bytes: bytes, keep: Callable[[str], bool]) -> bytes:
    """The CTC recognition model with only the output classes of the characters ``keep``
    accepts (plus CTC's blank, first, and the space, last): the weight and bias of the
    final linear layer are sliced and the model's character list rewritten to match."""
    import onnx  # only when a copy has to be made
    from onnx import numpy_helper

    model = onnx.load_from_string(model_bytes)
    metadata = {prop.key: prop for prop in model.metadata_props}
    characters = metadata[_CHARACTER_KEY].value.splitlines()
    kept = [i for i, char in enumerate(characters) if len(char) == 1 and keep(char)]
    columns = [0, *(i + 1 for i in kept), len(characters) + 1]
    weight, bias = _output_layer(model, classes=len(characters) + 2)
    for tensor, axis in ((weight, 1), (bias, 0)):
        values = numpy_helper.to_array(tensor).take(columns, axis=axis)
        tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
    metadata[_CHARACTER_KEY].value = "\n".join(characters[i] for i in kept)
    _set_class_dims(model.graph.output, len(characters) + 2, len(columns))
    del model.graph.value_info[:]  # inferred shapes still name the old class count
    return bytes(model.SerializeToString())


def _output_layer(model: ModelProto, classes: int) -> tuple[TensorProto, TensorProto]:
    """The initializers of the last layer: the 2-D weight and the 1-D bias whose last
    dimension is the number of classes."""
    graph = model.graph
    weights = [t for t in graph.initializer if len(t.dims) == 2 and t.dims[1] == classes]
    biases = [t for t in graph.initializer if list(t.dims) == [classes]]
    if len(weights) != 1 or len(biases) != 1:
        raise ValueError("recognition model has no single output layer to prune")
    return weights[0], biases[0]


def _set_class_dims(outputs: Iterable[ValueInfoProto], old: int, new: int) -> None:
    for output in outputs:
        for dim in output.type.tensor_type.shape.dim:
            if dim.dim_value == old:
                dim.dim_value = new
