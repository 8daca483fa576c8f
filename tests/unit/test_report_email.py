"""The monthly report: the home total and its changes, categories with their chart, printed
currencies, top vendors, spend per day, what needs a look, every invoice with its home amount
and rate, the accountant's pack link, the month as CSV; and the preview that sends nothing."""

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

from PIL import Image

from billify import services
from billify.domain import formatting, notifications
from billify.domain.categories import CATEGORIES
from billify.domain.emails import OutgoingEmail, to_mime
from billify.domain.models import Conversion, Extraction, Invoice, InvoiceStatus, Uploader
from billify.domain.reports import Month, Spending
from tests.fakes import FakeMailer, FakeRepository, FixedClock, run_reports

ANA = Uploader("Ana Lima", "ana@example.com")
UTC = dt.UTC
NOVEMBER_2026 = Month(2026, 11)
# Made-up ECB-style rates to EUR, published the day before each invoice.
RATES = {"EUR": Decimal(1), "MYR": Decimal("0.2034")}


def invoice(
    n: int,
    day: int,
    month: int,
    vendor: str,
    total: str,
    currency: str = "EUR",
    category: str | None = None,
    *,
    status: InvoiceStatus = InvoiceStatus.PROCESSED,
    edited: bool = False,
    duplicate_of: str | None = None,
) -> Invoice:
    """A read invoice, converted to EUR when the rates know its currency."""
    date = dt.date(2026, month, day)
    rate = RATES.get(currency)
    conversion = (
        Conversion(
            (Decimal(total) * rate).quantize(Decimal("0.01")),
            "EUR",
            rate,
            date - dt.timedelta(days=1),
        )
        if rate is not None
        else None
    )
    return Invoice(
        id=f"inv{n}",
        uploader=ANA,
        blob_key="k",
        media_type="image/jpeg",
        file_hash=f"h{n}",
        file_size=1,
        received_at=dt.datetime(2026, month, day, 12, tzinfo=UTC),
        status=status,
        extraction=Extraction(
            total=Decimal(total),
            currency=currency,
            vendor=vendor,
            date=date,
            confidence={"total": 0.2 if status == InvoiceStatus.NEEDS_REVIEW else 0.9},
            user_edited=frozenset({"vendor"}) if edited else frozenset(),
            category=category,
            conversion=conversion,
        ),
        duplicate_of=duplicate_of,
    )


NOVEMBER = (
    invoice(1, 3, 11, "Corner Bookshop", "30.00", edited=True),
    invoice(2, 9, 11, "Green Grocer", "45.00", category="groceries"),
    invoice(3, 21, 11, "Corner Bookshop", "15.00"),
)
OCTOBER = (invoice(4, 12, 10, "Green Grocer", "60.00", category="groceries"),)


def realistic_month() -> tuple[Spending, list[Spending]]:
    """Ana's November in Kuala Lumpur and at home, and the three months before it: MYR
    receipts, EUR invoices, one in dong (no ECB rate), one to review, one duplicate."""
    november = (
        invoice(10, 2, 11, "Kedai Runcit Ah Seng", "86.40", "MYR", "groceries"),
        invoice(11, 4, 11, "Restoran Nasi Kandar Pelita", "45.00", "MYR", "dining"),
        invoice(12, 5, 11, "Grab Malaysia", "23.50", "MYR", "transport"),
        invoice(13, 8, 11, "Stadtwerke Musterstadt", "1234.50", "EUR", "utilities"),
        invoice(14, 11, 11, "AirAsia Berhad", "612.90", "MYR", "travel"),
        invoice(15, 14, 11, "Tesco Stores (Malaysia)", "154.20", "MYR", "groceries"),
        invoice(16, 17, 11, "Bürobedarf Schmidt GmbH", "89.99", "EUR", "office", edited=True),
        invoice(17, 19, 11, "Phở Hà Nội", "185000", "VND", "dining"),
        invoice(18, 22, 11, "Apotheke am Markt", "24.80", "EUR", "health"),
        invoice(19, 25, 11, "Mystery Shop", "19.90", "EUR", None),
        invoice(
            20, 26, 11, "Kedai Runcit Ah Seng", "86.40", "MYR", "groceries", duplicate_of="inv10"
        ),
        invoice(21, 28, 11, "Unclear Receipt", "77.00", "MYR", status=InvoiceStatus.NEEDS_REVIEW),
    )
    history = [
        Spending(
            ANA, (invoice(30, 10, 10, "Stadtwerke Musterstadt", "1100.00", "EUR", "utilities"),)
        ),
        Spending(ANA, (invoice(31, 10, 9, "Green Grocer", "500.00", "EUR", "groceries"),)),
        Spending(ANA, ()),  # before Ana's first invoice: not a month of zero
    ]
    return Spending(ANA, november), history


