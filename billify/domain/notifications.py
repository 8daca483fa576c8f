"""The emails Billify sends: a notice per invoice, a notice when a file cannot be read, and the
monthly report. Pure content: templates in, ``OutgoingEmail`` out."""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from billify.domain.action_links import NoticeLinks
from billify.domain.auth import ACTION_LINK_LIFETIME
from billify.domain.charts import bar_chart
from billify.domain.emails import Attachment, OutgoingEmail
from billify.domain.export import to_csv
from billify.domain.inbound import Skipped
from billify.domain.models import Extraction, Invoice, InvoiceStatus, Uploader
from billify.domain.reports import Month, Spending
from billify.domain.review import ReviewThresholds

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


def invoice_notice(
    invoice: Invoice,
    month: Month,
    month_to_date: Spending,
    to_check: Sequence[str] | None = None,
    *,
    links: NoticeLinks | None = None,
    crop: bytes | None = None,
) -> OutgoingEmail:
    """The email sent once an invoice is processed: what was read, and the month so far. A
    ``needs_review`` one names the fields to check (``to_check``: ``total`` and/or ``vendor``;
    by default those the default thresholds would not trust). ``month`` is the month it was
    uploaded in (the one it counts in). ``links``: its buttons (none without); ``crop``: a
    JPEG of where the total was read, shown inline."""
    extraction = invoice.extraction
    needs_review = invoice.status == InvoiceStatus.NEEDS_REVIEW
    if to_check is None:
        to_check = ReviewThresholds().fields_to_check(extraction)
    to_check = list(to_check) if needs_review else []
    vendor = extraction.vendor if extraction else None
    amount_due = extraction.amount_due if extraction else None
    context = {
        "name": invoice.uploader.name,
        "invoice_id": invoice.id,
        "filename": invoice.original_filename,
        "needs_review": needs_review,
        "to_check": to_check,
        "to_check_text": f"its {' and '.join(to_check)}" if to_check else "it",
        "vendor": vendor,
        "date": extraction.date.isoformat() if extraction and extraction.date else None,
        "total": format_money(invoice.total, invoice.currency) or None,
        "invoice_number": extraction.invoice_number if extraction else None,
        "month_label": month.label,
        "month_totals": [t.text for t in _totals(month_to_date)],
        "counted": len(month_to_date.counted),
        "review_count": len(month_to_date.needs_review),
        "duplicate_of": invoice.duplicate_of,
        "amount_due": format_money(amount_due, invoice.currency)
        if amount_due is not None and amount_due != invoice.total
        else None,
        "links": links,
        "link_days": ACTION_LINK_LIFETIME.days,
        "crop_cid": CROP_CID if crop else None,
    }
    if needs_review:
        subject = f"Please check your invoice{_from(vendor)}: {_problems(extraction, to_check)}"
    else:
        subject = f"Invoice{_from(vendor)}: {context['total']}"
    attachments = (Attachment("total.jpg", crop, "image/jpeg", CROP_CID),) if crop else ()
    return _render(
        f"notice:{invoice.id}", invoice.uploader, subject, "notice", context, attachments
    )


CROP_CID = "total-crop@billify"


def _problems(extraction: Extraction | None, to_check: Sequence[str]) -> str:
    """``total uncertain, vendor not read``: what is wrong with each field to check."""
    read = {name for name in to_check if extraction and getattr(extraction, name) is not None}
    problems = [f"{name} {'uncertain' if name in read else 'not read'}" for name in to_check]
    return ", ".join(problems) or "needs review"


def failure_notice(
    invoice: Invoice, reason: str, *, links: NoticeLinks | None = None
) -> OutgoingEmail:
    """The email sent when a document cannot be read at all: why, and (``links``) the way to
    the invoice on the page, to replace it with a better copy, delete it or type it in."""
    context = {
        "name": invoice.uploader.name,
        "invoice_id": invoice.id,
        "filename": invoice.original_filename,
        "reason": reason.strip().rstrip(".") or "the file could not be read",
        "links": links,
        "link_days": ACTION_LINK_LIFETIME.days,
    }
    subject = "We could not read your invoice"
    return _render(f"notice:{invoice.id}", invoice.uploader, subject, "failed", context)


def mail_read_notice(
    to: Uploader,
    mail_key: str,
    *,
    accepted: int,
    skipped: Sequence[Skipped],
    duplicates: Sequence[str],
    page: str,
) -> OutgoingEmail:
    """The answer to an email whose parts were not all read: what was skipped and why, which
    files were in Billify already; with nothing read at all, how to send it so it is."""
    context = {
        "name": to.name,
        "accepted": accepted,
        "skipped": skipped,
        "duplicates": duplicates,
        "page": page,
    }
    subject = "Your email to Billify" if accepted else "Nothing to read in your email"
    return _render(f"mail-read:{mail_key}", to, subject, "mail_skipped", context)


