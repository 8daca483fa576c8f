"""The bundled extractor on real documents from ../shared/data (never copied into the repo)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from billify.adapters.local import documents
from billify.adapters.local.bundled_extractor import BundledExtractor
from billify.domain.extraction import UnreadableDocument
from billify.evaluation import score_field

# 136: a name starting with a business word; 505: a name printed over three rows
SROIE_SAMPLE = (
    "images/000.jpg",
    "images/002.jpg",
    "images/010.jpg",
    "images/020.jpg",
    "images/136.jpg",
    "images/505.jpg",
)
INVOICE_PDFS = ("coolblue1.pdf", "QualityHosting.pdf")
ZUGFERD_PDF = "pdf/012-EN16931_Rechnungskorrektur.pdf"


@pytest.fixture(scope="module")
def extractor() -> BundledExtractor:
    return BundledExtractor()


def _entry(manifest: Path, file: str) -> dict[str, Any]:
    for line in manifest.read_text("utf-8").splitlines():
        entry: dict[str, Any] = json.loads(line)
        if entry["file"] == file:
            return entry
    raise LookupError(file)


def _check(entry: dict[str, Any], prediction: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        label = entry.get("company" if name == "vendor" and "company" in entry else name)
        assert score_field(name, label, prediction[name]), (name, label, prediction[name])


@pytest.mark.slow
@pytest.mark.parametrize("file", SROIE_SAMPLE)
def test_reads_sroie_receipts(extractor: BundledExtractor, shared_data: Path, file: str) -> None:
    root = shared_data / "sroie-train"
    result = extractor.extract((root / file).read_bytes(), "image/jpeg")
    _check(_entry(root / "manifest.jsonl", file), result.to_json(), ("total", "date", "vendor"))
    assert result.currency == "MYR"
    assert result.source == "ocr"


@pytest.mark.parametrize("file", INVOICE_PDFS)
def test_reads_invoice_pdfs_from_the_text_layer(
    extractor: BundledExtractor, shared_data: Path, file: str
) -> None:
    root = shared_data / "invoice2data"
    result = extractor.extract((root / file).read_bytes(), "application/pdf")
    fields = ("total", "date", "vendor", "invoice_number", "currency")
    _check(_entry(root / "manifest.jsonl", file), result.to_json(), fields)
    assert result.source == "pdf-text"


def test_reads_a_booking_id_below_its_label(extractor: BundledExtractor, shared_data: Path) -> None:
    root = shared_data / "invoice2data"
    result = extractor.extract((root / "oyo.pdf").read_bytes(), "application/pdf")
    fields = ("total", "date", "invoice_number", "currency")
    _check(_entry(root / "manifest.jsonl", "oyo.pdf"), result.to_json(), fields)


def test_reads_zugferd_credit_note_from_embedded_xml(
    extractor: BundledExtractor, shared_data: Path
) -> None:
    root = shared_data / "zugferd"
    entry = _entry(root / "manifest.jsonl", ZUGFERD_PDF)
    result = extractor.extract((root / ZUGFERD_PDF).read_bytes(), "application/pdf")
    _check(entry, result.to_json(), ("total", "date", "vendor", "invoice_number", "amount_due"))
    assert result.source == "e-invoice"
    assert result.pages == entry["pages"]


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"%PDF-1.4 garbage", "application/pdf"),
        (b"not a pdf", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n broken", "image/png"),
        (b"GIF89a", "image/gif"),
    ],
)
def test_rejects_undecodable_input(
    extractor: BundledExtractor, data: bytes, media_type: str
) -> None:
    with pytest.raises(UnreadableDocument):
        extractor.extract(data, media_type)


@pytest.mark.slow
def test_a_seller_printed_only_in_a_picture_is_read_by_ocr(
    extractor: BundledExtractor, shared_data: Path
) -> None:
    # saeco.pdf: a digital invoice whose letterhead (logo, seller, address) is an image
    root = shared_data / "invoice2data"
    text_only = BundledExtractor(replace(extractor.settings, image_text_below=0.0))

    result = extractor.extract((root / "saeco.pdf").read_bytes(), "application/pdf")
    without_pictures = text_only.extract((root / "saeco.pdf").read_bytes(), "application/pdf")

    assert result.source == "pdf-text+ocr"
    assert result.vendor is not None and "saeco" in result.vendor.lower()
    assert result.confidence["vendor"] > without_pictures.confidence.get("vendor", 0.0)
    assert without_pictures.source == "pdf-text"
    _check(_entry(root / "manifest.jsonl", "saeco.pdf"), result.to_json(), ("total", "date"))


def test_pictures_over_the_pixel_limit_are_not_decoded(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = (shared_data / "invoice2data" / "saeco.pdf").read_bytes()
    pdf = documents.Documents().open(document, "application/pdf")
    try:
        assert len(pdf.pictures(0, 3)) == 2
        monkeypatch.setattr(documents, "MAX_PICTURE_PIXELS", 796 * 289 - 1)
        sizes = [p.size for p, _ in pdf.pictures(0, 3)]
        assert sizes and all(w * h < 796 * 289 for w, h in sizes)
    finally:
        pdf.close()


@pytest.mark.parametrize(
    "file",
    [
        "pdf/016-ZUGFeRD_1p0_BASIC_Einfach.pdf",  # seller under "Rechnungsersteller"
        "pdf/022-ZUGFeRD_1p0_COMFORT_Rechnungskorrektur.pdf",  # credit note, totals table
        "pdf/038-MustangGnuaccountingBeispielRE-20201121_508.pdf",  # "Net total" before VAT
    ],
)
def test_reads_the_printed_pages_of_e_invoices_as_well_as_their_xml(
    shared_data: Path, file: str
) -> None:
    root = shared_data / "zugferd"
    pages_only = BundledExtractor(read_einvoices=False)
    result = pages_only.extract((root / file).read_bytes(), "application/pdf")
    assert result.source == "pdf-text"
    _check(_entry(root / "manifest.jsonl", file), result.to_json(), ("total", "date", "vendor"))
