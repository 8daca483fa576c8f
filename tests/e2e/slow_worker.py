"""A real ``billify`` worker process whose extractor is slow and announces each document.

Used by the crash test: everything is the real local stack (SQLite queue and records, SMTP)
except the OCR, replaced so the test knows exactly when a document is mid-extraction.
"""

from __future__ import annotations

import os
import sys
import time
from decimal import Decimal
from pathlib import Path

from billify.bootstrap import build_local
from billify.config import Settings
from billify.domain.models import Extraction
from billify.entrypoints.worker import Worker


class AnnouncingExtractor:
    def __init__(self, markers: Path, seconds: float) -> None:
        self.markers = markers
        self.seconds = seconds

    def extract(self, document: bytes, media_type: str) -> Extraction:
        (self.markers / f"{time.monotonic_ns()}").write_bytes(document[-16:])
        time.sleep(self.seconds)
        # The "total" is derived from the bytes, so the test can check each notice's figure.
        return Extraction(
            total=Decimal(len(document)) / 100,
            currency="EUR",
            vendor="Crash Test",
            confidence={"total": 0.99},
        )


def main() -> None:
    markers = Path(os.environ["MARKER_DIR"])
    extractor = AnnouncingExtractor(markers, float(os.environ.get("EXTRACT_SECONDS", "0.2")))
    Worker(build_local(Settings(), extractor=extractor)).run()


if __name__ == "__main__":
    sys.exit(main())