def confirmation_request(uploader: Uploader, link: str) -> OutgoingEmail:
    """Double opt-in: the first email to an address asks it to confirm before any notice."""
    context = {"name": uploader.name, "link": link}
    subject = "Confirm your address to receive your Billify results"
    return _render(f"confirm:{uploader.email}", uploader, subject, "confirm", context)


def sign_in_email(uploader: Uploader, link: str, link_key: str, minutes: int) -> OutgoingEmail:
    """The one-time sign-in link. ``link_key`` makes each such email distinct (its Message-ID)."""
    context = {"email": uploader.email, "link": link, "minutes": minutes}
    subject = "Your Billify sign-in link"
    return _render(f"sign-in:{link_key}", uploader, subject, "sign_in", context)


def link_refused_page(message: str, page: str) -> str:
    """The page a dead sign-in or notice link opens: what happened and the way back in."""
    return (
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>Billify</title><p>{html.escape(message)}</p>"
        f"<p><a href='{html.escape(page, quote=True)}'>Ask for a new sign-in link</a></p>"
    )


def confirmation_page(email: str, released: int) -> str:
    """The page the double opt-in link opens."""
    return (
        "<!doctype html><meta charset=utf-8><title>Billify</title>"
        f"<p>Thank you: {html.escape(email)} is confirmed. "
        f"{released} held notice(s) are on their way.</p>"
    )


def monthly_report(
    month: Month,
    spending: Spending,
    previous: Spending | None = None,
    *,
    link: str | None = None,
) -> OutgoingEmail:
    """The report of one user's month: totals per currency and their change since the month
    before (``previous``), top vendors, a chart of spend per day (PNG inline by CID), every
    invoice, and the month as a CSV attachment. ``link``: the signed URL of the month on the
    page (none without)."""
    # ``counted`` and the totals are derived afresh at each access: derive them once here.
    counted, sums = spending.counted, spending.totals_by_currency
    totals = [CurrencyTotal(c, a) for c, a in sums.items()]
    rows = [_report_row(i) for i in spending.invoices]
    main_currency = _main_currency(counted, sums)
    chart = _daily_chart(month, counted, main_currency) if main_currency else None
    context = {
        "name": spending.uploader.name,
        "month_label": month.label,
        "previous_label": month.previous().label,
        "count": len(spending.invoices),
        "counted": len(counted),
        "totals": totals,
        "changes": _changes(sums, previous),
        "top_vendors": _top_vendors(counted),
        "chart_cid": CHART_CID if chart else None,
        "chart_currency": main_currency,
        "rows": rows,
        "review_count": len(spending.needs_review),
        "pending_count": len(spending.pending),
        "csv_name": f"billify-{month}.csv",
        "link": link,
        "link_days": ACTION_LINK_LIFETIME.days,
    }
    attachments = [
        Attachment(f"billify-{month}.csv", to_csv(spending.invoices).encode(), "text/csv")
    ]
    if chart:
        attachments.insert(0, Attachment("spending.png", chart, "image/png", CHART_CID))
    summary = ", ".join(t.text for t in totals) or "nothing counted"
    return _render(
        f"report:{month}:{spending.uploader.email}",
        spending.uploader,
        f"Your expenses for {month.label}: {summary}",
        "report",
        context,
        tuple(attachments),
    )


CHART_CID = "spending-chart@billify"
TOP_VENDORS = 5


def preview_html(email: OutgoingEmail) -> str:
    """The HTML part with inline images as data: URIs, to look at in a browser (nothing sent)."""
    html = email.html
    for attachment in email.attachments:
        if attachment.content_id:
            data = base64.b64encode(attachment.content).decode()
            html = html.replace(
                f"cid:{attachment.content_id}", f"data:{attachment.mime_type};base64,{data}"
            )
    return html


@dataclass(frozen=True)
class Change:
    currency: str
    current: str
    previous: str | None
    percent: str | None  # "+12%", "-5%"; None when there is nothing to compare with
    direction: str  # "up", "down", "same", "new", "gone"


