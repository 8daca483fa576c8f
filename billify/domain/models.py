"""Domain records: what an invoice is, what extraction found, who uploaded it.

Money is always ``Decimal``; dates are ``datetime.date``; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

EXTRACTED_FIELDS = (
    "total",
    "subtotal",
    "tax",
    "amount_due",
    "currency",
    "vendor",
    "vendor_address",
    "date",
    "invoice_number",
    "line_items",
    "category",
)


class UnreadableDocument(ValueError):
    """The document cannot be read at all (corrupt, encrypted, no pages): retrying won't help."""


class PasswordProtected(UnreadableDocument):
    """A PDF that opens only with its password: the person can send a copy without one."""

    def __init__(self) -> None:
        super().__init__(
            "this PDF is protected by a password: save or print a copy without the password"
            " and upload that"
        )


class InvoiceStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    PROCESSED = "processed"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"


@dataclass(frozen=True)
class Uploader:
    name: str
    email: str


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "quantity": _dec(self.quantity),
            "unit_price": amount_text(self.unit_price),
            "amount": amount_text(self.amount),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineItem:
        get = data.get
        return cls(
            str(get("description") or ""),
            _to_dec(get("quantity")),
            _to_dec(get("unit_price")),
            _to_dec(get("amount")),
        )


@dataclass(frozen=True)
class Evidence:
    """Where a field was read: its page (from 0) and its box on that page as fractions of the
    page's width and height ``(x0, y0, x1, y1)``, y downwards; no box for e-invoice XML."""

    page: int
    box: tuple[float, float, float, float] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"page": self.page, "box": list(self.box) if self.box else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evidence:
        box = data.get("box")
        return cls(
            int(data.get("page") or 0),
            (float(box[0]), float(box[1]), float(box[2]), float(box[3])) if box else None,
        )


@dataclass(frozen=True)
class Rate:
    """How many units of the home currency one unit of a currency was worth, as published
    on ``date`` (a weekend or holiday invoice gets the last rate before it)."""

    value: Decimal
    date: dt.date


