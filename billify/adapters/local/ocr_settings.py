"""The knobs of the bundled OCR and of the extractor built on it (``OcrSettings``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OcrSettings:
    """Speed/accuracy knobs of the bundled OCR (measured on 2 CPU cores)."""

    max_side: int = 1600  # images are downscaled to this longest side before OCR
    det_limit: int = 960  # text detection runs at this longest side
    # Recognition pads every text crop of a batch to at least this width (px at 48 px high).
    # RapidOCR's default, 320, spends most of the recognition time on padding for short
    # receipt fields; 160 is ~25% faster per receipt with the same field accuracy
    # (measured on 320 SROIE receipts: 3 of 960 field values changed).
    rec_min_width: int = 160
    rec_batch: int = 6  # text crops recognised per onnxruntime call (RapidOCR's default)
    threads: int = 2  # onnxruntime intra-op threads
    # onnxruntime's memory arena: reusing buffers between crops is ~15% faster recognition
    # (RapidOCR turns it off by default); closing a document (documents.py) trims what it frees.
    memory_arena: bool = True
    # Recognise with the Latin-script copy of the model (ocr_models.py): ~8% faster, and no
    # CJK look-alikes (a full-width colon for ``:``) in what the field rules read.
    latin_only: bool = True
    # The longest text lines (at most this many) vote on which way the page is turned.
    orientation_lines: int = 16
    sure_upright: float = 0.9  # a reading this confident (mean per line) is not voted on
    min_lines: int = 6  # fewer lines than this (or low confidence) => try rotations
    min_confidence: float = 0.75
    render_dpi: int = 200  # PDF pages without a text layer are rendered at this resolution
    # A text-layer PDF whose seller is found with less confidence than this has the pictures
    # of its first page OCRed too (at most max_pictures, largest first): a letterhead image.
    image_text_below: float = 0.4
    max_pictures: int = 3
