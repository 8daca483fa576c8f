"""Rules for invoice layouts the rules were first measured on without seeing: the printed
pages of the ZUGFeRD samples (German e-invoices), read as if they carried no XML."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billify.domain.extraction import TextLine, extract_fields
from billify.domain.extraction.labels import Kind, classify
from tests.unit.extraction.test_fields import receipt
from tests.unit.extraction.test_vendor import vendor_of


def test_a_seller_heading_word_that_is_also_the_company_name() -> None:
    name = vendor_of(
        "Rechnungsersteller",
        "Lieferant GmbH",
        "Lieferantenstraße 20",
        "80333 München",
        "Rechnungsempfänger",
        "Kunden AG Mitte",
    )
    assert name == "Lieferant GmbH"


def test_a_salutation_opens_the_customer_block() -> None:
    name = vendor_of(
        "MVM Musterhafter",
        "Versicherungsverein Musterstadt a.G.",
        "Herrn",
        "Max Mustermann",
        "Musterstr. 11",
        "12346 Bad Musterhausen",
    )
    assert name is not None and "Versicherungsverein" in name


def test_a_date_with_spaces_after_its_dots() -> None:
    lines = receipt("MUSTERLIEFERANT GMBH", "Beleg-Datum  : 16.  09.  2013", ("Summe", "10,00"))
    assert extract_fields(lines).date == dt.date(2013, 9, 16)


def test_the_date_of_a_form_version_is_not_the_invoice_date() -> None:
    lines = receipt(
        "ZUGFeRD-Version: 2.1 vom 24.03.2020",
        "Handelsrechnung Nr.  471102 vom 05.03.2020",
        ("Gesamtbetrag", "235,62 €"),
    )
    assert extract_fields(lines).date == dt.date(2020, 3, 5)


def _table(*rows: tuple[str, ...]) -> list[TextLine]:
    """Rows of cells 80 units wide, right-aligned in fixed columns, as a text layer gives."""
    lines = []
    for i, cells in enumerate(rows):
        top = 300.0 + 14 * i
        for column, text in enumerate(cells):
            if text:
                right = 120.0 + 80 * column
                lines.append(TextLine(text, (right - 6 * len(text), top, right, top + 9)))
    return lines


def test_a_total_printed_under_its_column_header() -> None:
    lines = [
        TextLine("MUSTERLIEFERANT GMBH", (40, 20, 200, 30)),
        *_table(
            ("Warenwert", "Nettobetrag", "MwSt-Betrag", "MwSt-%", "Endbetrag"),
            ("-5,00", "-4,85", "-0,92", "19,0", "-5,77"),
            ("-2,90", "-2,82", "-0,20", "7,0", "-3,02"),
            ("-7,90", "-7,67", "-1,12", "EUR", "-8,79"),
        ),
    ]
    assert extract_fields(lines).total == Decimal("-8.79")


def test_sums_of_allowances_and_charges_are_not_totals() -> None:
    assert classify("Gesamtbetrag der Abschläge").kind is Kind.DISCOUNT  # type: ignore[union-attr]
    assert classify("Gesamtbetrag der Zuschläge").kind is Kind.DISCOUNT  # type: ignore[union-attr]
    assert classify("Positionssumme").kind is Kind.SUBTOTAL  # type: ignore[union-attr]
    assert classify("Bruttosumme").kind is Kind.TOTAL  # type: ignore[union-attr]


def test_a_net_total_that_plus_tax_makes_the_amount_due_is_before_tax() -> None:
    lines = receipt(
        "Lieferant GmbH",
        ("Net total:", "496.00 €"),
        ("VAT total:", "75.04 €"),
        ("Due payable:", "571.04 €"),
    )
    result = extract_fields(lines)
    assert result.total == Decimal("571.04")
    assert result.subtotal == Decimal("496.00")
    assert result.tax == Decimal("75.04")


def test_the_residual_after_a_payment_is_the_amount_due() -> None:
    lines = receipt(
        "Lieferant SARL",
        ("SEPA Wire transfer 11/17/2017", "623.00 €"),
        ("Total", "2,076.76 €"),
        ("Residual", "1,453.76 €"),
    )
    result = extract_fields(lines)
    assert result.total == Decimal("2076.76")
    assert result.amount_due == Decimal("1453.76")