@dataclass(frozen=True)
class Conversion:
    """An invoice's total in the home currency: ``amount`` in ``currency`` (the home one),
    reached by ``rate`` published on ``rate_date``."""

    amount: Decimal
    currency: str
    rate: Decimal
    rate_date: dt.date

    def to_json(self) -> dict[str, Any]:
        return {
            "amount": amount_text(self.amount),
            "currency": self.currency,
            "rate": format(self.rate, "f"),
            "rate_date": self.rate_date.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Conversion:
        return cls(
            amount=Decimal(str(data["amount"])),
            currency=str(data["currency"]),
            rate=Decimal(str(data["rate"])),
            rate_date=dt.date.fromisoformat(str(data["rate_date"])),
        )


@dataclass(frozen=True)
class Extraction:
    """The fields read from one document, each with a confidence in 0..1 and, where the page
    shows it, the evidence: where it was read (``evidence``).

    ``source`` says how they were read: ``ocr``, ``pdf-text``, ``pdf-text+ocr`` (a text layer
    and OCR of its pictures), ``e-invoice`` or ``textract``.
    """

    total: Decimal | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    amount_due: Decimal | None = None
    currency: str | None = None
    vendor: str | None = None
    vendor_address: str | None = None
    date: dt.date | None = None
    invoice_number: str | None = None
    line_items: tuple[LineItem, ...] = ()
    confidence: dict[str, float] = field(default_factory=dict)
    source: str = "ocr"
    pages: int = 1
    evidence: dict[str, Evidence] = field(default_factory=dict)
    # Fields the user corrected by hand (their confidence is then 1.0).
    user_edited: frozenset[str] = frozenset()
    # What the expense was for (``billify.domain.categories``), guessed or corrected.
    category: str | None = None
    # The total in the owner's home currency at the rate of the invoice's date; None when
    # not converted (nothing read yet, or a currency the ECB does not publish).
    conversion: Conversion | None = None

    def confidence_of(self, name: str) -> float:
        return self.confidence.get(name, 0.0)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: amounts as decimal strings with two decimals or more (``"12.50"``),
        date ISO, null where unknown."""
        return {
            "total": amount_text(self.total),
            "subtotal": amount_text(self.subtotal),
            "tax": amount_text(self.tax),
            "amount_due": amount_text(self.amount_due),
            "currency": self.currency,
            "vendor": self.vendor,
            "vendor_address": self.vendor_address,
            "date": self.date.isoformat() if self.date else None,
            "invoice_number": self.invoice_number,
            "line_items": [item.to_json() for item in self.line_items],
            "category": self.category,
            "confidence": {k: round(v, 3) for k, v in sorted(self.confidence.items())},
            "source": self.source,
            "pages": self.pages,
            "evidence": {k: v.to_json() for k, v in sorted(self.evidence.items())},
            # Only when some field was corrected, so extraction output keeps its documented keys.
            **({"user_edited": sorted(self.user_edited)} if self.user_edited else {}),
            **({"conversion": self.conversion.to_json()} if self.conversion else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Extraction:
        # Decoding a month of stored invoices runs this per row: one lookup per key, no work
        # for empty collections.
        get = data.get
        raw_date, items = get("date"), get("line_items")
        confidence, evidence, edited = get("confidence"), get("evidence"), get("user_edited")
        conversion = get("conversion")
        return cls(
            total=_to_dec(get("total")),
            subtotal=_to_dec(get("subtotal")),
            tax=_to_dec(get("tax")),
            amount_due=_to_dec(get("amount_due")),
            currency=get("currency"),
            vendor=get("vendor"),
            vendor_address=get("vendor_address"),
            date=dt.date.fromisoformat(raw_date) if raw_date else None,
            invoice_number=get("invoice_number"),
            line_items=tuple(map(LineItem.from_json, items)) if items else (),
            confidence={k: float(v) for k, v in confidence.items()} if confidence else {},
            source=str(get("source") or "ocr"),
            pages=int(get("pages") or 1),
            evidence={str(k): Evidence.from_json(v) for k, v in evidence.items()}
            if evidence
            else {},
            user_edited=frozenset(map(str, edited)) if edited else frozenset(),
            category=get("category"),
            conversion=Conversion.from_json(conversion) if conversion else None,
        )


@dataclass(frozen=True)
class Invoice:
    """One uploaded document and what became of it (one row in the invoices table)."""

    id: str
    uploader: Uploader
    blob_key: str
    media_type: str
    file_hash: str
    file_size: int
    received_at: dt.datetime
    original_filename: str | None = None
    status: InvoiceStatus = InvoiceStatus.QUEUED
    extraction: Extraction | None = None
    error: str | None = None
    processed_at: dt.datetime | None = None
    notice_sent_at: dt.datetime | None = None
    owner: str | None = None  # label of the API key that uploaded it, when keys are in use
    # Another invoice of the same user with the same vendor, date, total and currency: this one
    # is likely the same expense uploaded twice, and is not counted unless the user says so.
    duplicate_of: str | None = None

    @property
    def total(self) -> Decimal | None:
        return self.extraction.total if self.extraction else None

    @property
    def currency(self) -> str | None:
        return self.extraction.currency if self.extraction else None

    def same_expense_as(self, other: Invoice) -> bool:
        """Same vendor, date, total and currency: the marks of one expense uploaded twice."""
        mine, theirs = self.extraction, other.extraction
        if mine is None or theirs is None or self.id == other.id:
            return False
        if None in (mine.total, mine.date, mine.vendor) or mine.total != theirs.total:
            return False
        return (
            mine.date == theirs.date
            and mine.currency == theirs.currency
            and vendor_key(mine.vendor) == vendor_key(theirs.vendor)
        )

    def with_changes(self, **changes: Any) -> Invoice:
        return replace(self, **changes)


def vendor_key(text: str | None) -> str:
    """A vendor's name as compared: upper case, letters and digits only."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def amount_text(value: Decimal | None) -> str | None:
    """Money as a decimal string with at least two decimals and no trailing zeros beyond them:
    ``1939`` -> ``"1939.00"``, ``-8.7900`` -> ``"-8.79"``, ``0.125`` -> ``"0.125"`` (exact)."""
    if value is None or not value.is_finite():
        return _dec(value)
    text = format(value, "f")
    if text[-3:-2] == ".":  # exactly two decimals, the usual case: already the answer
        return text
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"


def _to_dec(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))
