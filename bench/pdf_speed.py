"""Seconds per text-layer PDF page: every invoice2data and ZUGFeRD PDF, read several times.

usage: python bench/pdf_speed.py [--repeat 5]

Each read starts with the field rules' per-text memory emptied, as for a document never seen,
so repeated reads measure no more than the first one would. Prints the median seconds per page
of the documents read from their text layer (and of those read from embedded e-invoice XML).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from billify.adapters.local.bundled_extractor import BundledExtractor  # noqa: E402
from billify.domain.extraction import vendor  # noqa: E402

DATA = REPO.parent / "shared" / "data"


def _forget() -> None:
    for name in dir(vendor):
        cache_clear = getattr(getattr(vendor, name), "cache_clear", None)
        if cache_clear is not None:
            cache_clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    documents = sorted((DATA / "invoice2data").glob("*.pdf")) + sorted(
        (DATA / "zugferd").rglob("*.pdf")
    )
    extractor = BundledExtractor()
    extractor.extract(documents[0].read_bytes(), "application/pdf")  # imports, first calls
    per_page: dict[str, dict[Path, list[float]]] = {}
    for _ in range(args.repeat):
        for path in documents:
            data = path.read_bytes()
            _forget()
            started = time.perf_counter()
            result = extractor.extract(data, "application/pdf")
            seconds = time.perf_counter() - started
            pages = min(result.pages, extractor.limits.max_pages) or 1
            per_page.setdefault(result.source, {}).setdefault(path, []).append(seconds / pages)
    for source, times in sorted(per_page.items()):
        median = statistics.median(statistics.median(t) for t in times.values())
        print(f"{source:<14} {len(times):>3} PDFs  median {median:.4f} s per page")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
