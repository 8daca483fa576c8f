"""Fields a user corrects by hand: parsed and checked here, then stored with confidence 1.0 and
marked as user-edited, so reports use them and the user's fix is never taken for a guess."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from billify.domain.categories import CATEGORIES
from billify.domain.models import Extraction

CORRECTABLE_FIELDS = (
    "total",
    "subtotal",
    "tax",
    "currency",
    "vendor",
    "date",
    "invoice_number",
    "category",
)
_AMOUNTS = frozenset({"total", "subtotal", "tax"})
_CLEARABLE = frozenset({"subtotal", "tax", "vendor", "invoice_number"})
_MAX_TEXT = 200
_MAX_AMOUNT = Decimal("1e12")
_CURRENCY = re.compile(r"[A-Z]{3}")


class InvalidCorrection(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def apply_corrections(extraction: Extraction | None, changes: Mapping[str, str]) -> Extraction:
    """The extraction with ``changes`` (field -> text as typed) applied; raises
    ``InvalidCorrection`` naming the first bad field. An empty text clears a field that may be
    unknown (vendor, number, subtotal, tax); total, currency and date cannot be cleared."""
    base = extraction or Extraction(source="manual")
    values: dict[str, Any] = {}
    for name, raw in changes.items():
        if name not in CORRECTABLE_FIELDS:
            raise InvalidCorrection(name, f"{name} cannot be corrected")
        values[name] = _parse(name, raw)
    confidence = dict(base.confidence)
    confidence.update(dict.fromkeys(values, 1.0))
    return replace(
        base,
        **values,
        confidence=confidence,
        user_edited=base.user_edited | frozenset(values),
    )


def _parse(name: str, raw: str) -> Any:
    text = " ".join(str(raw).split())
    if not text:
        if name in _CLEARABLE:
            return None
        raise InvalidCorrection(name, f"{name} must not be empty")
    if len(text) > _MAX_TEXT:
        raise InvalidCorrection(name, f"{name} must be at most {_MAX_TEXT} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise InvalidCorrection(name, f"{name} must not contain control characters")
    if name in _AMOUNTS:
        return _amount(name, text)
    if name == "currency":
        code = text.upper()
        if not _CURRENCY.fullmatch(code):
            raise InvalidCorrection(name, "currency must be a three-letter ISO 4217 code")
        return code
    if name == "category":
        if text.lower() not in CATEGORIES:
            raise InvalidCorrection(name, f"category must be one of: {', '.join(CATEGORIES)}")
        return text.lower()
    if name == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidCorrection(name, "date must be YYYY-MM-DD") from None
    return text


def _amount(name: str, text: str) -> Decimal:
    cleaned = text.replace(" ", "")
    if re.fullmatch(r"\d+,\d{1,2}", cleaned):  # a decimal comma: 12,50
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidCorrection(name, f"{name} must be a number like 12.50") from None
    if not value.is_finite() or value < 0 or value >= _MAX_AMOUNT:
        raise InvalidCorrection(name, f"{name} must be a positive amount")
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise InvalidCorrection(name, f"{name} has too many decimals")
    return value
