"""Line items read from a document's item table by its columns, in every language of the
vocabulary, and the line-by-line reading of receipts without a table header."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billify.domain.extraction import TextLine, extract_fields
from billify.domain.extraction.items import find_line_items
from billify.domain.extraction.lines import group_rows
from billify.domain.extraction.vocabulary import LANGUAGES, Column, item_column
from billify.domain.models import LineItem

# Column x-ranges of a four-column table: description, quantity, unit price, amount.
DESC, QTY, PRICE, AMOUNT = (60.0, 200.0), (300.0, 340.0), (380.0, 440.0), (480.0, 540.0)


def cell(text: str, x: tuple[float, float], row: int, page: int = 0) -> TextLine:
    return TextLine(text, (x[0], 40.0 + 14 * row, x[1], 49.0 + 14 * row), page=page)


def right(text: str, x: tuple[float, float], row: int, page: int = 0) -> TextLine:
    """A right-aligned value: it ends where its header ends, narrower than it."""
    return cell(text, (x[1] - 5.0 * len(text), x[1]), row, page)


def items(*lines: TextLine, stop_row: int | None = None) -> tuple[LineItem, ...]:
    return find_line_items(group_rows(lines), stop_row)


def amounts(found: tuple[LineItem, ...]) -> list[Decimal | None]:
    return [item.amount for item in found]


# Per language: the four header words, the subtotal label, decimal comma or point.
HEADERS = {
    "en": ("Description", "Qty", "Unit price", "Amount", "Subtotal"),
    "de": ("Bezeichnung", "Menge", "Einzelpreis", "Betrag", "Zwischensumme"),
    "fr": ("Désignation", "Qté", "Prix unitaire", "Montant HT", "Total HT"),
    "nl": ("Omschrijving", "Aantal", "Prijs", "Bedrag", "Subtotaal"),
    "es": ("Descripción", "Cantidad", "Precio unitario", "Importe", "Base imponible"),
    "it": ("Descrizione", "Quantità", "Prezzo unitario", "Importo", "Imponibile"),
    "ms": ("Perihal", "Kuantiti", "Harga seunit", "Jumlah", "Jumlah kecil"),
}


def test_every_language_has_table_headers() -> None:
    assert set(HEADERS) == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_header_over_columns_in_each_language(language: str) -> None:
    description, quantity, price, amount, subtotal = HEADERS[language]
    comma = language not in ("en", "ms")

    def money(text: str) -> str:
        return text.replace(".", ",") if comma else text

    found = items(
        cell("Invoice 2024-17", DESC, 0),
        cell(description, DESC, 2),
        cell(quantity, QTY, 2),
        cell(price, PRICE, 2),
        cell(amount, AMOUNT, 2),
        cell("Widget", DESC, 3),
        right("3", QTY, 3),
        right(money("12.50"), PRICE, 3),
        right(money("37.50"), AMOUNT, 3),
        cell("Consulting hours", DESC, 4),
        right("2", QTY, 4),
        right(money("80.00"), PRICE, 4),
        right(money("160.00"), AMOUNT, 4),
        # a quantity and a price, but nothing in the amount column: not an item
        cell("Sample (free)", DESC, 5),
        right("1", QTY, 5),
        right(money("0.00"), PRICE, 5),
        cell(subtotal, PRICE, 6),
        right(money("197.50"), AMOUNT, 6),
    )
    assert found == (
        LineItem("Widget", Decimal(3), Decimal("12.50"), Decimal("37.50")),
        LineItem("Consulting hours", Decimal(2), Decimal("80.00"), Decimal("160.00")),
    )


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("Artikelbeschreibung", Column.DESCRIPTION),
        ("Nettobetrag", Column.AMOUNT),
        ("Positionsbetrag ohne USt.", Column.AMOUNT),
        ("Steuerbetrag", Column.TAX_RATE),
        ("VAT amount", Column.TAX_RATE),
        ("Total price", Column.AMOUNT),
        ("Preis/ Einheit", Column.UNIT_PRICE),
        ("P.U. HT", Column.UNIT_PRICE),
        ("Q.tà", Column.QUANTITY),
        ("Cant.", Column.QUANTITY),
        ("Art-Nr-Kunde", Column.NUMBER),
        ("Fälligkeit", None),
    ],
)
def test_header_words_name_their_column(text: str, column: Column | None) -> None:
    assert item_column(text) is column


def test_a_description_on_two_rows() -> None:
    found = items(
        cell("Description", DESC, 0),
        cell("Qty", QTY, 0),
        cell("Amount", AMOUNT, 0),
        cell("Annual maintenance", DESC, 1),
        right("1", QTY, 1),
        right("450.00", AMOUNT, 1),
        cell("contract, site Leeds", DESC, 2),
        cell("Spare parts", DESC, 3),
        right("4", QTY, 3),
        right("50.00", AMOUNT, 3),
    )
    assert [item.description for item in found] == [
        "Annual maintenance contract, site Leeds",
        "Spare parts",
    ]
    assert amounts(found) == [Decimal("450.00"), Decimal("50.00")]


def test_amounts_right_aligned_under_their_header() -> None:
    # the amounts are narrower than their header and end at its right edge; the prices in
    # the description (``List price 99.00``) and the quantities are no amounts
    found = items(
        cell("Item", DESC, 0),
        cell("Quantity", QTY, 0),
        cell("Line total", (470.0, 540.0), 0),
        cell("Cable, list price 99.00", DESC, 1),
        right("2", QTY, 1),
        right("180.00", (470.0, 540.0), 1),
        cell("Plug", DESC, 2),
        right("10", QTY, 2),
        right("1,250.00", (470.0, 545.0), 2),
    )
    assert amounts(found) == [Decimal("180.00"), Decimal("1250.00")]
    assert [item.quantity for item in found] == [Decimal(2), Decimal(10)]


def test_a_row_without_an_amount_is_not_an_item() -> None:
    found = items(
        cell("Beschreibung", DESC, 0),
        cell("Menge", QTY, 0),
        cell("Preis", PRICE, 0),
        cell("Betrag", AMOUNT, 0),
        cell("Schrauben", DESC, 1),
        right("100", QTY, 1),
        right("0,10", PRICE, 1),
        right("10,00", AMOUNT, 1),
        cell("Muttern (nachgeliefert)", DESC, 2),
        right("50", QTY, 2),
        right("0,05", PRICE, 2),
        cell("Lieferung gemäß Auftrag 4711", DESC, 3),
    )
    assert amounts(found) == [Decimal("10.00")]


def test_the_amount_printed_on_the_row_below_its_numbers() -> None:
    # a layout that prints description, price and quantity on one row and the amount, beside
    # an article number, on the next; a credit note's amounts stay negative as printed
    found = items(
        cell("Pos", (20.0, 40.0), 0),
        cell("Beschreibung", DESC, 0),
        cell("Nettopreis", PRICE, 0),
        cell("Menge", QTY, 0),
        cell("Nettobetrag", AMOUNT, 0),
        cell("Zitronensäure 100ml", DESC, 1),
        right("1,0000", PRICE, 1),
        right("-5 Stk", QTY, 1),
        cell("4123456000014", (20.0, 58.0), 2),
        right("-5,00", AMOUNT, 2),
        cell("Gelierzucker", DESC, 3),
        right("1,4500", PRICE, 3),
        right("-2 Stk", QTY, 3),
        cell("4123456000021", (20.0, 58.0), 4),
        right("-2,90", AMOUNT, 4),
    )
    assert found == (
        LineItem("Zitronensäure 100ml", Decimal(-5), Decimal("1.0000"), Decimal("-5.00")),
        LineItem("Gelierzucker", Decimal(-2), Decimal("1.4500"), Decimal("-2.90")),
    )


def test_a_table_over_two_pages_with_its_header_repeated() -> None:
    header = ("Description", "Qty", "Amount")
    found = items(
        *(cell(word, x, 0) for word, x in zip(header, (DESC, QTY, AMOUNT), strict=True)),
        cell("Design work", DESC, 1),
        right("8", QTY, 1),
        right("640.00", AMOUNT, 1),
        cell("Page 1 of 2", AMOUNT, 3),
        cell("ACME Ltd - Invoice 17", DESC, 0, page=1),
        right("640.00", AMOUNT, 0, page=1),  # carried over, above the repeated header
        *(cell(word, x, 1, page=1) for word, x in zip(header, (DESC, QTY, AMOUNT), strict=True)),
        cell("Printing", DESC, 2, page=1),
        right("1", QTY, 2, page=1),
        right("120.00", AMOUNT, 2, page=1),
        cell("Subtotal", PRICE, 3, page=1),
        right("760.00", AMOUNT, 3, page=1),
    )
    assert amounts(found) == [Decimal("640.00"), Decimal("120.00")]


def test_items_that_add_up_to_the_subtotal() -> None:
    lines = [
        cell("INVOICE", DESC, 0),
        cell("Description", DESC, 2),
        cell("Qty", QTY, 2),
        cell("Price", PRICE, 2),
        cell("Amount", AMOUNT, 2),
        cell("Hosting (12 months)", DESC, 3),
        right("12", QTY, 3),
        right("25.00", PRICE, 3),
        right("300.00", AMOUNT, 3),
        cell("Domain", DESC, 4),
        right("1", QTY, 4),
        right("15.00", PRICE, 4),
        right("15.00", AMOUNT, 4),
        cell("example.com, renewal fee 7.50 waived", DESC, 5),
        cell("Subtotal", PRICE, 6),
        right("315.00", AMOUNT, 6),
        cell("VAT 20%", PRICE, 7),
        right("63.00", AMOUNT, 7),
        cell("Total", PRICE, 8),
        right("378.00", AMOUNT, 8),
    ]
    found = items(*lines)
    assert sum(amounts(found), Decimal(0)) == Decimal("315.00")  # type: ignore[arg-type]
    extraction = extract_fields(lines)
    assert extraction.subtotal == Decimal("315.00")
    assert extraction.line_items == found
    assert extraction.confidence["line_items"] >= 0.9


def test_totals_laid_out_as_a_row_of_boxes_are_no_item() -> None:
    # ``Base imponible | IVA | Total a pagar`` over their values, below the items: the value
    # row under the amount column prints the sum of the items above it
    found = items(
        cell("Descripción", DESC, 0),
        cell("Cantidad", QTY, 0),
        cell("Importe", AMOUNT, 0),
        cell("Cable eléctrico", DESC, 1),
        right("1", QTY, 1),
        right("384,00", AMOUNT, 1),
        cell("Recambio", DESC, 2),
        right("3", QTY, 2),
        right("2.832,54", AMOUNT, 2),
        cell("Base imponible", (60.0, 130.0), 3),
        cell("IVA 21 % sobre € 3.216,54", (150.0, 280.0), 3),
        cell("Total a pagar", AMOUNT, 3),
        cell("€ 3.216,54", (60.0, 110.0), 4),
        cell("€ 675,47", (200.0, 240.0), 4),
        right("€ 3.892,01", AMOUNT, 4),
    )
    assert amounts(found) == [Decimal("384.00"), Decimal("2832.54")]


def test_a_receipt_without_a_header_is_read_line_by_line() -> None:
    found = items(
        cell("KEDAI RUNCIT ABC", DESC, 0),
        cell("Teh tarik", DESC, 2),
        right("2.40", AMOUNT, 2),
        cell("Nasi lemak special", DESC, 3),
        cell("2 x 6.50", DESC, 4),
        right("13.00", AMOUNT, 4),
        cell("TOTAL", DESC, 5),
        right("15.40", AMOUNT, 5),
        stop_row=4,
    )
    assert found == (
        LineItem("Teh tarik", None, None, Decimal("2.40")),
        LineItem("Nasi lemak special", Decimal(2), Decimal("6.50"), Decimal("13.00")),
    )
