"""The emails Billify sends: a notice per invoice, a notice when a file cannot be read, and the
monthly report. Pure content: templates in, ``OutgoingEmail`` out."""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from billify.domain import formatting
from billify.domain.action_links import NoticeLinks
from billify.domain.auth import ACTION_LINK_LIFETIME
from billify.domain.categories import OTHER
from billify.domain.charts import bar_chart, horizontal_bar_chart
from billify.domain.emails import Attachment, OutgoingEmail
from billify.domain.export import to_csv
from billify.domain.formatting import UNKNOWN_CURRENCY
from billify.domain.inbound import Skipped
from billify.domain.models import Conversion, Extraction, Invoice, InvoiceStatus, Uploader
from billify.domain.profiles import DEFAULT_LOCALE
from billify.domain.reports import Month, Spending
from billify.domain.review import REVIEWED_FIELDS, ReviewThresholds
from billify.domain.translations import (
    N_,
    SOURCE_LOCALE,
    environment,
    supported,
    translations,
)

_templates = Environment(
    loader=PackageLoader("billify.domain", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    trim_blocks=False,
)


def format_money(amount: Decimal | None, currency: str | None) -> str:
    """``MYR 1,234.50``: two decimals unless the document printed more."""
    if amount is None:
        return ""
    places = max(2, -int(amount.as_tuple().exponent))
    return f"{currency or ''} {amount:,.{places}f}".strip()


@dataclass(frozen=True)
class _NoticeLanguage:
    """A notice's locale and its words. English notices keep the money and dates they have
    always had (``EUR 1,234.50``: every printed decimal; ``2026-11-01``); the other languages
    write them as the report does, as their locale writes them (Babel)."""

    locale: str
    gettext: Callable[[str], str]

    @classmethod
    def of(cls, locale: str) -> _NoticeLanguage:
        chosen = supported(locale)
        return cls(chosen, translations(chosen).gettext)

    def money(self, amount: Decimal, currency: str | None) -> str:
        if self.locale == SOURCE_LOCALE:
            return format_money(amount, currency)
        return formatting.money(amount, currency, self.locale)

    def date(self, day: dt.date) -> str:
        if self.locale == SOURCE_LOCALE:
            return day.isoformat()
        return formatting.date(day, self.locale)


def invoice_notice(
    invoice: Invoice,
    month: Month,
    month_to_date: Spending,
    to_check: Sequence[str] | None = None,
    *,
    links: NoticeLinks | None = None,
    crop: bytes | None = None,
    home_currency: str | None = None,
    locale: str = DEFAULT_LOCALE,
) -> OutgoingEmail:
    """The email sent once an invoice is processed, in ``locale``: what was read, and the
    month so far. A ``needs_review`` one names the fields to check (``to_check``: ``total``
    and/or ``vendor``; by default those the default thresholds would not trust). ``month``
    is the month it was uploaded in (the one it counts in). ``links``: its buttons (none
    without); ``crop``: a JPEG of where the total was read, shown inline. A total converted
    to another currency (``home_currency`` when given) is shown in it too."""
    language = _NoticeLanguage.of(locale)
    extraction = invoice.extraction
    needs_review = invoice.status == InvoiceStatus.NEEDS_REVIEW
    if to_check is None:
        to_check = ReviewThresholds().fields_to_check(extraction)
    checked = [name for name in REVIEWED_FIELDS if name in to_check] if needs_review else []
    vendor = extraction.vendor if extraction else None
    total = _money_or_none(invoice.total, invoice.currency, language)
    amount_due = extraction.amount_due if extraction else None
    context = {
        "locale": language.locale,
        "name": invoice.uploader.name,
        "invoice_id": invoice.id,
        "filename": invoice.original_filename,
        "needs_review": needs_review,
        "to_check": checked,
        "to_check_text": language.gettext(_TO_CHECK[tuple(checked)]),
        "vendor": vendor,
        "date": language.date(extraction.date) if extraction and extraction.date else None,
        "total": total,
        "converted": _converted(invoice, home_currency, language),
        "invoice_number": extraction.invoice_number if extraction else None,
        "month_label": formatting.month_name(month.year, month.month, language.locale),
        "month_totals": [
            language.money(amount, code)
            for code, amount in month_to_date.totals_by_currency.items()
        ],
        "counted": len(month_to_date.counted),
        "review_count": len(month_to_date.needs_review),
        "duplicate_of": invoice.duplicate_of,
        "amount_due": _money_or_none(amount_due, invoice.currency, language)
        if amount_due != invoice.total
        else None,
        "links": links,
        "link_days": ACTION_LINK_LIFETIME.days,
        "crop_cid": CROP_CID if crop else None,
    }
    subject = _notice_subject(extraction, checked, total, needs_review, language)
    attachments = (Attachment("total.jpg", crop, "image/jpeg", CROP_CID),) if crop else ()
    return _render(
        f"notice:{invoice.id}",
        invoice.uploader,
        subject,
        "notice",
        context,
        attachments,
        environment(language.locale),
    )


CROP_CID = "total-crop@billify"
# What the review notice says it could not read with confidence, by the fields to check.
_TO_CHECK = {
    (): N_("it"),
    ("total",): N_("its total"),
    ("vendor",): N_("its vendor"),
    ("total", "vendor"): N_("its total and vendor"),
}
# What is wrong with a field to check, by whether a value was read at all.
_PROBLEMS = {
    ("total", True): N_("total uncertain"),
    ("total", False): N_("total not read"),
    ("vendor", True): N_("vendor uncertain"),
    ("vendor", False): N_("vendor not read"),
}


def _money_or_none(
    amount: Decimal | None, currency: str | None, language: _NoticeLanguage
) -> str | None:
    return language.money(amount, currency) if amount is not None else None


def _converted(
    invoice: Invoice, home_currency: str | None, language: _NoticeLanguage
) -> str | None:
    """``≈ 12,26 € at the ECB rate of 01.11.2026``, when the total was converted to another
    currency than printed: to ``home_currency`` only, when given (one kept from a former
    home currency is not what the user counts in now)."""
    conversion = invoice.extraction.conversion if invoice.extraction else None
    if conversion is None or conversion.currency == invoice.currency:
        return None
    if home_currency is not None and conversion.currency != home_currency:
        return None
    message = language.gettext("≈ %(amount)s at the ECB rate of %(date)s")
    return message % {
        "amount": language.money(conversion.amount, conversion.currency),
        "date": language.date(conversion.rate_date),
    }


def _notice_subject(
    extraction: Extraction | None,
    checked: Sequence[str],
    total: str | None,
    needs_review: bool,
    language: _NoticeLanguage,
) -> str:
    """``Please check your invoice from Shop: total uncertain`` or ``Invoice from Shop: €5``."""
    vendor = _subject_vendor(extraction.vendor if extraction else None)
    if needs_review:
        problems = _problems(extraction, checked, language)
        message = N_("Please check your invoice from %(vendor)s: %(problems)s")
        if not vendor:
            message = N_("Please check your invoice: %(problems)s")
        return language.gettext(message) % {"vendor": vendor, "problems": problems}
    message = N_("Invoice from %(vendor)s: %(total)s") if vendor else N_("Invoice: %(total)s")
    words = {"vendor": vendor, "total": total or language.gettext("not read")}
    return language.gettext(message) % words


def _subject_vendor(vendor: str | None) -> str | None:
    # Subjects are single-line by construction: the email package also refuses CR/LF.
    return " ".join(vendor.split())[:60] if vendor else None


def _problems(
    extraction: Extraction | None, checked: Sequence[str], language: _NoticeLanguage
) -> str:
    """``total uncertain, vendor not read``: what is wrong with each field to check."""
    read = {name for name in checked if extraction and getattr(extraction, name) is not None}
    problems = [language.gettext(_PROBLEMS[name, name in read]) for name in checked]
    return ", ".join(problems) or language.gettext("needs review")


def failure_notice(
    invoice: Invoice,
    reason: str,
    *,
    links: NoticeLinks | None = None,
    locale: str = DEFAULT_LOCALE,
) -> OutgoingEmail:
    """The email sent when a document cannot be read at all, in ``locale``: why (``reason``
    as the reader gave it; none: a translated default), and (``links``) the way to the
    invoice on the page, to replace it with a better copy, delete it or type it in."""
    language = _NoticeLanguage.of(locale)
    context = {
        "locale": language.locale,
        "name": invoice.uploader.name,
        "invoice_id": invoice.id,
        "filename": invoice.original_filename,
        "reason": reason.strip().rstrip(".") or language.gettext("the file could not be read"),
        "links": links,
        "link_days": ACTION_LINK_LIFETIME.days,
    }
    subject = language.gettext("We could not read your invoice")
    return _render(
        f"notice:{invoice.id}",
        invoice.uploader,
        subject,
        "failed",
        context,
        templates=environment(language.locale),
    )


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
    history: Sequence[Spending] = (),
    *,
    home_currency: str = "EUR",
    locale: str = DEFAULT_LOCALE,
    link: str | None = None,
    pack_link: str | None = None,
) -> OutgoingEmail:
    """The report of one user's month, in ``locale`` and in ``home_currency``: the total and
    its change since the month before and the average of the months before (``history``, most
    recent first, up to three), totals per category (with a chart) and per printed currency,
    top vendors, spend per day (chart), what needs a look (to review, likely duplicates, not
    converted), every invoice with its home amount and rate, and the month as CSV. Charts are
    PNG inline by CID. ``link``: the signed URL of the month on the page; ``pack_link``: the
    one that downloads the accountant's ZIP (none without)."""
    language = _Language.of(supported(locale), home_currency)
    counted = spending.counted  # derived afresh at each access: once here
    converted, unconverted = _split(counted, home_currency)
    total = sum((amount for _, amount in converted), Decimal(0))
    categories = _by_category(converted, language)
    category_chart = _category_chart(categories) if categories else None
    daily_chart = _daily_chart(month, converted, home_currency) if converted else None
    month_label = formatting.month_name(month.year, month.month, language.locale)
    previous = month.previous()
    context = {
        "name": spending.uploader.name,
        "locale": language.locale,
        "month_label": month_label,
        "previous_label": formatting.month_name(previous.year, previous.month, language.locale),
        "home_currency": home_currency,
        "count": len(spending.invoices),
        "counted": len(counted),
        "total": language.money(total) if converted else None,
        **_comparisons(total, history, language),
        "categories": categories,
        "category_chart_cid": CATEGORY_CHART_CID if category_chart else None,
        "currencies": _by_currency(converted, unconverted, language),
        "top_vendors": _top_vendors(converted, language),
        "chart_cid": CHART_CID if daily_chart else None,
        "to_review": [
            _flagged(i, language, _why_review(i, language)) for i in spending.needs_review
        ],
        "duplicates": [_flagged(i, language, language.duplicate_why) for i in spending.duplicates],
        "unconverted": [_flagged(i, language, language.unconverted_why(i)) for i in unconverted],
        "rows": [_report_row(i, language) for i in spending.invoices],
        "pending_count": len(spending.pending),
        "csv_name": f"billify-{month}.csv",
        "link": link,
        "pack_link": pack_link,
        "link_days": ACTION_LINK_LIFETIME.days,
    }
    attachments = [
        Attachment(f"billify-{month}.csv", to_csv(spending.invoices).encode(), "text/csv")
    ]
    if daily_chart:
        attachments.insert(0, Attachment("spending.png", daily_chart, "image/png", CHART_CID))
    if category_chart:
        attachments.insert(
            0, Attachment("categories.png", category_chart, "image/png", CATEGORY_CHART_CID)
        )
    return _render(
        f"report:{month}:{spending.uploader.email}",
        spending.uploader,
        _report_subject(month_label, context["total"], unconverted, language),
        "report",
        context,
        tuple(attachments),
        environment(language.locale),
    )


