"""A month of invoices as rows: JSON records and CSV (the export, the report's attachment)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from billify.domain.models import Invoice, amount_text
from billify.domain.reports import Month, spending_by_user

COLUMNS = (
    "id",
    "received_at",
    "status",
    "counted",
    "date",
    "vendor",
    "total",
    "currency",
    "subtotal",
    "tax",
    "invoice_number",
    "user_edited",
    "duplicate_of",
    "original_filename",
    "name",
    "email",
)
# Text that came from a document or a user: a spreadsheet must not run it as a formula.
_TEXT_COLUMNS = frozenset({"vendor", "invoice_number", "original_filename", "name"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def record(invoice: Invoice, counted: bool) -> dict[str, Any]:
    """One invoice, JSON-ready: amounts as decimal strings, dates ISO, null where unknown."""
    extracted = invoice.extraction.to_json() if invoice.extraction else {}
    return {
        "id": invoice.id,
        "received_at": invoice.received_at.isoformat(),
        "status": invoice.status.value,
        "counted": counted,
        "date": extracted.get("date"),
        "vendor": extracted.get("vendor"),
        "total": extracted.get("total"),
        "currency": extracted.get("currency"),
        "subtotal": extracted.get("subtotal"),
        "tax": extracted.get("tax"),
        "invoice_number": extracted.get("invoice_number"),
        "user_edited": list(extracted.get("user_edited", [])),
        "duplicate_of": invoice.duplicate_of,
        "original_filename": invoice.original_filename,
        "name": invoice.uploader.name,
        "email": invoice.uploader.email,
        "confidence": dict(extracted.get("confidence", {})),
    }


def records(invoices: Iterable[Invoice]) -> list[dict[str, Any]]:
    ordered = sorted(invoices, key=lambda i: (i.uploader.email, i.received_at, i.id))
    counted: set[str] = set()
    for spending in spending_by_user(ordered):
        counted |= {i.id for i in spending.counted}
    return [record(i, i.id in counted) for i in ordered]


def month_export(month: Month, invoices: Sequence[Invoice]) -> dict[str, Any]:
    """The JSON export: the month, totals per currency of the counted invoices, every invoice."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for spending in spending_by_user(invoices):
        for currency, amount in spending.totals_by_currency.items():
            totals[currency] += amount
    return {
        "month": str(month),
        "count": len(invoices),
        "totals": {currency: amount_text(totals[currency]) for currency in sorted(totals)},
        "invoices": records(invoices),
    }


def to_csv(invoices: Iterable[Invoice]) -> str:
    """CSV with a header row, one line per invoice; text cells cannot start a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in records(invoices):
        writer.writerow([_cell(column, row[column]) for column in COLUMNS])
    return buffer.getvalue()


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    text = str(value)
    if column in _TEXT_COLUMNS and text.startswith(_FORMULA_START):
        return "'" + text
    return text
