from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height), 255).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(seed: int = 0) -> bytes:
    """A tiny JPEG; another ``seed`` gives other bytes (another file to the deduplication)."""
    buffer = io.BytesIO()
    shade = 255 - seed % 200
    Image.new("RGB", (8, 8), (255, shade, 255)).save(buffer, format="JPEG")
    return buffer.getvalue()


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data set not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def no_billify_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the caller's ``BILLIFY_*`` variables (pydantic-settings reads them in any case):
    ``Settings()`` sees its defaults and what the test sets itself. Autouse in tests/unit."""
    for name in list(os.environ):
        if name.upper().startswith("BILLIFY_"):
            monkeypatch.delenv(name)
