"""The extractor that needs no service: the reading pipeline over pypdfium2/Pillow documents
and the bundled RapidOCR engine.

``BundledExtractor().extract(document, media_type)`` reads PNG, JPEG, WebP, TIFF and PDF (see
``billify.reading``). Calls from several threads are safe but run one at a time; use one
instance per worker process for parallelism.

The parts, one concern each (all in ``billify.adapters.local``): ``documents`` opens PDFs and
images (text layers split into cells, embedded pictures, rendered pages), ``rapid_ocr`` reads
pixels, ``ocr_engine`` loads the OCR models, ``orientation`` turns pages upright,
``ocr_models`` makes the Latin-only recogniser and ``ocr_settings`` holds the knobs.
"""

from __future__ import annotations

from billify.adapters.local.documents import Documents
from billify.adapters.local.ocr_settings import OcrSettings
from billify.adapters.local.orientation import page_turn
from billify.adapters.local.rapid_ocr import RapidOcr
from billify.reading import DocumentPipeline, ReadingLimits, ends

__all__ = ["BundledExtractor", "OcrSettings", "ends", "page_turn"]


class BundledExtractor(DocumentPipeline):
    """``Extractor`` for images and PDFs, all local."""

    def __init__(
        self,
        settings: OcrSettings | None = None,
        max_pages: int = 500,
        max_ocr_pages: int = 20,
        read_einvoices: bool = True,
        read_text_layers: bool = True,
    ) -> None:
        self.settings = settings or OcrSettings()
        limits = ReadingLimits(
            max_pages=max_pages,
            max_ocr_pages=max_ocr_pages,
            image_text_below=self.settings.image_text_below,
            max_pictures=self.settings.max_pictures,
        )
        super().__init__(
            Documents(render_dpi=self.settings.render_dpi),
            RapidOcr(self.settings),
            limits,
            read_einvoices=read_einvoices,
            read_text_layers=read_text_layers,
        )
