"""Train the vendor ranker: weights for the vendor rules' features, learned from labelled
documents.

usage: python bench/train_vendor_ranker.py [--sets sroie-train,invoice2data,...]
                                          [--ocr-cache DIR] [--out FILE]

Every name candidate of a document (``vendor.name_candidates``) is a row of features; the
model is a listwise softmax over a document's candidates (the right ones are those the scorer
accepts against the label), its weights the hand weights plus a learned change held near zero
by an L2 penalty: the rules are the prior, the data moves them only where it agrees across
documents. Numpy, 2 cores, seconds. The shipped file is what the extractor loads
(``billify/domain/extraction/vendor_weights.json``); ``bench/eval_extraction.py
--leave-one-group-out --train-vendor`` retrains it without each held-out group.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from billify.domain.extraction.lines import group_rows  # noqa: E402
from billify.domain.extraction.vendor import (  # noqa: E402
    FEATURES,
    HAND_WEIGHTS,
    VendorWeights,
    name_candidates,
)
from billify.evaluation import TrainingDocument, load_documents, score_field  # noqa: E402
from billify.reading import DocumentPipeline  # noqa: E402

WEIGHTS_FILE = REPO / "billify" / "domain" / "extraction" / "vendor_weights.json"
L2 = 0.05  # pull towards the hand weights (chosen by leave-one-group-out: 0.5 moved nothing)
STEPS = 300
RATE = 0.5


@dataclass(frozen=True)
class Example:
    """One document's candidates as a feature matrix, and which of them are right."""

    features: np.ndarray  # candidates x FEATURES
    right: np.ndarray  # bool per candidate


def example_of(document: TrainingDocument, pipeline: DocumentPipeline) -> Example | None:
    """The document's candidates; None when no candidate is right (nothing to learn)."""
    label = document.label("vendor")
    if not label:
        return None
    lines = pipeline.read_lines(document.read_bytes(), document.media_type)
    candidates = name_candidates(group_rows(lines))
    right = np.array([bool(score_field("vendor", label, c.name)) for c in candidates])
    if not right.any():
        return None
    matrix = np.array([[c.features.get(f, 0.0) for f in FEATURES] for c in candidates])
    return Example(matrix, right)


class ExampleCache:
    """Each document's example, computed once (features do not depend on the weights)."""

    def __init__(self, pipeline: DocumentPipeline) -> None:
        self.pipeline = pipeline
        self._examples: dict[Path, Example | None] = {}

    def examples(self, documents: Sequence[TrainingDocument]) -> list[Example]:
        for document in documents:
            if document.path not in self._examples:
                self._examples[document.path] = example_of(document, self.pipeline)
        return [e for d in documents if (e := self._examples[d.path]) is not None]


def train(examples: Sequence[Example]) -> VendorWeights:
    """Hand weights plus the change that maximises the right candidates' softmax probability
    per document, minus ``L2`` times its squared size."""
    hand = np.array([HAND_WEIGHTS[f] for f in FEATURES])
    if not examples:
        return VendorWeights(dict(HAND_WEIGHTS))
    matrix = np.vstack([e.features for e in examples])
    right = np.concatenate([e.right for e in examples])
    starts = np.cumsum([0] + [len(e.right) for e in examples[:-1]])
    owner = np.repeat(np.arange(len(examples)), [len(e.right) for e in examples])
    delta = np.zeros_like(hand)
    for _ in range(STEPS):
        scores = matrix @ (hand + delta)
        peak = np.maximum.reduceat(scores, starts)[owner]
        weight = np.exp(scores - peak)
        all_mass = np.add.reduceat(weight, starts)[owner]
        right_mass = np.add.reduceat(weight * right, starts)[owner]
        # d(-log right_mass/all_mass)/d score = p_all - p_right_given_right
        gradient_scores = weight / all_mass - np.where(right, weight / right_mass, 0.0)
        gradient = matrix.T @ gradient_scores / len(examples) + L2 * delta
        delta -= RATE * gradient
    learned = hand + delta
    return VendorWeights({f: round(float(w), 4) for f, w in zip(FEATURES, learned, strict=True)})


def trainer(cache: ExampleCache) -> Callable[[Sequence[TrainingDocument]], VendorWeights]:
    def fit(documents: Sequence[TrainingDocument]) -> VendorWeights:
        return train(cache.examples(documents))

    return fit


def write(weights: VendorWeights, path: Path, trained_on: Sequence[str], count: int) -> None:
    payload = {
        "_comment": "Vendor ranker weights (bench/train_vendor_ranker.py); features: vendor.py",
        "trained_on": list(trained_on),
        "documents": count,
        "weights": dict(weights.weights),
    }
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", "utf-8")


def main() -> int:
    from bench.eval_extraction import pipeline_for, set_manifest

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="sroie-train,invoice2data,zugferd,einvoice-rerender-text")
    parser.add_argument("--ocr-cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args()
    names = [n for n in args.sets.split(",") if n]
    documents = [d for name in names for d in load_documents(set_manifest(name))]
    cache = ExampleCache(pipeline_for(args.ocr_cache))
    examples = cache.examples(documents)
    weights = train(examples)
    write(weights, args.out, names, len(examples))
    changed = {f: (HAND_WEIGHTS[f], w) for f, w in weights.weights.items() if w != HAND_WEIGHTS[f]}
    for feature, (hand, learned) in sorted(changed.items()):
        print(f"{feature:<26}{hand:>7.2f} -> {learned:>7.2f}")
    print(f"{len(examples)} documents with a right candidate; written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
