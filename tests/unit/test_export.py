import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest

from billify.domain import export
from billify.domain.models import Conversion, Extraction, Invoice, InvoiceStatus, Uploader
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


def test_new_columns_come_after_the_old_ones_in_their_order() -> None:
    old = export.COLUMNS[: export.COLUMNS.index("email") + 1]
    assert old[:3] == ("id", "received_at", "status") and old[-1] == "email"
    assert export.COLUMNS[len(old) :] == (
        "category",
        "net",
        "home_amount",
        "home_currency",
        "rate",
        "rate_date",
        "file",
    )


def read(fields: dict[str, Any]) -> dict[str, str]:
    """The CSV row of an invoice whose extraction has ``fields``."""
    extraction = Extraction(currency="EUR", vendor="Shop", **fields)
    return next(csv.DictReader(io.StringIO(export.to_csv([invoice(1, extraction=extraction)]))))


@pytest.mark.parametrize(
    ("fields", "net"),
    [
        ({"total": Decimal("12.10"), "tax": Decimal("2.10")}, "10.00"),
        # total and tax win over a subtotal that disagrees with them
        ({"total": Decimal("12.10"), "tax": Decimal("2.10"), "subtotal": Decimal("9")}, "10.00"),
        ({"total": Decimal("12.10"), "subtotal": Decimal("10.5")}, "10.50"),
        ({"tax": Decimal("2.10"), "subtotal": Decimal("10")}, "10.00"),
        ({"total": Decimal("12.10")}, ""),
        ({"tax": Decimal("2.10")}, ""),
        ({"total": Decimal("-8.79"), "tax": Decimal("-1.40")}, "-7.39"),  # a credit note
    ],
)
def test_net_is_total_minus_tax_else_the_subtotal(fields: dict[str, Any], net: str) -> None:
    assert read(fields)["net"] == net


def test_conversion_and_category_columns() -> None:
    conversion = Conversion(Decimal("2.5031"), "EUR", Decimal("0.20025"), dt.date(2026, 11, 2))
    row = read({"total": Decimal("12.50"), "category": "office", "conversion": conversion})
    assert (row["category"], row["home_amount"], row["home_currency"]) == (
        "office",
        "2.5031",
        "EUR",
    )
    assert (row["rate"], row["rate_date"]) == ("0.20025", "2026-11-02")
    unconverted = read({"total": Decimal("12.50")})
    assert [unconverted[c] for c in ("category", "home_amount", "rate", "rate_date")] == [""] * 4


def test_json_records_carry_the_new_keys_as_json_values() -> None:
    conversion = Conversion(Decimal("2.50"), "EUR", Decimal("0.2"), dt.date(2026, 11, 2))
    extraction = Extraction(
        total=Decimal("12.5"),
        tax=Decimal("2.5"),
        currency="MYR",
        vendor="Kedai",
        conversion=conversion,
    )
    (row,) = export.records([invoice(1, extraction=extraction)])
    assert {k: row[k] for k in ("net", "home_amount", "home_currency", "rate", "rate_date")} == {
        "net": "10.00",
        "home_amount": "2.50",
        "home_currency": "EUR",
        "rate": "0.2",
        "rate_date": "2026-11-02",
    }
    assert row["category"] is None and row["file"] == "2026-11-01_kedai_12.50MYR.png"


def test_the_file_column_names_the_month_pack_files() -> None:
    invoices = [invoice(1), invoice(2, vendor="Shop", total="10.5", media_type="application/pdf")]
    invoices.append(invoice(3).with_changes(extraction=invoices[0].extraction))  # same names
    rows = list(csv.DictReader(io.StringIO(export.to_csv(invoices))))
    assert [r["file"] for r in rows] == [
        "2026-11-01_shop_10.50EUR.png",
        "2026-11-02_shop_10.50EUR.pdf",
        "2026-11-01_shop_10.50EUR_2.png",
    ]
    given = export.to_csv(invoices, files={"id2": "x.pdf"})
    assert [r["file"] for r in csv.DictReader(io.StringIO(given))] == ["", "x.pdf", ""]


@pytest.mark.parametrize("column", ["vendor", "category"])
def test_new_and_old_text_cells_are_protected(column: str) -> None:
    fields: dict[str, Any] = {"vendor": "Shop", "category": "other", column: "@SUM(A1:A9)"}
    extraction = Extraction(total=Decimal("1"), currency="EUR", **fields)
    row = next(csv.DictReader(io.StringIO(export.to_csv([invoice(1, extraction=extraction)]))))
    assert row[column] == "'@SUM(A1:A9)"
    assert row["file"].startswith("2026-11-01_") and "@" not in row["file"]  # a slug
