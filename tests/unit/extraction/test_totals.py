"""Choosing the total among the labelled amounts of a receipt."""

from __future__ import annotations

from decimal import Decimal

from billify.domain.extraction import extract_fields
from billify.domain.extraction.labels import Kind, Label, classify
from tests.unit.extraction.test_fields import receipt


def test_a_rounding_row_carrying_the_whole_amount_is_the_rounded_total() -> None:
    lines = receipt(
        "99 SPEED MART S/B",
        ("Total Sales (Inclusive GST) RM", "72.74"),
        ("Rounding Adjustment RM", "01"),
        ("Rounding RM", "72.75"),
        ("CASH RM", "100.00"),
    )
    assert extract_fields(lines).total == Decimal("72.75")


def test_total_after_adjustment_beats_total_sales() -> None:
    lines = receipt(
        "AEON CO. (M) BHD",
        ("Sub-total", "46.54"),
        ("Total Sales Incl GST", "46.54"),
        ("Rounding Adj", "6.01"),
        ("Total After Adj Incl GST", "46.55"),
        ("CASH", "100.00"),
    )
    assert extract_fields(lines).total == Decimal("46.55")


def test_second_label_and_amount_on_one_row() -> None:
    lines = receipt(
        "A SHOP",
        ("ITEM. 2  Total with GST @ 6%", "6.83"),
        ("QTY:3  ROUNDING", "0.02"),
        ("TOTAL SAVING:  0.00  TOTAL", "6.85"),
        ("Cash", "20.00"),
    )
    assert extract_fields(lines).total == Decimal("6.85")


def test_change_printed_with_a_trailing_minus_still_proves_the_total() -> None:
    lines = receipt(
        "A RESTAURANT",
        ("Total Amount :", "24.10"),
        ("TOTAL :", "RM 24.40"),
        ("CASH", "30.40"),
        ("Change RM:", "6.00-"),
    )
    assert extract_fields(lines).total == Decimal("24.40")


def test_a_tax_as_large_as_the_base_is_not_added_to_it() -> None:
    lines = receipt(
        "KEDAI RUNCIT",
        ("SUBTOTAL", "RM43.40"),
        ("ZERO TAX AMT", "RM43.40"),
        ("TTL CASH", "RM43.40"),
    )
    assert extract_fields(lines).total == Decimal("43.40")


def test_amount_paid_including_tax_is_a_total_not_cash() -> None:
    label = classify("AMT PAID Incl. GST :")
    assert label is not None and label.kind is Kind.TOTAL
    cash = classify("PAID BY:")
    assert cash is not None and cash.kind is Kind.TENDERED


def test_ocr_misreadings_of_total() -> None:
    for text in ("IUIAL (bSI INLL)", "lotal After Adj Incl GST", "Fotal Sales Inclusive GST :"):
        label = classify(text)
        assert label is not None and label.kind is Kind.TOTAL, text
    sub = classify("SUBIUIAL")
    assert sub is not None and sub.kind is Kind.SUBTOTAL


def test_cash_with_a_tax_code_stuck_to_it_and_tax_included_in_the_subtotal() -> None:
    # "100.00C": a tax code glued to the amount; "INC 6% GST": already in the subtotal
    lines = receipt(
        "SECRET RECIPE",
        ("LARGE / ICE TEA", "4.30"),
        ("SUBTOTAL", "28.70"),
        ("RM CASH", "100.00C"),
        ("CHANGE", "71.30"),
        ("INC 6% GST", "1.62"),
    )
    assert extract_fields(lines).total == Decimal("28.70")


def test_the_amount_accepted_less_change_is_what_was_paid() -> None:
    lines = receipt(
        "PARKING",
        ("Amount Incl. GST", "5.00 RM"),
        ("Accepted total", "10.00 RM"),
        ("Change", "5.00 RM"),
        ("GST 6%", "0.28 RM"),
    )
    assert extract_fields(lines).total == Decimal("5.00")


def test_labels_of_tax_included_amounts_and_tendered_totals() -> None:
    assert classify("INC 6% GST") == Label(Kind.TAX, 0.8)
    assert classify("Amount Incl. GST") == Label(Kind.TOTAL, 1.0)
    assert classify("Accepted total") == Label(Kind.TENDERED, 1.0)


def test_cash_rounding_is_an_adjustment_not_cash_tendered() -> None:
    assert classify("Cash Rounding") == Label(Kind.ROUNDING, 1.0)
