"""Measure the bundled extractor on the shared data sets.

usage: python bench/eval_extraction.py [--limit N] [--sets sroie-train,invoice2data,zugferd]
                                       [--predictions DIR] [--check-scorer] [--ocr-cache DIR]
                                       [--ocr KNOB=VALUE ...] [--ignore-einvoices] [--ocr-pdfs]
                                       [--by-group] [--leave-one-group-out]
Prints each set's table (per-field accuracy, median seconds per document) and the peak RSS.
A set is a name under ../shared/data or the path of any folder holding a manifest.jsonl (e.g. a
synthetic set written by bench/synth_invoices.py). Line items are scored where they are known
(billify.evaluation: the row's line_items, the PDF's e-invoice XML, or its "-text" twin's).
With --check-scorer, also runs ../shared/tools/score.py on the written predictions and checks
that it agrees with billify.evaluation (line items, which score.py does not know, are skipped).
With --ocr-cache, OCR results are kept in DIR and reused
(for iterating on the field rules in seconds; the timings then measure no OCR). --ocr sets one
of the OcrSettings knobs (``--ocr det_limit=800``) to measure its effect. --ignore-einvoices
reads the ZUGFeRD PDFs from their printed pages, scored against the labels of their XML: a set
of invoice layouts the layout rules were not written for. --ocr-pdfs OCRs every PDF page as if
it were scanned (invoices read by OCR, scored against labels their text layer would give).
--by-group prints, after each set's table, one line per layout group (the manifest's
layout_group, else the vendor). --leave-one-group-out pools the sets, scores every layout group
with an extractor made from the other groups' documents and prints the pooled table, the
per-group table and each set's table of those held-out predictions. The bundled rules learn
nothing from examples, so for them held-out equals in-sample; the hook is
``make_extractor`` below, for a trainer to replace.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from billify.adapters.local.bundled_extractor import BundledExtractor, OcrSettings  # noqa: E402
from billify.adapters.local.rapid_ocr import RapidOcr, downscale, scaled_box  # noqa: E402
from billify.domain.extraction import TextLine  # noqa: E402
from billify.domain.extraction.vendor import HAND_WEIGHTS, VendorWeights  # noqa: E402
from billify.evaluation import (  # noqa: E402
    LINE_ITEM_FIELDS,
    EvaluationReport,
    MakeExtractor,
    TrainingDocument,
    evaluate,
    evaluate_leave_one_group_out,
    same_extractor,
)
from billify.ports import Extractor  # noqa: E402
from billify.reading import DocumentPipeline  # noqa: E402

DATA = REPO.parent / "shared" / "data"
SCORER = REPO.parent / "shared" / "tools" / "score.py"
SETS = ("sroie-train", "invoice2data", "zugferd")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--predictions", type=Path, default=None)
    parser.add_argument("--check-scorer", action="store_true")
    parser.add_argument("--ocr-cache", type=Path, default=None)
    parser.add_argument("--ocr", action="append", default=[], metavar="KNOB=VALUE")
    parser.add_argument(
        "--ignore-einvoices",
        action="store_true",
        help="read e-invoice PDFs from their pages, not their XML (tests the layout rules)",
    )
    parser.add_argument(
        "--ocr-pdfs",
        action="store_true",
        help="OCR every PDF page as if scanned (tests OCR on invoices with known answers)",
    )
    parser.add_argument(
        "--by-group",
        action="store_true",
        help="after each set's table, one line per layout group (in-sample)",
    )
    parser.add_argument(
        "--leave-one-group-out",
        action="store_true",
        help="pool the sets; score each layout group with an extractor made from the others",
    )
    parser.add_argument(
        "--vendor-weights",
        default="shipped",
        metavar="shipped|hand|FILE",
        help="how vendor names are ranked: the trained weights the package ships (default), "
        "the rules' hand weights, or a weights file written by bench/train_vendor_ranker.py",
    )
    parser.add_argument(
        "--train-vendor",
        action="store_true",
        help="with --leave-one-group-out: train the vendor ranker on the other groups",
    )
    args = parser.parse_args()
    settings = ocr_settings(args.ocr)
    out_dir = args.predictions or Path(tempfile.mkdtemp(prefix="billify-eval-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    extractor = (
        CachedOcrExtractor(args.ocr_cache, settings)
        if args.ocr_cache
        else BundledExtractor(settings)
    )
    extractor.read_einvoices = not args.ignore_einvoices
    extractor.read_text_layers = not args.ocr_pdfs
    extractor.vendor_weights = vendor_weights(args.vendor_weights)
    manifests = [set_manifest(name) for name in args.sets.split(",") if name]
    agree = True
    if args.leave_one_group_out:
        pooled = evaluate_leave_one_group_out(
            manifests,
            make_extractor(extractor, args.ocr_cache, settings, args.train_vendor),
            limit=args.limit,
        )
        print(pooled.format(), end="\n\n")
        print(pooled.format_groups(), end="\n\n")
        for name, report in pooled.by_set().items():
            print("held out, " + report.format(), end="\n\n")
            agree &= _write(report, name, out_dir, args.check_scorer, args.limit)
    else:
        for manifest in manifests:
            report = evaluate(manifest, extractor, limit=args.limit)
            print(report.format(), end="\n\n")
            if args.by_group:
                print(report.format_groups(), end="\n\n")
            agree &= _write(report, manifest.parent.name, out_dir, args.check_scorer, args.limit)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB   predictions: {out_dir}")
    return 0 if agree else 1


def set_manifest(name: str) -> Path:
    """The manifest of a set: a folder path holding manifest.jsonl (or the manifest itself),
    else a set name under ../shared/data."""
    path = Path(name).expanduser()
    if path.is_file() and path.suffix == ".jsonl":
        return path
    if (path / "manifest.jsonl").is_file():
        return path / "manifest.jsonl"
    manifest = DATA / name / "manifest.jsonl"
    if not manifest.is_file():
        raise SystemExit(f"--sets: no manifest.jsonl in {path} nor in {DATA / name}")
    return manifest


def make_extractor(
    extractor: DocumentPipeline, ocr_cache: Path | None, settings: OcrSettings, train_vendor: bool
) -> MakeExtractor:
    """What leave-one-group-out builds from each group's complement: with ``train_vendor``,
    the extractor with vendor weights trained on those documents only; else the same
    extractor for every group (rules learn nothing: held-out == in-sample)."""
    if not train_vendor:
        return same_extractor(extractor)
    from bench.train_vendor_ranker import ExampleCache, trainer

    fit = trainer(ExampleCache(pipeline_for(ocr_cache, settings)))

    def make(training: Sequence[TrainingDocument]) -> Extractor:
        fold = copy.copy(extractor)
        fold.vendor_weights = fit(training)
        return fold

    return make


def pipeline_for(ocr_cache: Path | None, settings: OcrSettings | None = None) -> BundledExtractor:
    """An extractor that reads printed pages only (never e-invoice XML): what training sees."""
    settings = settings or OcrSettings()
    pipeline = CachedOcrExtractor(ocr_cache, settings) if ocr_cache else BundledExtractor(settings)
    pipeline.read_einvoices = False
    return pipeline


def vendor_weights(choice: str) -> VendorWeights | None:
    if choice == "shipped":
        return None  # what the extractor loads by default
    if choice == "hand":
        return VendorWeights(HAND_WEIGHTS)
    data = json.loads(Path(choice).read_text("utf-8"))
    return VendorWeights({str(k): float(v) for k, v in data["weights"].items()})


def _write(
    report: EvaluationReport, name: str, out_dir: Path, check_scorer: bool, limit: int | None
) -> bool:
    """Write the set's predictions; with ``check_scorer``, whether score.py agrees."""
    predictions = out_dir / f"{name}.jsonl"
    report.write_predictions(predictions)
    return _scorer_agrees(report, report.manifest, predictions, limit) if check_scorer else True