def _changes(now: dict[str, Decimal], previous: Spending | None) -> list[Change]:
    before = previous.totals_by_currency if previous else {}
    changes = []
    for currency in sorted(set(now) | set(before)):
        current, earlier = now.get(currency, Decimal(0)), before.get(currency)
        if earlier is None or earlier == 0:
            changes.append(Change(currency, format_money(current, currency), None, None, "new"))
            continue
        ratio = (current - earlier) / earlier * 100
        percent = f"{ratio:+.0f}%"
        if current == 0:
            direction = "gone"
        elif percent in ("+0%", "-0%"):
            direction, percent = "same", "0%"
        else:
            direction = "up" if ratio > 0 else "down"
        changes.append(
            Change(
                currency,
                format_money(current, currency),
                format_money(earlier, currency),
                percent,
                direction,
            )
        )
    return changes


@dataclass(frozen=True)
class VendorTotal:
    vendor: str
    count: int
    text: str


def _top_vendors(counted: Sequence[Invoice]) -> list[VendorTotal]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    counts: Counter[tuple[str, str]] = Counter()
    names: dict[tuple[str, str], str] = {}
    simple: dict[str, str] = {}  # a month names the same few vendors again and again
    for invoice in counted:
        vendor = (invoice.extraction.vendor if invoice.extraction else None) or "unknown vendor"
        if vendor not in simple:
            simple[vendor] = "".join(ch for ch in vendor.upper() if ch.isalnum())
        key = (simple[vendor], invoice.currency or "???")
        sums[key] += invoice.total or Decimal(0)
        counts[key] += 1
        names.setdefault(key, vendor)
    ranked = sorted(sums, key=lambda k: (-sums[k], names[k]))[:TOP_VENDORS]
    return [VendorTotal(names[k], counts[k], format_money(sums[k], k[1])) for k in ranked]


def _main_currency(counted: Sequence[Invoice], totals: dict[str, Decimal]) -> str | None:
    counts = Counter(i.currency or "???" for i in counted)
    if not counts:
        return None
    return max(counts, key=lambda c: (counts[c], totals.get(c, Decimal(0))))


def _daily_chart(month: Month, counted: Sequence[Invoice], currency: str) -> bytes:
    start = dt.date(month.year, month.month, 1)
    following = month.next()
    days = (dt.date(following.year, following.month, 1) - start).days
    per_day = [Decimal(0)] * days
    for invoice in counted:
        if (invoice.currency or "???") != currency:
            continue
        printed = invoice.extraction.date if invoice.extraction else None
        in_month = printed is not None and (printed.year, printed.month) == (
            month.year,
            month.month,
        )
        day = printed if printed is not None and in_month else invoice.received_at.date()
        if (day.year, day.month) == (month.year, month.month):
            per_day[day.day - 1] += invoice.total or Decimal(0)
    labels = [str(d) if d == 1 or d % 5 == 0 else "" for d in range(1, days + 1)]
    return bar_chart(labels, per_day, unit=currency)


class ReportRow(NamedTuple):
    """One invoice's line in the report. A tuple with attributes, not a dict: templates read
    ``row.date`` as an attribute first, and a dict's failed attribute lookup (an exception) per
    cell was a good share of rendering a month."""

    date: str
    vendor: str
    total: str
    status_note: str
    edited: str


_NOTES = {
    InvoiceStatus.PROCESSED: "",
    InvoiceStatus.NEEDS_REVIEW: "needs review",
    InvoiceStatus.FAILED: "unreadable",
    InvoiceStatus.QUEUED: "processing",
    InvoiceStatus.PROCESSING: "processing",
}


def _report_row(invoice: Invoice) -> ReportRow:
    extraction = invoice.extraction
    note = "likely duplicate, not counted" if invoice.duplicate_of else _NOTES[invoice.status]
    invoice_date = extraction.date if extraction and extraction.date else None
    return ReportRow(
        date=(invoice_date or invoice.received_at.date()).isoformat(),
        vendor=(extraction.vendor if extraction else None) or "unknown vendor",
        total=format_money(invoice.total, invoice.currency) or "-",
        status_note=note,
        edited="corrected by you" if extraction and extraction.user_edited else "",
    )


def _totals(spending: Spending) -> list[CurrencyTotal]:
    return [CurrencyTotal(c, a) for c, a in spending.totals_by_currency.items()]


def _from(vendor: str | None) -> str:
    # Subjects are single-line by construction: the email package also refuses CR/LF.
    return f" from {' '.join(vendor.split())[:60]}" if vendor else ""


def _render(
    key: str,
    to: Uploader,
    subject: str,
    template: str,
    context: dict[str, Any],
    attachments: tuple[Attachment, ...] = (),
) -> OutgoingEmail:
    """One email from the text and HTML variants of ``template``."""
    return OutgoingEmail(
        key=key,
        to=to,
        subject=subject,
        text=_templates.get_template(f"{template}.txt.j2").render(context),
        html=_templates.get_template(f"{template}.html.j2").render(context),
        attachments=attachments,
    )
