"""Peak memory of one extraction worker on the heaviest documents it accepts.

usage: python bench/worker_memory.py [--receipts 40]

One ``BundledExtractor`` (as one worker holds) reads, in turn: SROIE receipts; the same
receipts turned upside down (two readings each); a 20-page scanned PDF (every page OCRed
at 200 dpi: the OCR page budget); every invoice2data and ZUGFeRD PDF with each page OCRed
as if scanned. Prints the process's peak RSS after each step (the target: 1 GB).
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from eval_extraction import DATA, spread_receipts  # noqa: E402

from billify.adapters.local.bundled_extractor import BundledExtractor  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=40)
    args = parser.parse_args()
    receipts = [DATA / "sroie-train" / e["file"] for e in spread_receipts(args.receipts)]
    extractor = BundledExtractor()
    print(f"start: {peak_mb():.0f} MB")
    for path in receipts:
        extractor.extract(path.read_bytes(), "image/jpeg")
    print(f"{len(receipts)} receipts: peak {peak_mb():.0f} MB")
    for path in receipts[:10]:
        extractor.extract(_encoded(Image.open(path).rotate(180), "JPEG"), "image/jpeg")
    print(f"10 receipts upside down: peak {peak_mb():.0f} MB")
    pages = [Image.open(path).convert("RGB") for path in receipts[:20]]
    scan = _encoded(pages[0], "PDF", save_all=True, append_images=pages[1:], resolution=200)
    extractor.extract(scan, "application/pdf")
    print(f"a 20-page scanned PDF: peak {peak_mb():.0f} MB")
    scanned = BundledExtractor(read_einvoices=False, read_text_layers=False)
    scanned.ocr = extractor.ocr  # the worker's one OCR engine
    pdfs = sorted((DATA / "invoice2data").glob("*.pdf")) + sorted((DATA / "zugferd").rglob("*.pdf"))
    for path in pdfs:
        scanned.extract(path.read_bytes(), "application/pdf")
    print(f"{len(pdfs)} invoice PDFs, every page OCRed: peak {peak_mb():.0f} MB")
    return 0


def _encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


if __name__ == "__main__":
    raise SystemExit(main())