CHART_CID = "spending-chart@billify"
CATEGORY_CHART_CID = "categories-chart@billify"
TOP_VENDORS = 5
CATEGORY_CHART_WIDTH = 480  # display px: a dozen short rows, readable scaled to a phone
# The user's months the average covers (``history`` may hold more).
AVERAGE_MONTHS = 3

# What each category is called in the report (translated where the language is known).
CATEGORY_NAMES = {
    "groceries": N_("Groceries"),
    "dining": N_("Eating out"),
    "transport": N_("Transport"),
    "travel": N_("Travel"),
    "utilities": N_("Utilities"),
    "housing": N_("Housing"),
    "home": N_("Home"),
    "office": N_("Office"),
    "health": N_("Health"),
    "shopping": N_("Shopping"),
    "services": N_("Services"),
    OTHER: N_("Other"),
}
_NOTES = {
    InvoiceStatus.PROCESSED: "",
    InvoiceStatus.NEEDS_REVIEW: N_("needs review"),
    InvoiceStatus.FAILED: N_("unreadable"),
    InvoiceStatus.QUEUED: N_("processing"),
    InvoiceStatus.PROCESSING: N_("processing"),
}
# Why an invoice waits for its owner's review, by the fields to check.
_REVIEW_WHY = {
    ("total",): N_("check the total"),
    ("vendor",): N_("check the vendor"),
    ("total", "vendor"): N_("check the total and the vendor"),
}


