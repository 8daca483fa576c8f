"""The hand labels of the expense category (``bench/category_labels.jsonl``) against the shared
data sets (never copied into the repo), and the category guess measured on the held-out labels
from each document's ground-truth text (no OCR: a few seconds)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from billify.domain.categories import CATEGORIES
from billify.domain.models import Extraction
from billify.evaluation import evaluate, load_category_labels
from tests.conftest import REPO

LABELS = REPO / "bench" / "category_labels.jsonl"
PDF_SETS = ("invoice2data", "zugferd", "einvoice-rerender-text")
# Measured on the held-out labels when the lexicon was written (see bench/eval_categories.py);
# the floor leaves a small margin for a lexicon change that costs one or two documents.
HELDOUT_FLOOR = 0.85


def bench_script() -> ModuleType:
    path = REPO / "bench" / "eval_categories.py"
    spec = importlib.util.spec_from_file_location("eval_categories", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("eval_categories", module)
    spec.loader.exec_module(module)
    return module


def label_rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in LABELS.read_text("utf-8").splitlines() if line]


def test_every_label_is_a_known_category_with_a_split_and_a_reason() -> None:
    rows = label_rows()
    assert len(rows) == len({(row["set"], row["file"]) for row in rows})  # no document twice
    for row in rows:
        assert row["category"] in CATEGORIES, row
        also = row.get("also") or []
        assert isinstance(also, list) and set(also) <= set(CATEGORIES), row
        assert row["category"] not in also, row
        assert row["split"] in ("dev", "heldout"), row
        assert str(row["why"]).strip(), row


def test_every_labelled_file_is_in_its_manifest_and_the_split_follows_the_rule(
    shared_data: Path,
) -> None:
    script = bench_script()
    by_set: dict[str, list[dict[str, object]]] = {}
    for row in label_rows():
        by_set.setdefault(str(row["set"]), []).append(row)
    for set_name, rows in by_set.items():
        entries = script.manifest_entries(shared_data, set_name)
        for row in rows:
            entry = entries.get(str(row["file"]))
            assert entry is not None, row
            assert (shared_data / set_name / str(row["file"])).is_file(), row
            assert row["split"] == script.split_of(set_name, entry), row


def test_the_sample_covers_every_pdf_and_every_fourth_receipt(shared_data: Path) -> None:
    script = bench_script()
    counts = Counter(str(row["set"]) for row in label_rows())
    for set_name in PDF_SETS:
        assert counts[set_name] == len(script.manifest_entries(shared_data, set_name))
    receipts = list(script.manifest_entries(shared_data, "sroie-train"))
    labelled = {str(r["file"]) for r in label_rows() if r["set"] == "sroie-train"}
    assert labelled == set(receipts[:: script.SROIE_EVERY])
    assert len(labelled) >= 150
    splits = Counter(str(r["split"]) for r in label_rows())
    assert min(splits.values()) >= 0.4 * sum(splits.values())  # about half each


def test_the_guess_on_the_heldout_documents_reaches_the_floor(shared_data: Path) -> None:
    script = bench_script()
    scored = [
        s
        for set_name in script.SETS
        for s in script.score_set(shared_data, LABELS, set_name, "heldout")
    ]
    assert len(scored) >= 90
    right = sum(s.right for s in scored)
    misses = [
        (s.set_name, s.file, s.label.category, s.guess.category) for s in scored if not s.right
    ]
    assert right / len(scored) >= HELDOUT_FLOOR, misses


class CategoryOf:
    """Reads every document as one fixed category."""

    def __init__(self, category: str) -> None:
        self.category = category

    def extract(self, document: bytes, media_type: str) -> Extraction:
        return Extraction(category=self.category)


def test_evaluation_scores_the_category_on_the_labelled_documents_only(
    shared_data: Path,
) -> None:
    manifest = shared_data / "zugferd" / "manifest.jsonl"
    labels = load_category_labels(LABELS, "zugferd")
    report = evaluate(manifest, CategoryOf("services"), fields=["total"], category_labels=labels)
    right, scored = report.counts("category")
    assert scored == len(labels) == 24
    expected = sum(label.accepts("services") for label in labels.values())
    assert right == expected > 0
    assert f"{'category':<18}{right:>9}{scored:>8}" in report.format()
    heldout = load_category_labels(LABELS, "zugferd", "heldout")
    report = evaluate(manifest, CategoryOf("services"), fields=["total"], category_labels=heldout)
    assert report.counts("category")[1] == len(heldout) < 24


def test_unknown_categories_in_a_labels_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    row = {"set": "s", "file": "a.pdf", "category": "food", "split": "dev", "why": "x"}
    path.write_text(json.dumps(row) + "\n", "utf-8")
    with pytest.raises(ValueError, match="food"):
        load_category_labels(path, "s")
