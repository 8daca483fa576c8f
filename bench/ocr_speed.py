"""Receipt OCR speed: Billify's OCR against RapidOCR as it comes, in one run.

usage: python bench/ocr_speed.py [--receipts 40] [--ocr KNOB=VALUE ...]

Reads every n-th SROIE receipt through three extractors in turn, receipt by receipt, so all
see the same machine load:

- ``billify``: the shipped ``OcrSettings`` (downscaled image, limited detection size, narrow
  crop padding, Latin-only recogniser, memory arena);
- ``full model``: the same with RapidOCR's multilingual recogniser and memory settings
  (``latin_only=False, memory_arena=False``);
- ``raw rapidocr``: ``rapidocr.RapidOCR()`` with its own defaults on the full-size image.

The field rules are the same on every side. Prints the median and mean seconds per receipt,
how many totals each got right, and the ratios to raw RapidOCR. ``--ocr`` changes a knob of
the shipped side (``--ocr det_limit=800``) to see what it would buy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from eval_extraction import ocr_settings, spread_receipts  # noqa: E402  (shared with eval)

from billify.adapters.local.bundled_extractor import BundledExtractor, OcrSettings  # noqa: E402
from billify.adapters.local.rapid_ocr import RapidOcr  # noqa: E402
from billify.evaluation import score_field  # noqa: E402

SROIE = REPO.parent / "shared" / "data" / "sroie-train"


class RawRapidOcr(RapidOcr):
    """RapidOCR with every setting at its default, on the image as stored (no downscaling)."""

    def __init__(self) -> None:
        super().__init__(replace(OcrSettings(), max_side=100_000))

    def _ocr_engine(self) -> Any:
        if self._engine is None:
            import rapidocr

            self._engine = rapidocr.RapidOCR(params={"Global.log_level": "warning"})
        return self._engine


def raw_rapidocr() -> BundledExtractor:
    extractor = BundledExtractor()
    extractor.ocr = RawRapidOcr()
    return extractor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=40)
    parser.add_argument("--ocr", action="append", default=[], metavar="KNOB=VALUE")
    args = parser.parse_args()
    shipped = ocr_settings(args.ocr)
    sides: dict[str, BundledExtractor] = {
        "billify": BundledExtractor(shipped),
        "full model": BundledExtractor(replace(shipped, latin_only=False, memory_arena=False)),
        "raw rapidocr": raw_rapidocr(),
    }
    chosen = spread_receipts(args.receipts)
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
    print(f"{len(chosen)} SROIE receipts, each read by every side in turn")
    raw = statistics.median(seconds["raw rapidocr"])
    for name in sides:
        median, mean = statistics.median(seconds[name]), statistics.mean(seconds[name])
        print(
            f"{name:<15} median {median:.3f} s  mean {mean:.3f} s  "
            f"x{median / raw:.2f} of raw  totals {right[name]}/{len(chosen)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
