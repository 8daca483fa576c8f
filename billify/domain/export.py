"""A month of invoices as rows: JSON records and CSV (the export, the report's attachment)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from billify.domain import pack
from billify.domain.models import Extraction, Invoice, amount_text
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
    "category",
    "net",  # total minus tax; the subtotal when only that was read
    "home_amount",  # the total in the owner's home currency, at the ECB rate of its date
    "home_currency",
    "rate",
    "rate_date",
    "file",  # the original's name in the month's pack (billify.domain.pack)
)
# Text that came from a document or a user: a spreadsheet must not run it as a formula.
_TEXT_COLUMNS = frozenset({"vendor", "invoice_number", "original_filename", "name", "category"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def record(invoice: Invoice, counted: bool, file: str | None = None) -> dict[str, Any]:
    """One invoice, JSON-ready: amounts as decimal strings, dates ISO, null where unknown;
    ``file``: its original's name in the month's pack, when it is part of one."""
    extraction = invoice.extraction or _NOTHING_READ
    confidence = {k: round(v, 3) for k, v in sorted(extraction.confidence.items())}
    evidence = {k: v.to_json() for k, v in sorted(extraction.evidence.items())}
    return {
        **dict(zip(COLUMNS, _values(invoice, counted, file), strict=True)),
        "confidence": confidence,
        "evidence": evidence,  # where each field was read: page and box
        "error": invoice.error,  # why it could not be read
    }


_NOTHING_READ = Extraction()


def _values(invoice: Invoice, counted: bool, file: str | None) -> tuple[Any, ...]:
    """The ``COLUMNS`` of one invoice, read from its fields directly: a month's CSV in every
    monthly report is built from these, so no per-invoice JSON of the whole extraction."""
    e = invoice.extraction or _NOTHING_READ
    home = e.conversion
    return (
        invoice.id,
        invoice.received_at.isoformat(),
        invoice.status.value,
        counted,
        e.date.isoformat() if e.date else None,
        e.vendor,
        amount_text(e.total),
        e.currency,
        amount_text(e.subtotal),
        amount_text(e.tax),
        e.invoice_number,
        sorted(e.user_edited),
        invoice.duplicate_of,
        invoice.original_filename,
        invoice.uploader.name,
        invoice.uploader.email,
        e.category,
        amount_text(net_amount(e)),
        amount_text(home.amount) if home else None,
        home.currency if home else None,
        format(home.rate, "f") if home else None,
        home.rate_date.isoformat() if home else None,
        file,
    )


def net_amount(extraction: Extraction) -> Decimal | None:
    """The amount before tax: total minus tax when both were read, else the subtotal."""
    if extraction.total is not None and extraction.tax is not None:
        return extraction.total - extraction.tax
    return extraction.subtotal


def records(invoices: Iterable[Invoice], timezone: dt.tzinfo = dt.UTC) -> list[dict[str, Any]]:
    """The month's invoices, JSON-ready, each with its file's name in the month's pack."""
    counted = _counted(invoices)
    files = pack.file_names((invoice for invoice, _ in counted), timezone)
    return [record(invoice, is_counted, files[invoice.id]) for invoice, is_counted in counted]


def _counted(invoices: Iterable[Invoice]) -> list[tuple[Invoice, bool]]:
    """Each invoice in export order (user, then time received), and whether it counts."""
    ordered = sorted(invoices, key=lambda i: (i.uploader.email, i.received_at, i.id))
    counted: set[str] = set()
    for spending in spending_by_user(ordered):
        counted |= {i.id for i in spending.counted}
    return [(invoice, invoice.id in counted) for invoice in ordered]


def month_export(
    month: Month, invoices: Sequence[Invoice], timezone: dt.tzinfo = dt.UTC
) -> dict[str, Any]:
    """The JSON export: the month, totals per currency of the counted invoices, every invoice.
    ``timezone``: the one months are counted in (names the files of invoices without a date)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for spending in spending_by_user(invoices):
        for currency, amount in spending.totals_by_currency.items():
            totals[currency] += amount
    return {
        "month": str(month),
        "count": len(invoices),
        "totals": {currency: amount_text(totals[currency]) for currency in sorted(totals)},
        "invoices": records(invoices, timezone),
    }


def to_csv(
    invoices: Iterable[Invoice],
    timezone: dt.tzinfo = dt.UTC,
    files: Mapping[str, str] | None = None,
) -> str:
    """CSV with a header row, one line per invoice; text cells cannot start a formula.
    ``files``: the originals' names by invoice id, an invoice without one has an empty
    ``file`` (a pack's CSV, its original missing); default: the names the month's pack gives."""
    counted = _counted(invoices)
    if files is None:
        files = pack.file_names((invoice for invoice, _ in counted), timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for invoice, is_counted in counted:
        values = _values(invoice, is_counted, files.get(invoice.id))
        writer.writerow([_cell(c, v) for c, v in zip(COLUMNS, values, strict=True)])
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
