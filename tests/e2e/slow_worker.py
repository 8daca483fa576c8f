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
    """Writes a marker when a document's extraction starts, then takes ``seconds``; while the
    ``hold`` file exists it takes HOLD_SECONDS, so a test that sees a new marker can be sure
    its SIGKILL lands mid-extraction (not in the notice's send-then-record window)."""

    HOLD_SECONDS = 2.0

    def __init__(self, markers: Path, seconds: float, hold: Path | None = None) -> None:
        self.markers = markers
        self.seconds = seconds
        self.hold = hold

    def extract(self, document: bytes, media_type: str) -> Extraction:
        (self.markers / f"{time.monotonic_ns()}").write_bytes(document[-16:])
        held = self.hold is not None and self.hold.exists()
        time.sleep(self.HOLD_SECONDS if held else self.seconds)
        # The "total" is derived from the bytes, so the test can check each notice's figure.
        return Extraction(
            total=Decimal(len(document)) / 100,
            currency="EUR",
            vendor="Crash Test",
            confidence={"total": 0.99, "vendor": 0.99},
        )


def main() -> None:
    markers = Path(os.environ["MARKER_DIR"])
    hold = Path(os.environ["HOLD_FILE"]) if os.environ.get("HOLD_FILE") else None
    seconds = float(os.environ.get("EXTRACT_SECONDS", "0.2"))
    extractor = AnnouncingExtractor(markers, seconds, hold)
    Worker(build_local(Settings(), extractor=extractor)).run()


if __name__ == "__main__":
    sys.exit(main())
