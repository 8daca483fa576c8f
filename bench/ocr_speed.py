"""Receipt OCR speed: Billify's OCR settings against RapidOCR's own, in one run.

usage: python bench/ocr_speed.py [--receipts 40] [--ocr KNOB=VALUE ...]

Reads every n-th SROIE receipt through ``BundledExtractor`` twice per receipt, alternating:
once with the shipped ``OcrSettings`` (Latin-only recogniser, memory arena) and once with the
full multilingual recogniser and RapidOCR's memory settings (``latin_only=False,
memory_arena=False``), so both see the same machine load. Prints the median and mean seconds
per receipt of each, their ratio, and how many totals each got right. ``--ocr`` changes a knob
of the shipped side (``--ocr det_limit=800``) to see what it would buy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from eval_extraction import ocr_settings  # noqa: E402  (the same --ocr parsing)

from billify.adapters.local.bundled_extractor import BundledExtractor, OcrSettings  # noqa: E402
from billify.evaluation import score_field  # noqa: E402

SROIE = REPO.parent / "shared" / "data" / "sroie-train"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=40)
    parser.add_argument("--ocr", action="append", default=[], metavar="KNOB=VALUE")
    args = parser.parse_args()
    shipped = ocr_settings(args.ocr)
    sides = {
        "billify": BundledExtractor(shipped),
        "rapidocr defaults": BundledExtractor(
            replace(OcrSettings(), latin_only=False, memory_arena=False)
        ),
    }
    entries = [json.loads(line) for line in (SROIE / "manifest.jsonl").open(encoding="utf-8")]
    step = max(1, len(entries) // args.receipts)
    chosen = entries[::step][: args.receipts]
    for extractor in sides.values():  # load the models outside the timings
        extractor.extract((SROIE / chosen[0]["file"]).read_bytes(), "image/jpeg")
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    right = dict.fromkeys(sides, 0)
    for entry in chosen:
        document = (SROIE / entry["file"]).read_bytes()
        for name, extractor in sides.items():
            started = time.perf_counter()
            result = extractor.extract(document, "image/jpeg")
            seconds[name].append(time.perf_counter() - started)
            right[name] += bool(score_field("total", entry["total"], result.to_json()["total"]))
    print(f"{len(chosen)} SROIE receipts, each read by both sides in turn")
    for name in sides:
        median, mean = statistics.median(seconds[name]), statistics.mean(seconds[name])
        print(f"{name:<18} median {median:.3f} s  mean {mean:.3f} s  totals {right[name]}")
    ratio = statistics.median(seconds["billify"]) / statistics.median(seconds["rapidocr defaults"])
    print(f"median ratio billify / rapidocr defaults: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
