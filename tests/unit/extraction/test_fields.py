"""extract_fields on small hand-made documents, one per hard case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billify.domain.extraction import TextLine, extract_fields


def receipt(*rows: str | tuple[str, str]) -> list[TextLine]:
    """Rows of a receipt; a (label, value) pair becomes two boxes on one line, the value
    right-aligned, as OCR returns them."""
    lines: list[TextLine] = []
    for i, row in enumerate(rows):
        top = 20.0 + 30 * i
        if isinstance(row, tuple):
            label, value = row
            lines.append(TextLine(label, (20, top, 20 + 9 * len(label), top + 20), 0.95))
            lines.append(TextLine(value, (380 - 9 * len(value), top + 2, 380, top + 21), 0.95))
        else:
            lines.append(TextLine(row, (40, top, 40 + 9 * len(row), top + 20), 0.95))
    return lines


MR_DIY = receipt(
    "tan woon yann",
    "MR D.I.Y. (JOHOR) SDN BHD",
    "(CO.REG : 933109-X)",
    "LOT 1851-A & 1851-B, JALAN KPB 6,",
    "43300 SERI KEMBANGAN, SELANGOR",
    "-INVOICE-",
    ("CHOPPING BOARD 35.5X25.5CM", "19.00"),
    ("AIR PRESSURE SPRAYER", "14.92"),
    ("ITEM(S) : 2", "QTY(S) : 2"),
    ("TOTAL", "RM 33.92"),
    ("ROUNDING ADJUSTMENT", "-RM 0.02"),
    ("TOTAL ROUNDED", "RM 33.90"),
    ("CASH", "RM 50.00"),
    ("CHANGE", "RM 16.10"),
    "12-01-19 21:13 SH01 ZK09",
)


def test_rounded_total_wins_over_the_unrounded_one() -> None:
    assert extract_fields(MR_DIY).total == Decimal("33.90")


def test_receipt_date_vendor_and_currency() -> None:
    result = extract_fields(MR_DIY)
    assert result.date == dt.date(2019, 1, 12)
    assert result.vendor is not None and "MR D.I.Y. (JOHOR) SDN BHD" in result.vendor
    assert result.currency == "MYR"
    assert result.source == "ocr"


def test_cash_tendered_is_never_the_total() -> None:
    lines = receipt("KEDAI MAJU", ("TOTAL", "14.10"), ("CASH", "20.00"), ("CHANGE", "5.90"))
    assert extract_fields(lines).total == Decimal("14.10")


def test_cash_minus_change_finds_an_unlabelled_total() -> None:
    lines = receipt(
        "SLF CASH & CARRY",
        ("Total Sales (Excluding GST)", "20.00"),
        ("Total GST", "1.20"),
        ("CASH", "100.00"),
        ("Change", "78.80"),
    )
    result = extract_fields(lines)
    assert result.total == Decimal("21.20")
    assert result.subtotal == Decimal("20.00")
    assert result.tax == Decimal("1.20")


def test_subtotal_plus_tax_raises_confidence() -> None:
    consistent = receipt("A SHOP", ("SUBTOTAL", "10.00"), ("GST 6%", "0.60"), ("TOTAL", "10.60"))
    inconsistent = receipt("A SHOP", ("SUBTOTAL", "10.00"), ("GST 6%", "0.90"), ("TOTAL", "10.60"))
    good, bad = extract_fields(consistent), extract_fields(inconsistent)
    assert good.total == bad.total == Decimal("10.60")
    assert good.confidence["total"] > bad.confidence["total"]
    assert good.subtotal == Decimal("10.00") and good.tax == Decimal("0.60")


def test_a_subtotal_and_tax_that_contradict_the_total_lower_its_confidence() -> None:
    alone = extract_fields(receipt("A SHOP", ("TOTAL", "10.60")))
    contradicted = extract_fields(
        receipt("A SHOP", ("SUBTOTAL", "10.00"), ("GST 6%", "0.90"), ("TOTAL", "10.60"))
    )
    assert contradicted.total == alone.total == Decimal("10.60")
    assert contradicted.confidence["total"] < alone.confidence["total"]


def test_line_items_adding_up_to_the_total_raise_its_confidence() -> None:
    def total_with(second_item: str) -> tuple[Decimal | None, float]:
        result = extract_fields(
            receipt(
                "A SHOP",
                ("NASI LEMAK  1 x 4.50", "4.50"),
                ("TEH TARIK  2 x 2.00", second_item),
                ("TOTAL", "8.50"),
            )
        )
        return result.total, result.confidence["total"]

    adding_up, not_adding_up = total_with("4.00"), total_with("3.00")
    assert adding_up[0] == not_adding_up[0] == Decimal("8.50")
    assert adding_up[1] > not_adding_up[1]


def test_nett_total_beats_gross_and_tax_lines() -> None:
    lines = receipt(
        "RESTORAN SEDAP",
        ("Gross Amt", "47.80"),
        ("Svr Tax", "2.87"),
        ("GST (6%):", "2.86"),
        ("Nett Total :", "53.55"),
        ("TOTAL INCLUDES 6% GST", "2.86"),
    )
    assert extract_fields(lines).total == Decimal("53.55")


def test_item_count_next_to_total_is_not_an_amount() -> None:
    lines = receipt("A SHOP", ("TOTAL QTY:", "7"), ("TOTAL", "12.00"))
    assert extract_fields(lines).total == Decimal("12.00")


def test_invoice_vendor_is_the_issuer_not_the_customer() -> None:
    lines = [
        TextLine("FACTUUR", (47, 40, 120, 52)),
        TextLine("Coolblue B.V.", (445, 40, 520, 52)),
        TextLine("Weena 664", (445, 55, 500, 66)),
        TextLine("Bill to:", (46, 90, 90, 101)),
        TextLine("Pino Bluebird Ltd", (46, 102, 140, 113)),
        TextLine("Sessamestreet 32", (46, 116, 140, 127)),
        TextLine("Factuurnummer:", (46, 158, 110, 169)),
        TextLine("993548900", (112, 158, 160, 169)),
        TextLine("Factuurdatum:", (46, 186, 104, 197)),
        TextLine("19 april 2014", (105, 186, 160, 197)),
        TextLine("Apple iPad Air", (46, 266, 200, 277)),
        TextLine("1", (382, 267, 386, 278)),
        TextLine("€ 399,00", (518, 267, 560, 278)),
        TextLine("Totaal", (437, 603, 470, 614)),
        TextLine("€ 399,00", (518, 603, 560, 614)),
    ]
    result = extract_fields(lines, source="pdf-text")
    assert result.vendor == "Coolblue B.V."
    assert result.invoice_number == "993548900"
    assert result.date == dt.date(2014, 4, 19)
    assert result.total == Decimal("399.00")
    assert result.currency == "EUR"
    assert result.source == "pdf-text"


def test_us_invoice_reads_numeric_dates_month_first() -> None:
    lines = receipt("ACME INC", ("Invoice Date:", "03/05/2018"), ("Amount due", "$12.00"))
    assert extract_fields(lines).date == dt.date(2018, 3, 5)


def test_credit_note_total_is_negative() -> None:
    lines = receipt("ACME GMBH", "Gutschrift Nr. GS-1001", ("Gesamtbetrag", "-8,79 €"))
    result = extract_fields(lines)
    assert result.total == Decimal("-8.79")
    assert result.invoice_number == "GS-1001"


def test_line_items_with_quantity_and_unit_price() -> None:
    lines = [
        TextLine("DESCRIPTION  QTY  PRICE  AMOUNT"),
        TextLine("BRAISED PORK RICE  2  7.00  14.00"),
        TextLine("GREEN TEA  1  2.30  2.30"),
        TextLine("TOTAL  16.30"),
    ]
    result = extract_fields(lines)
    assert [i.description for i in result.line_items] == ["BRAISED PORK RICE", "GREEN TEA"]
    first = result.line_items[0]
    assert (first.quantity, first.unit_price, first.amount) == (
        Decimal(2),
        Decimal("7.00"),
        Decimal("14.00"),
    )
    assert result.confidence["line_items"] > 0.5


def test_every_returned_field_has_a_confidence_in_range() -> None:
    result = extract_fields(MR_DIY)
    for name in ("total", "date", "vendor", "currency"):
        assert 0 < result.confidence[name] <= 1


def test_empty_document() -> None:
    result = extract_fields([])
    assert result.total is None and result.vendor is None and result.date is None