@dataclass(frozen=True)
class _Language:
    """One report's locale and home currency, with the words it repeats per invoice
    translated once (a month has a hundred invoices and a dozen distinct words)."""

    locale: str
    home: str
    gettext: Callable[[str], str]
    categories: dict[str, str]
    notes: dict[InvoiceStatus, str]
    review_why: dict[tuple[str, ...], str]
    unknown_vendor: str
    duplicate_note: str
    duplicate_why: str

    @classmethod
    def of(cls, locale: str, home: str) -> _Language:
        _ = translations(locale).gettext
        return cls(
            locale=locale,
            home=home,
            gettext=_,
            categories={key: _(name) for key, name in CATEGORY_NAMES.items()},
            notes={status: _(note) if note else "" for status, note in _NOTES.items()},
            review_why={fields: _(why) for fields, why in _REVIEW_WHY.items()},
            unknown_vendor=_("unknown vendor"),
            duplicate_note=_("likely duplicate, not counted"),
            duplicate_why=_("likely a duplicate of an invoice already uploaded: not counted"),
        )

    def money(self, amount: Decimal, currency: str | None = None) -> str:
        return formatting.money(amount, currency or self.home, self.locale)

    def category(self, extraction: Extraction | None) -> str:
        key = extraction.category if extraction else None
        return self.categories.get(key or OTHER, self.categories[OTHER])

    def unconverted_why(self, invoice: Invoice) -> str:
        message = self.gettext("no exchange rate for %(currency)s: not in the %(home)s total")
        return message % {"currency": invoice.currency or UNKNOWN_CURRENCY, "home": self.home}


