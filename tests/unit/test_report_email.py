"""The monthly report: totals and their change, top vendors, the chart inline by CID, every
invoice, the month as CSV; and the preview that sends nothing."""

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

from PIL import Image

from billify import services
from billify.domain import notifications
from billify.domain.emails import to_mime
from billify.domain.models import Extraction, Invoice, InvoiceStatus, Uploader
from billify.domain.reports import Month, Spending
from tests.fakes import FakeMailer, FakeRepository, FixedClock, run_reports

ANA = Uploader("Ana Lima", "ana@example.com")
UTC = dt.UTC


def invoice(n: int, day: int, month: int, vendor: str, total: str, edited: bool = False) -> Invoice:
    return Invoice(
        id=f"inv{n}",
        uploader=ANA,
        blob_key="k",
        media_type="image/jpeg",
        file_hash=f"h{n}",
        file_size=1,
        received_at=dt.datetime(2026, month, day, 12, tzinfo=UTC),
        status=InvoiceStatus.PROCESSED,
        extraction=Extraction(
            total=Decimal(total),
            currency="EUR",
            vendor=vendor,
            date=dt.date(2026, month, day),
            user_edited=frozenset({"vendor"}) if edited else frozenset(),
        ),
    )


NOVEMBER = (
    invoice(1, 3, 11, "Corner Bookshop", "30.00", edited=True),
    invoice(2, 9, 11, "Green Grocer", "45.00"),
    invoice(3, 21, 11, "Corner Bookshop", "15.00"),
)
OCTOBER = (invoice(4, 12, 10, "Green Grocer", "60.00"),)


def test_report_has_change_top_vendors_inline_chart_and_csv() -> None:
    email = notifications.monthly_report(
        Month(2026, 11), Spending(ANA, NOVEMBER), Spending(ANA, OCTOBER)
    )
    assert "EUR 90.00" in email.subject
    for part in (email.text, email.html):
        assert "+50%" in part and "October 2026" in part and "EUR 60.00" in part
        assert "Corner Bookshop" in part and "Green Grocer" in part
    assert email.html.index("Corner Bookshop") < email.html.index("Green Grocer")  # top first
    assert "corrected by you" in email.html

    chart, table = email.attachments
    assert chart.content_id and f'src="cid:{chart.content_id}"' in email.html
    assert Image.open(io.BytesIO(chart.content)).format == "PNG"
    assert table.content_id is None and table.filename == "billify-2026-11.csv"
    rows = list(csv.DictReader(io.StringIO(table.content.decode())))
    assert [r["vendor"] for r in rows] == ["Corner Bookshop", "Green Grocer", "Corner Bookshop"]

    message = to_mime(email, "Billify <billify@example.com>")
    related = [p for p in message.walk() if p.get_content_type() == "multipart/related"]
    assert related and any(p["Content-ID"] == f"<{chart.content_id}>" for p in message.walk())
    assert any(p.get_filename() == "billify-2026-11.csv" for p in message.walk())


def test_preview_inlines_the_chart_and_sending_passes_the_month_before() -> None:
    repository, mailer = FakeRepository(), FakeMailer()
    for item in (*NOVEMBER, *OCTOBER):
        repository.add(item)
    previews = services.preview_monthly_reports(
        Month(2026, 11), repository=repository, timezone=ZoneInfo("UTC")
    )
    assert len(previews) == 1 and mailer.sent == []
    html = notifications.preview_html(previews[0])
    assert "cid:" not in html and 'src="data:image/png;base64,' in html
    assert not repository.reports  # nothing claimed or marked sent

    deps = services.Reporting(
        repository=repository,
        mailer=mailer,
        clock=FixedClock(),
        timezone=ZoneInfo("UTC"),
    )
    run_reports(Month(2026, 11), deps)
    assert "+50%" in mailer.sent[0].text


def test_report_without_anything_counted_has_no_chart() -> None:
    pending = NOVEMBER[0].with_changes(status=InvoiceStatus.QUEUED, extraction=None)
    email = notifications.monthly_report(Month(2026, 11), Spending(ANA, (pending,)))
    assert [a.filename for a in email.attachments] == ["billify-2026-11.csv"]
    assert "cid:" not in email.html and "still being processed" in email.text