def report(locale: str = "en", **kwargs: object) -> OutgoingEmail:
    spending, history = realistic_month()
    return notifications.monthly_report(
        NOVEMBER_2026,
        spending,
        history,
        home_currency="EUR",
        locale=locale,
        **kwargs,  # type: ignore[arg-type]
    )


def test_report_has_change_top_vendors_inline_charts_and_csv() -> None:
    email = notifications.monthly_report(
        NOVEMBER_2026, Spending(ANA, NOVEMBER), [Spending(ANA, OCTOBER)]
    )
    assert "€90.00" in email.subject
    for part in (email.text, email.html):
        assert "+50%" in part and "October 2026" in part and "€60.00" in part
        assert "Corner Bookshop" in part and "Green Grocer" in part
    assert email.html.index("Corner Bookshop") < email.html.index("Green Grocer")  # top first
    assert "corrected by you" in email.html

    categories, chart, table = email.attachments
    for image in (categories, chart):
        assert image.content_id and f'src="cid:{image.content_id}"' in email.html
        assert Image.open(io.BytesIO(image.content)).format == "PNG"
    assert table.content_id is None and table.filename == "billify-2026-11.csv"
    rows = list(csv.DictReader(io.StringIO(table.content.decode())))
    assert [r["vendor"] for r in rows] == ["Corner Bookshop", "Green Grocer", "Corner Bookshop"]

    message = to_mime(email, "Billify <billify@example.com>")
    related = [p for p in message.walk() if p.get_content_type() == "multipart/related"]
    ids = {p["Content-ID"] for p in message.walk()}
    assert related and {f"<{categories.content_id}>", f"<{chart.content_id}>"} <= ids
    assert any(p.get_filename() == "billify-2026-11.csv" for p in message.walk())


def test_the_home_total_adds_converted_amounts_only() -> None:
    spending, _ = realistic_month()
    converted = [_home(i) for i in spending.counted if i.currency != "VND"]
    email = report()
    total = formatting.money(sum(converted, Decimal(0)), "EUR", "en")
    assert f'<div class="amount-big">{total}</div>' in email.html
    assert total in email.subject and "₫185,000" in email.subject  # apart, not dropped


def test_changes_against_last_month_and_the_average_of_the_active_months() -> None:
    # October 1,100 EUR, September 500; August had no invoice yet, so the average is 800.
    spending, _ = realistic_month()
    total = sum((_home(i) for i in spending.counted if i.currency != "VND"), Decimal(0))
    email = report()
    vs_october = round((total - 1100) / 1100 * 100)
    vs_average = round((total - 800) / 800 * 100)
    assert f"+{vs_october}% vs October 2026 (€1,100.00)" in email.text
    assert f"+{vs_average}% vs the average of the last 2 months (€800.00)" in email.text


def test_a_first_month_says_new() -> None:
    spending, _ = realistic_month()
    email = notifications.monthly_report(NOVEMBER_2026, spending, [Spending(ANA, ())] * 3)
    assert "New: nothing counted in October 2026" in email.text
    assert "New: no earlier month to average" in email.html
    assert "vs the average" not in email.text


