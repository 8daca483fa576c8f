"""When an invoice needs review: its total or vendor missing or read with too little confidence."""

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from billify.config import Settings
from billify.domain.extraction import parse_einvoice
from billify.domain.models import Extraction, InvoiceStatus
from billify.domain.review import ReviewThresholds
from tests.fakes import fake_app
from tests.unit.extraction.test_einvoice import CII, UBL

REVIEW = ReviewThresholds(total=0.5, vendor=0.35)


def read(total: float | None = 0.9, vendor: float | None = 0.9) -> Extraction:
    confidence = {"total": total or 0.0, "vendor": vendor or 0.0}
    return Extraction(
        total=Decimal("12.50") if total is not None else None,
        vendor="Shop" if vendor is not None else None,
        confidence=confidence,
    )


@pytest.mark.parametrize(
    ("extraction", "to_check"),
    [
        (read(), ()),
        (read(total=0.5, vendor=0.35), ()),  # the thresholds themselves are trusted
        (read(vendor=0.17), ("vendor",)),
        (read(vendor=None), ("vendor",)),
        (read(total=0.49), ("total",)),
        (read(total=None), ("total",)),
        (read(total=0.2, vendor=0.1), ("total", "vendor")),
        (None, ("total", "vendor")),
    ],
)
def test_total_or_vendor_unsure_or_missing_means_review(
    extraction: Extraction | None, to_check: tuple[str, ...]
) -> None:
    assert REVIEW.fields_to_check(extraction) == to_check
    expected = InvoiceStatus.NEEDS_REVIEW if to_check else InvoiceStatus.PROCESSED
    assert REVIEW.status_for(extraction) == expected


@pytest.mark.parametrize("xml", [CII, UBL])
def test_an_e_invoice_is_processed(xml: bytes) -> None:
    assert REVIEW.status_for(parse_einvoice(xml)) == InvoiceStatus.PROCESSED


def test_vendor_threshold_setting_defaults_validates_and_is_wired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BILLIFY_VENDOR_REVIEW_THRESHOLD", raising=False)
    assert Settings(data_dir=tmp_path).vendor_review_threshold == 0.35
    monkeypatch.setenv("BILLIFY_VENDOR_REVIEW_THRESHOLD", "0.6")
    monkeypatch.setenv("BILLIFY_REVIEW_THRESHOLD", "0.7")
    app = fake_app(Settings(data_dir=tmp_path))
    assert app.processing.review == ReviewThresholds(total=0.7, vendor=0.6)
    assert app.review == app.processing.review
    for bad in ("1.5", "-0.1", "high"):
        monkeypatch.setenv("BILLIFY_VENDOR_REVIEW_THRESHOLD", bad)
        with pytest.raises(ValidationError, match="vendor_review_threshold"):
            Settings(data_dir=tmp_path)