def _split(
    counted: Sequence[Invoice], home: str
) -> tuple[list[tuple[Invoice, Decimal]], list[Invoice]]:
    """The counted invoices with their home amount, and those without one (a currency the
    ECB does not publish): these are listed apart, never added to the home total."""
    converted, unconverted = [], []
    for invoice in counted:
        conversion = _home_conversion(invoice, home)
        if conversion is None:
            unconverted.append(invoice)
        else:
            converted.append((invoice, conversion.amount))
    return converted, unconverted


def _home_conversion(invoice: Invoice, home: str) -> Conversion | None:
    conversion = invoice.extraction.conversion if invoice.extraction else None
    return conversion if conversion is not None and conversion.currency == home else None


def _home_total(spending: Spending, home: str) -> Decimal:
    converted, _ = _split(spending.counted, home)
    return sum((amount for _, amount in converted), Decimal(0))


class Comparison(NamedTuple):
    direction: str  # "up", "down", "same", or "new" when there is nothing to compare with
    percent: str | None  # "+12 %"
    reference: str | None  # the amount compared with
    months: int  # how many months that amount covers


def _comparisons(
    total: Decimal, history: Sequence[Spending], language: _Language
) -> dict[str, Any]:
    """The month against the one before, and against the average of the user's last months:
    the months of ``history`` before their first invoice are not months of zero spending."""
    months = list(history[:AVERAGE_MONTHS])
    while months and not months[-1].invoices:
        months.pop()
    totals = [_home_total(m, language.home) for m in months]
    average = (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01")) if totals else None
    return {
        "vs_previous": _compare(total, totals[0] if totals else None, 1, language),
        "vs_average": _compare(total, average, len(totals), language),
    }


def _compare(
    current: Decimal, reference: Decimal | None, months: int, language: _Language
) -> Comparison:
    if not reference:  # no month to compare with, or nothing counted in it
        return Comparison("new", None, None, months)
    points = int(((current - reference) / reference * 100).to_integral_value())
    direction = "same" if points == 0 else "up" if points > 0 else "down"
    percent = formatting.percent(points, language.locale, signed=True)
    return Comparison(direction, percent, language.money(reference), months)


class CategoryLine(NamedTuple):
    name: str
    amount: Decimal
    text: str
    share: str  # "34 %"


def _by_category(
    converted: Sequence[tuple[Invoice, Decimal]], language: _Language
) -> list[CategoryLine]:
    """Home totals per category, largest first; not categorised counts as ``other``."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for invoice, amount in converted:
        sums[language.category(invoice.extraction)] += amount
    whole = sum(sums.values(), Decimal(0))
    ranked = sorted(sums.items(), key=lambda item: (-item[1], item[0]))
    return [
        CategoryLine(name, amount, language.money(amount), _share(amount, whole, language))
        for name, amount in ranked
    ]


def _share(part: Decimal, whole: Decimal, language: _Language) -> str:
    points = int((part / whole * 100).to_integral_value()) if whole else 0
    return formatting.percent(points, language.locale)


def _category_chart(lines: Sequence[CategoryLine]) -> bytes:
    return horizontal_bar_chart(
        [line.name for line in lines],
        [max(line.amount, Decimal(0)) for line in lines],
        value_labels=[line.share for line in lines],
        width=CATEGORY_CHART_WIDTH,
    )


class CurrencyLine(NamedTuple):
    currency: str
    printed: str  # the sum as printed on the invoices: "MYR 812.40"
    home: str | None  # that sum in the home currency; None when not converted
    invoices: int


def _by_currency(
    converted: Sequence[tuple[Invoice, Decimal]],
    unconverted: Sequence[Invoice],
    language: _Language,
) -> list[CurrencyLine]:
    """Per currency as printed: its sum and what it came to at home, largest first; the
    currencies that could not be converted last."""
    printed: dict[str, Decimal] = defaultdict(Decimal)
    home: dict[str, Decimal] = defaultdict(Decimal)
    counts: Counter[str] = Counter()
    for invoice, amount in converted:
        code = invoice.currency or UNKNOWN_CURRENCY
        printed[code] += invoice.total or Decimal(0)
        home[code] += amount
        counts[code] += 1
    lines = [
        CurrencyLine(c, language.money(printed[c], c), language.money(home[c]), counts[c])
        for c in sorted(home, key=lambda c: (-home[c], c))
    ]
    apart = _totals_by_currency(unconverted)
    return lines + [
        CurrencyLine(c, language.money(a, c), None, n) for c, (a, n) in sorted(apart.items())
    ]


def _totals_by_currency(invoices: Sequence[Invoice]) -> dict[str, tuple[Decimal, int]]:
    sums: dict[str, tuple[Decimal, int]] = {}
    for invoice in invoices:
        code = invoice.currency or UNKNOWN_CURRENCY
        amount, count = sums.get(code, (Decimal(0), 0))
        sums[code] = (amount + (invoice.total or Decimal(0)), count + 1)
    return sums


def _report_subject(
    month_label: str, total: str | None, unconverted: Sequence[Invoice], language: _Language
) -> str:
    """``Your expenses for November 2026: €165.22 + ₫120,000``: the home total, and what
    could not be converted beside it rather than dropped."""
    apart = _totals_by_currency(unconverted)
    sums = [total] if total else []
    sums += [language.money(amount, code) for code, (amount, _) in sorted(apart.items())]
    summary = " + ".join(sums) or language.gettext("nothing counted")
    subject = language.gettext("Your expenses for %(month)s: %(total)s")
    return subject % {"month": month_label, "total": summary}


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
class VendorTotal:
    vendor: str
    count: int
    text: str


def _top_vendors(
    converted: Sequence[tuple[Invoice, Decimal]], language: _Language
) -> list[VendorTotal]:
    unknown = language.unknown_vendor
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    simple: dict[str, str] = {}  # a month names the same few vendors again and again
    for invoice, amount in converted:
        vendor = (invoice.extraction.vendor if invoice.extraction else None) or unknown
        if vendor not in simple:
            simple[vendor] = "".join(ch for ch in vendor.upper() if ch.isalnum())
        key = simple[vendor]
        sums[key] += amount
        counts[key] += 1
        names.setdefault(key, vendor)
    ranked = sorted(sums, key=lambda k: (-sums[k], names[k]))[:TOP_VENDORS]
    return [VendorTotal(names[k], counts[k], language.money(sums[k])) for k in ranked]


def _daily_chart(month: Month, converted: Sequence[tuple[Invoice, Decimal]], home: str) -> bytes:
    """Home amounts per day of the month: the printed date when it falls in the month, else
    the day it was uploaded."""
    start = dt.date(month.year, month.month, 1)
    following = month.next()
    days = (dt.date(following.year, following.month, 1) - start).days
    per_day = [Decimal(0)] * days
    for invoice, amount in converted:
        day = _day_in(month, invoice)
        if day is not None:
            per_day[day - 1] += amount
    labels = [str(d) if d == 1 or d % 5 == 0 else "" for d in range(1, days + 1)]
    return bar_chart(labels, per_day, unit=home)


def _day_in(month: Month, invoice: Invoice) -> int | None:
    printed = invoice.extraction.date if invoice.extraction else None
    for day in (printed, invoice.received_at.date()):
        if day is not None and (day.year, day.month) == (month.year, month.month):
            return day.day
    return None


class Flagged(NamedTuple):
    """An invoice that needs a look, and why."""

    date: str
    vendor: str
    amount: str
    why: str


def _flagged(invoice: Invoice, language: _Language, why: str) -> Flagged:
    extraction, total = invoice.extraction, invoice.total
    return Flagged(
        date=formatting.date(_invoice_date(invoice), language.locale),
        vendor=(extraction.vendor if extraction else None) or language.unknown_vendor,
        amount=language.money(total, invoice.currency) if total is not None else "",
        why=why,
    )


def _why_review(invoice: Invoice, language: _Language) -> str:
    fields = ReviewThresholds().fields_to_check(invoice.extraction)
    return language.review_why.get(fields) or language.gettext("needs your review")


class ReportRow(NamedTuple):
    """One invoice's line in the report. A tuple with attributes, not a dict: templates read
    ``row.date`` as an attribute first, and a dict's failed attribute lookup (an exception) per
    cell was a good share of rendering a month."""

    date: str
    vendor: str
    category: str
    printed: str  # the total as printed: "MYR 45.00"
    home: str  # in the home currency, "" when not converted
    rate: str  # how: "1 MYR = 0.2034 EUR (Oct 30, 2026)", "" when none was needed
    status_note: str
    edited: bool


def _report_row(invoice: Invoice, language: _Language) -> ReportRow:
    extraction = invoice.extraction
    conversion, total = _home_conversion(invoice, language.home), invoice.total
    return ReportRow(
        date=formatting.date(_invoice_date(invoice), language.locale),
        vendor=(extraction.vendor if extraction else None) or language.unknown_vendor,
        category=language.category(extraction) if extraction else "",
        printed=language.money(total, invoice.currency) if total is not None else "-",
        home=language.money(conversion.amount) if conversion else "",
        rate=_rate_note(invoice, conversion, language),
        status_note=language.duplicate_note
        if invoice.duplicate_of
        else language.notes[invoice.status],
        edited=bool(extraction and extraction.user_edited),
    )


def _rate_note(invoice: Invoice, conversion: Conversion | None, language: _Language) -> str:
    """How a foreign total became a home amount; nothing for one in the home currency."""
    if conversion is None or invoice.currency == language.home:
        return ""
    code = invoice.currency or UNKNOWN_CURRENCY
    return formatting.rate(
        code, conversion.rate, conversion.rate_date, language.home, language.locale
    )


def _invoice_date(invoice: Invoice) -> dt.date:
    printed = invoice.extraction.date if invoice.extraction else None
    return printed or invoice.received_at.date()


def _render(
    key: str,
    to: Uploader,
    subject: str,
    template: str,
    context: dict[str, Any],
    attachments: tuple[Attachment, ...] = (),
    templates: Environment = _templates,
) -> OutgoingEmail:
    """One email from the text and HTML variants of ``template``."""
    return OutgoingEmail(
        key=key,
        to=to,
        subject=subject,
        text=templates.get_template(f"{template}.txt.j2").render(context),
        html=templates.get_template(f"{template}.html.j2").render(context),
        attachments=attachments,
    )