def test_categories_are_sorted_by_amount_with_shares_and_other_for_none() -> None:
    email = report()
    section = email.text.split("By category (EUR)\n")[1].split("\n\n")[0]
    names = [line.split()[0] for line in section.strip().splitlines()]
    assert names[0] == "Utilities" and "Other" in names
    amounts = [
        Decimal(line.split("€")[1].split()[0].replace(",", ""))
        for line in section.strip().splitlines()
    ]
    assert amounts == sorted(amounts, reverse=True)
    shares = [int(line.split()[-1].rstrip("%")) for line in section.strip().splitlines()]
    assert 98 <= sum(shares) <= 102
    assert "Dining" not in section and "Eating out" in section  # the VND one is apart
    assert set(notifications.CATEGORY_NAMES) == set(CATEGORIES)


def test_printed_currencies_with_what_they_came_to() -> None:
    spending, _ = realistic_month()
    myr = [i for i in spending.counted if i.currency == "MYR"]
    assert len(myr) == 5  # the duplicate and the one to review aside
    printed = sum((i.total or Decimal(0) for i in myr), Decimal(0))
    home = sum((_home(i) for i in myr), Decimal(0))
    assert f"MYR\xa0{printed:,.2f} -> €{home:,.2f}" in report().text
    assert "₫185,000  (not converted)" in report().text


def _home(invoice: Invoice) -> Decimal:
    conversion = invoice.extraction.conversion if invoice.extraction else None
    assert conversion is not None
    return conversion.amount


def test_needs_a_look_lists_review_duplicate_and_unconverted_with_why() -> None:
    email = report()
    html = email.html
    assert "Unclear Receipt" in html and "check the total" in html
    assert "likely a duplicate of an invoice already uploaded" in html
    assert "no exchange rate for VND: not in the EUR total" in html
    assert "1 invoice needs your review" in email.text


def test_every_invoice_shows_category_home_amount_and_rate() -> None:
    email = report()
    assert "MYR\xa086.40 · 1 MYR = 0.2034 EUR (Nov 1, 2026)" in email.html
    assert "Kedai Runcit Ah Seng" in email.html and "Groceries" in email.html
    rows = email.html.split("All invoices")[1]
    row = rows.split("Bürobedarf Schmidt GmbH")[1].split("</tr>")[0]
    assert "€89.99" in row and "1 EUR =" not in row and "corrected by you" in row


def test_pack_link_and_month_link_when_given() -> None:
    pack = "https://b.example/pack?token=p&m=2026-11"
    email = report(pack_link=pack, link="https://b.example/auth/open?token=t")
    assert 'href="https://b.example/pack?token=p&amp;m=2026-11"' in email.html
    assert "Download for your accountant: CSV + all files, ZIP" in email.html
    assert pack in email.text
    assert "accountant" not in report().html


def test_preview_inlines_the_charts_and_sending_passes_the_month_before() -> None:
    repository, mailer = FakeRepository(), FakeMailer()
    for item in (*NOVEMBER, *OCTOBER):
        repository.add(item)
    previews = services.preview_monthly_reports(
        NOVEMBER_2026, repository=repository, timezone=ZoneInfo("UTC")
    )
    assert len(previews) == 1 and mailer.sent == []
    html = notifications.preview_html(previews[0])
    assert "cid:" not in html and html.count('src="data:image/png;base64,') == 2
    assert not repository.reports  # nothing claimed or marked sent

    deps = services.Reporting(
        repository=repository,
        mailer=mailer,
        clock=FixedClock(),
        timezone=ZoneInfo("UTC"),
    )
    run_reports(NOVEMBER_2026, deps)
    assert "+50%" in mailer.sent[0].text


def test_report_without_anything_counted_has_no_chart() -> None:
    pending = NOVEMBER[0].with_changes(status=InvoiceStatus.QUEUED, extraction=None)
    email = notifications.monthly_report(NOVEMBER_2026, Spending(ANA, (pending,)))
    assert [a.filename for a in email.attachments] == ["billify-2026-11.csv"]
    assert "cid:" not in email.html and "still being processed" in email.text
    assert "nothing counted" in email.subject
