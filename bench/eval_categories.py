"""Measure the expense-category guess (``billify.domain.categories.categorize``) on the
hand-labelled documents of ``bench/category_labels.jsonl``, from their ground-truth text, without
OCR: the inner loop for tuning the lexicon (on ``dev``) and the held-out figure (``heldout``).

usage: python bench/eval_categories.py [--split dev|heldout] [--labels PATH] [--data DIR]
                                       [--misses] [--xml-only]

What ``categorize`` is given per document, as the reading pipeline would give it:
- SROIE receipts: the manifest's ``company`` as the vendor, no line items, and the text of the
  receipt's OCR ground truth (``boxes/NNN.csv``), one box a line.
- PDFs (invoice2data, zugferd, einvoice-rerender-text): the manifest's vendor label, the line
  items' descriptions where the e-invoice XML gives them (``billify.evaluation.line_item_labels``:
  the PDF's own XML, or its twin's for a ``-text`` set), and the text layer's lines as the
  pipeline reads them (a PNG rendering takes the text of the same-named PDF).
``--xml-only`` also scores zugferd as the pipeline reads an e-invoice from its XML: vendor and
line items only, no page text.

Prints accuracy per set and split (right: the guess is the label's ``category`` or one of its
``also``) and, with ``--misses``, every miss: file, label, guess and confidence.

The split (:func:`split_of`) was fixed before any lexicon was written: a document is ``dev`` when
the first byte of the SHA-1 of its *split key* is even. The key keeps what is really one
document together so that held-out means unseen: the normalised vendor for SROIE (every receipt
of a shop in one split), the file's stem for invoice2data (a PDF and its PNG rendering), and the
business case (invoice number / total) for the e-invoice sets (the same case printed by several
generators, and in both zugferd and einvoice-rerender-text).
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from billify.adapters.local.documents import PDF_TYPE, Documents  # noqa: E402
from billify.domain.categories import CategoryGuess, categorize  # noqa: E402
from billify.evaluation import (  # noqa: E402
    CategoryLabel,
    label_of,
    line_item_labels,
    load_category_labels,
    norm_vendor,
)

DATA = REPO.parent / "shared" / "data"
LABELS = REPO / "bench" / "category_labels.jsonl"
SETS = ("sroie-train", "invoice2data", "zugferd", "einvoice-rerender-text")
SPLITS = ("dev", "heldout")
SROIE_EVERY = 4  # the labelled SROIE sample: every 4th receipt of the manifest


def split_key(set_name: str, entry: dict[str, Any]) -> str:
    if set_name.startswith("sroie"):
        return norm_vendor(label_of(entry, "vendor"))
    if set_name == "invoice2data":
        return Path(str(entry["file"])).stem
    return f"{entry.get('invoice_number')}/{entry.get('total')}"


def split_of(set_name: str, entry: dict[str, Any]) -> str:
    """``dev`` or ``heldout``, fixed by the split key's hash (see the module's doc)."""
    digest = hashlib.sha1(split_key(set_name, entry).encode("utf-8")).digest()
    return "dev" if digest[0] % 2 == 0 else "heldout"


@dataclass(frozen=True)
class Evidence:
    """What ``categorize`` is given for one document."""

    vendor: str | None
    items: tuple[str, ...]
    text: str


def manifest_entries(data: Path, set_name: str) -> dict[str, dict[str, Any]]:
    path = data / set_name / "manifest.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return {str(row["file"]): row for row in rows}


def sroie_text(root: Path, entry: dict[str, Any]) -> str:
    lines = []
    with (root / str(entry["boxes"])).open(encoding="utf-8", errors="replace") as handle:
        for row in csv.reader(handle):
            if len(row) >= 9:
                lines.append(",".join(row[8:]))
    return "\n".join(lines)


@functools.lru_cache(maxsize=256)
def pdf_text(path: Path) -> str:
    opened = Documents().open(path.read_bytes(), PDF_TYPE)
    try:
        return "\n".join(
            line.text for page in range(opened.page_count) for line in opened.text_lines(page)
        )
    finally:
        opened.close()


def evidence_of(
    data: Path, set_name: str, entry: dict[str, Any], xml_only: bool = False
) -> Evidence:
    root = data / set_name
    vendor = label_of(entry, "vendor")
    if set_name.startswith("sroie"):
        return Evidence(vendor, (), sroie_text(root, entry))
    items = line_item_labels(root, entry) or ()
    descriptions = tuple(item.description for item in items if item.description)
    if xml_only:
        return Evidence(vendor, descriptions, "")
    pdf = (root / str(entry["file"])).with_suffix(".pdf")
    return Evidence(vendor, descriptions, pdf_text(pdf))


def guess(evidence: Evidence) -> CategoryGuess:
    return categorize(evidence.vendor, evidence.items, evidence.text)


@dataclass(frozen=True)
class Scored:
    set_name: str
    file: str
    label: CategoryLabel
    guess: CategoryGuess

    @property
    def right(self) -> bool:
        return self.label.accepts(self.guess.category)


def score_set(
    data: Path,
    labels_path: Path,
    set_name: str,
    split: str | None = None,
    xml_only: bool = False,
) -> list[Scored]:
    labels = load_category_labels(labels_path, set_name, split)
    entries = manifest_entries(data, set_name)
    scored = []
    for file, label in labels.items():
        evidence = evidence_of(data, set_name, entries[file], xml_only)
        scored.append(Scored(set_name, file, label, guess(evidence)))
    return scored


def table(rows: Sequence[tuple[str, Sequence[Scored]]]) -> str:
    lines = [f"{'set':<34}{'right':>7}{'n':>6}{'accuracy':>10}{'mean conf':>11}"]
    for name, scored in rows:
        if not scored:
            continue
        right = sum(s.right for s in scored)
        confidence = sum(s.guess.confidence for s in scored) / len(scored)
        lines.append(
            f"{name:<34}{right:>7}{len(scored):>6}{right / len(scored):>10.3f}{confidence:>11.2f}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default=None)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--xml-only", action="store_true", help="also zugferd from XML only")
    args = parser.parse_args()
    splits = (args.split,) if args.split else SPLITS
    results: dict[tuple[str, str], list[Scored]] = {}
    for set_name in SETS:
        for split in splits:
            results[set_name, split] = score_set(args.data, args.labels, set_name, split)
        if args.xml_only:
            for split in splits:
                results[f"{set_name} (xml only)", split] = (
                    score_set(args.data, args.labels, set_name, split, xml_only=True)
                    if set_name == "zugferd"
                    else []
                )
    for split in splits:
        rows = [(name, results[name, s]) for (name, s) in results if s == split]
        pooled = [s for name, scored in rows if "xml only" not in name for s in scored]
        print(f"== {split}")
        print(table([*rows, ("all", pooled)]))
        print()
    every = [s for (name, _), scored in results.items() if "xml only" not in name for s in scored]
    predicted = Counter(s.guess.category for s in every)
    print("guesses:", ", ".join(f"{c} {n}" for c, n in predicted.most_common()))
    if args.misses:
        by_split: dict[str, list[Scored]] = defaultdict(list)
        for (_, split), scored in results.items():
            by_split[split].extend(s for s in scored if not s.right)
        for split in splits:
            print(f"\n== misses ({split})")
            for s in by_split[split]:
                accepted = "/".join((s.label.category, *s.label.also))
                print(
                    f"{s.set_name:<24}{s.file:<44.44} {accepted:<28} -> "
                    f"{s.guess.category} {s.guess.confidence:.2f}  ({s.label.why})"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
