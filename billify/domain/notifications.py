"""The emails Billify sends: a notice per invoice, a notice when a file cannot be read, and the
monthly report. Pure content: templates in, ``OutgoingEmail`` out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from billify.domain.emails import OutgoingEmail
from billify.domain.models import Invoice, InvoiceStatus, Uploader
from billify.domain.reports import Month, Spending

_templates = Environment(
    loader=PackageLoader("billify.domain", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    trim_blocks=False,
)


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: Decimal

    @property
    def text(self) -> str:
        return format_money(self.amount, self.currency)


def format_money(amount: Decimal | None, currency: str | None) -> str:
    """``MYR 1,234.50``: two decimals unless the document printed more."""
    if amount is None:
        return ""
    places = max(2, -int(amount.as_tuple().exponent))
    return f"{currency or ''} {amount:,.{places}f}".strip()


def invoice_notice(invoice: Invoice, month: Month, month_to_date: Spending) -> OutgoingEmail:
    """The email sent once an invoice is processed: what was read, and the month so far."""
    extraction = invoice.extraction
    needs_review = invoice.status == InvoiceStatus.NEEDS_REVIEW
    vendor = extraction.vendor if extraction else None
    context = {
        "name": invoice.uploader.name,
        "invoice_id": invoice.id,
        "needs_review": needs_review,
        "vendor": vendor,
        "date": extraction.date.isoformat() if extraction and extraction.date else None,
        "total": format_money(invoice.total, invoice.currency) or None,
        "invoice_number": extraction.invoice_number if extraction else None,
        "month_label": month.label,
        "month_totals": [t.text for t in _totals(month_to_date)],
        "counted": len(month_to_date.counted),
        "review_count": len(month_to_date.needs_review),
        "duplicate_of": invoice.duplicate_of,
    }
    if needs_review:
        problem = "total uncertain" if invoice.total is not None else "total not read"
        subject = f"Please check your invoice{_from(vendor)}: {problem}"
    else:
        subject = f"Invoice{_from(vendor)}: {context['total']}"
    return _render(f"notice:{invoice.id}", invoice, subject, "notice", context)


def failure_notice(invoice: Invoice, reason: str) -> OutgoingEmail:
    """The email sent when a document cannot be read at all."""
    context = {
        "name": invoice.uploader.name,
        "invoice_id": invoice.id,
        "filename": invoice.original_filename,
        "reason": reason,
    }
    return _render(
        f"notice:{invoice.id}", invoice, "We could not read your invoice", "failed", context
    )


def confirmation_request(uploader: Uploader, link: str) -> OutgoingEmail:
    """Double opt-in: the first email to an address asks it to confirm before any notice."""
    context = {"name": uploader.name, "link": link}
    return OutgoingEmail(
        key=f"confirm:{uploader.email}",
        to=uploader,
        subject="Confirm your address to receive your Billify results",
        text=_templates.get_template("confirm.txt.j2").render(context),
        html=_templates.get_template("confirm.html.j2").render(context),
    )


def monthly_report(month: Month, spending: Spending) -> OutgoingEmail:
    rows = [_report_row(i) for i in spending.invoices]
    context = {
        "name": spending.uploader.name,
        "month_label": month.label,
        "count": len(spending.invoices),
        "totals": _totals(spending),
        "rows": rows,
        "review_count": len(spending.needs_review),
        "pending_count": len(spending.pending),
    }
    totals = ", ".join(t.text for t in _totals(spending)) or "nothing counted"
    return OutgoingEmail(
        key=f"report:{month}:{spending.uploader.email}",
        to=spending.uploader,
        subject=f"Your expenses for {month.label}: {totals}",
        text=_templates.get_template("report.txt.j2").render(context),
        html=_templates.get_template("report.html.j2").render(context),
    )


def _report_row(invoice: Invoice) -> dict[str, str]:
    extraction = invoice.extraction
    notes = {
        InvoiceStatus.PROCESSED: "",
        InvoiceStatus.NEEDS_REVIEW: "needs review",
        InvoiceStatus.FAILED: "unreadable",
        InvoiceStatus.QUEUED: "processing",
        InvoiceStatus.PROCESSING: "processing",
    }
    note = "likely duplicate, not counted" if invoice.duplicate_of else notes[invoice.status]
    invoice_date = extraction.date if extraction and extraction.date else None
    return {
        "date": (invoice_date or invoice.received_at.date()).isoformat(),
        "vendor": (extraction.vendor if extraction else None) or "unknown vendor",
        "total": format_money(invoice.total, invoice.currency) or "-",
        "status_note": note,
    }


def _totals(spending: Spending) -> list[CurrencyTotal]:
    return [CurrencyTotal(c, a) for c, a in spending.totals_by_currency.items()]


def _from(vendor: str | None) -> str:
    # Subjects are single-line by construction: the email package also refuses CR/LF.
    return f" from {' '.join(vendor.split())[:60]}" if vendor else ""


def _render(
    key: str, invoice: Invoice, subject: str, template: str, context: dict[str, Any]
) -> OutgoingEmail:
    return OutgoingEmail(
        key=key,
        to=invoice.uploader,
        subject=subject,
        text=_templates.get_template(f"{template}.txt.j2").render(context),
        html=_templates.get_template(f"{template}.html.j2").render(context),
    )