# The settings that change what OCR reads (the cache key includes their values).
OCR_KNOBS = (
    "max_side",
    "det_limit",
    "rec_min_width",
    "rec_batch",
    "latin_only",
    "orientation_lines",
    "sure_upright",
    "min_lines",
    "min_confidence",
)


class CachedOcr(RapidOcr):
    """The bundled OCR with each page's lines kept on disk, keyed by the page's pixels and the
    OCR settings: the field rules run on exactly what OCR read before."""

    def __init__(self, cache: Path, settings: OcrSettings) -> None:
        super().__init__(settings)
        self.cache = cache
        self.cache.mkdir(parents=True, exist_ok=True)

    def read(self, image: Image.Image, page: int, *, upright: bool = False) -> list[TextLine]:
        if upright:  # pictures on a text page: not worth a cache entry
            return super().read(image, page, upright=True)
        knobs = [getattr(self.settings, name) for name in OCR_KNOBS]
        digest = hashlib.sha256(repr(knobs).encode())
        digest.update(f"{image.mode}{image.size}".encode())
        digest.update(image.tobytes())
        path = self.cache / f"{digest.hexdigest()[:32]}.json"
        small = downscale(image.convert("RGB"), self.settings.max_side)
        if path.exists():
            cached = json.loads(path.read_text("utf-8"))
            lines = [TextLine(t, tuple(b) if b else None, c, page) for t, b, c in cached]
        else:
            lines = self.ocr_lines(small, page)  # boxes in the downscaled pixels, as cached
            path.write_text(json.dumps([[ln.text, ln.box, ln.confidence] for ln in lines]))
        scale = image.width / small.width
        return [replace(ln, box=scaled_box(ln.box, scale)) for ln in lines]


