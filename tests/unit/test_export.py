import csv
import datetime as dt
import io
from decimal import Decimal

from billify.domain import export
from billify.domain.models import Extraction, Invoice, InvoiceStatus, Uploader
from billify.domain.reports import Month


def invoice(n: int, vendor: str = "Shop", total: str = "10.5", **changes: object) -> Invoice:
    base = Invoice(
        id=f"id{n}",
        uploader=Uploader("Ana", "ana@example.com"),
        blob_key="k",
        media_type="image/png",
        file_hash=f"h{n}",
        file_size=1,
        received_at=dt.datetime(2026, 11, n, tzinfo=dt.UTC),
        status=InvoiceStatus.PROCESSED,
        extraction=Extraction(
            total=Decimal(total), currency="EUR", vendor=vendor, date=dt.date(2026, 11, n)
        ),
    )
    return base.with_changes(**changes)


def test_csv_has_a_header_and_one_line_per_invoice() -> None:
    rows = list(csv.DictReader(io.StringIO(export.to_csv([invoice(1), invoice(2, total="2")]))))
    assert [r["total"] for r in rows] == ["10.50", "2.00"]
    assert rows[0]["counted"] == "yes" and rows[0]["date"] == "2026-11-01"
    assert list(rows[0]) == list(export.COLUMNS)


def test_csv_cells_cannot_start_a_formula() -> None:
    text = export.to_csv([invoice(1, vendor='=HYPERLINK("http://evil")')])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["vendor"].startswith("'=")


def test_month_export_totals_only_counted_invoices() -> None:
    needs_review = invoice(2, total="99", status=InvoiceStatus.NEEDS_REVIEW)
    data = export.month_export(Month(2026, 11), [invoice(1), needs_review])
    assert data["totals"] == {"EUR": "10.50"} and data["count"] == 2
    assert [i["counted"] for i in data["invoices"]] == [True, False]
    assert data["invoices"][0]["user_edited"] == []