class CachedOcrExtractor(BundledExtractor):
    """The bundled extractor reading pixels through ``CachedOcr``."""

    def __init__(self, cache: Path, settings: OcrSettings) -> None:
        super().__init__(settings)
        self.ocr = CachedOcr(cache, settings)


def spread_receipts(count: int) -> list[dict[str, Any]]:
    """``count`` SROIE manifest entries spread evenly over the set (every n-th receipt)."""
    manifest = DATA / "sroie-train" / "manifest.jsonl"
    entries = [json.loads(line) for line in manifest.open(encoding="utf-8")]
    step = max(1, len(entries) // count)
    return entries[::step][:count]


def ocr_settings(assignments: list[str]) -> OcrSettings:
    """OcrSettings with ``knob=value`` overrides, each value of the knob's own type."""
    defaults = OcrSettings()
    changes: dict[str, Any] = {}
    for assignment in assignments:
        knob, _, value = assignment.partition("=")
        if knob not in {f.name for f in fields(OcrSettings)}:
            raise SystemExit(f"--ocr: no such knob {knob!r}")
        kind = type(getattr(defaults, knob))
        changes[knob] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
    return replace(defaults, **changes)


def _scorer_agrees(
    report: EvaluationReport, manifest: Path, predictions: Path, limit: int | None
) -> bool:
    """Run the reference scorer on the same predictions (and the same documents). Line items
    are scored by billify.evaluation only: skipped."""
    lines = manifest.read_text("utf-8").splitlines()
    subset = predictions.with_suffix(".manifest.jsonl")
    subset.write_text("\n".join(lines[:limit] if limit else lines) + "\n", "utf-8")
    compared = [f for f in report.fields if f not in LINE_ITEM_FIELDS]
    fields = ",".join(compared)
    reference = subprocess.run(
        [sys.executable, str(SCORER), str(subset), str(predictions), "--fields", fields],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ours = {f: report.counts(f) for f in compared}
    ok = True
    for line in reference.splitlines()[:-1]:
        field, _, counts = line.partition(": ")
        right, scored = (int(x) for x in counts.split(" ")[0].split("/"))
        if ours[field] != (right, scored):
            print(f"  scorer disagreement on {field}: ours {ours[field]} vs {(right, scored)}")
            ok = False
    print(f"  reference scorer agrees: {ok}")
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
