"""Layout-aware reading: party blocks under their headings, labels and their values, in every
arrangement and in the languages of the vocabulary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billify.domain.extraction import TextLine, extract_fields
from billify.domain.extraction.layout import party_blocks
from billify.domain.extraction.vocabulary import (
    LANGUAGES,
    VOCABULARY,
    Role,
    heading,
    is_credit_note_title,
    is_label_only,
)

# Each cell: (text, x, row) on a page with 14-pt rows and 9-pt text.
Cell = tuple[str, float, int]


def page(*cells: Cell) -> list[TextLine]:
    return [
        TextLine(text, (x, 40.0 + 14 * row, x + 5.0 * len(text), 49.0 + 14 * row))
        for text, x, row in cells
    ]


# Seller heading, buyer heading, and an invoice-number label per language.
LABELS = {
    "en": ("Seller", "Buyer", "Invoice number:"),
    "de": ("Verkäufer", "Käufer", "Rechnungsnummer:"),
    "fr": ("Vendeur", "Acheteur", "Facture n°"),
    "nl": ("Verkoper", "Koper", "Factuurnummer:"),
    "es": ("Vendedor", "Comprador", "Número de factura:"),
    "it": ("Venditore", "Acquirente", "Numero fattura:"),
    "ms": ("Penjual", "Pembeli", "No. Invois:"),
}


def test_every_language_of_the_vocabulary_has_labels_for_every_role() -> None:
    assert set(LABELS) == set(LANGUAGES)
    for role in Role:
        assert set(VOCABULARY[role]) == set(LANGUAGES), role


@pytest.mark.parametrize("language", LANGUAGES)
def test_side_by_side_parties_give_the_seller_not_a_label_nor_the_buyer(language: str) -> None:
    seller, buyer, number_label = LABELS[language]
    lines = page(
        ("INVOICE", 40, 0),
        (seller, 40, 2),
        (buyer, 320, 2),
        ("Kowalski Trading GmbH", 40, 3),
        ("Brightwater Foods S.A.", 320, 3),
        ("Hauptstrasse 5", 40, 4),
        ("Rue de la Paix 12", 320, 4),
        ("10115 Berlin", 40, 5),
        ("75002 Paris", 320, 5),
        (number_label, 40, 8),
        ("RE-2024-0012", 200, 8),
        ("Total", 40, 12),
        ("119.00", 320, 12),
    )
    extraction = extract_fields(lines, source="pdf-text")
    assert extraction.vendor == "Kowalski Trading GmbH"
    assert extraction.invoice_number == "RE-2024-0012"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_buyer_block_printed_first_is_not_the_seller(language: str) -> None:
    seller, buyer, _ = LABELS[language]
    lines = page(
        (buyer, 40, 0),
        ("Brightwater Foods Ltd", 40, 1),
        ("12 High Street", 40, 2),
        (seller, 40, 5),
        ("Nordlicht Media B.V.", 40, 6),
        ("Keizersgracht 1", 40, 7),
        ("Total", 40, 10),
        ("50.00", 320, 10),
    )
    assert extract_fields(lines, source="pdf-text").vendor == "Nordlicht Media B.V."


def test_a_viewer_table_of_field_labels_and_values_under_the_seller_heading() -> None:
    lines = page(
        ("Verkäufer", 60, 0),
        ("Nummer:", 60, 1),
        ("549910", 300, 1),
        ("Name:", 60, 2),
        ("Physiotherapeutin", 300, 2),
        ("Ansprechpartner:", 60, 3),
        ("Tanja Tinder", 300, 3),
        ("Anschrift:", 60, 4),
        ("Musterstraße 12", 300, 4),
        ("Käufer/Leistungsempfänger", 60, 7),
        ("Name:", 60, 8),
        ("Liselotte Müller", 300, 8),
    )
    blocks = party_blocks(lines)
    assert [b.role for b in blocks] == [Role.SELLER, Role.BUYER]
    assert "Physiotherapeutin" in blocks[0].texts()
    assert "Liselotte Müller" not in blocks[0].texts()
    assert extract_fields(lines, source="pdf-text").vendor == "Physiotherapeutin"


def test_a_heading_with_its_value_after_a_colon() -> None:
    lines = page(
        ("Buyer: Brightwater Foods Ltd", 40, 0),
        ("Seller: Nordlicht Media B.V.", 40, 1),
    )
    blocks = party_blocks(lines)
    assert [(b.role, b.inline) for b in blocks] == [
        (Role.BUYER, "Brightwater Foods Ltd"),
        (Role.SELLER, "Nordlicht Media B.V."),
    ]


def test_the_next_heading_ends_a_block_and_its_column() -> None:
    lines = page(
        ("Bill to", 40, 0),
        ("Ship to", 250, 0),
        ("Anna Berg", 40, 1),
        ("Depot 7", 250, 1),
    )
    bill, ship = party_blocks(lines)
    assert bill.texts() == ["Anna Berg"]
    assert ship.texts() == ["Depot 7"]


@pytest.mark.parametrize(
    "cells",
    [
        (("Invoice no.: 4711", 40, 0),),  # after the colon in the same cell
        (("Invoice no.", 40, 0), ("4711", 200, 0)),  # right of the label
        (("Invoice no.", 40, 0), ("Date", 200, 0), ("4711", 40, 1), ("1.2.2024", 200, 1)),
    ],
)
def test_a_label_value_in_each_arrangement(cells: tuple[Cell, ...]) -> None:
    assert extract_fields(page(*cells), source="pdf-text").invoice_number == "4711"


@pytest.mark.parametrize(
    "row",
    [
        ("Rechnungsnummer: RE-2024-0012",),
        ("Facture n° RE-2024-0012",),
        ("Factuurnummer RE-2024-0012",),
        ("Número de factura: RE-2024-0012",),
        ("Numero fattura RE-2024-0012",),
        ("No. Invois: RE-2024-0012",),
    ],
)
def test_invoice_number_labels_of_every_language(row: tuple[str]) -> None:
    lines = page((row[0], 40, 0), ("Total", 40, 3), ("10.00", 300, 3))
    assert extract_fields(lines, source="pdf-text").invoice_number == "RE-2024-0012"


def test_invoice_number_under_a_table_header() -> None:
    lines = page(
        ("Rechnungsnr.", 40, 0),
        ("Datum", 200, 0),
        ("Kundennr.", 320, 0),
        ("2024-118", 40, 1),
        ("05.04.2024", 200, 1),
        ("K-77", 320, 1),
    )
    assert extract_fields(lines, source="pdf-text").invoice_number == "2024-118"


@pytest.mark.parametrize(
    "text", ["Seller", "Acheteur", "Käufer/Leistungsempfänger", "Name:", "Bill to:", "Nummer"]
)
def test_labels_alone_are_never_values(text: str) -> None:
    assert is_label_only(text)


@pytest.mark.parametrize("text", ["Lieferant GmbH", "Client Services Ltd", "Nordlicht Media"])
def test_names_that_contain_label_words_are_values(text: str) -> None:
    assert not is_label_only(text)
    assert heading(text) is None


def test_a_contact_person_is_not_the_seller() -> None:
    lines = page(
        ("Seller", 40, 0),
        ("Contact person:", 40, 1),
        ("John Miller", 200, 1),
        ("Greenfield Ltd", 40, 2),
        ("1 Mill Road", 40, 3),
    )
    assert extract_fields(lines, source="pdf-text").vendor == "Greenfield Ltd"


@pytest.mark.parametrize(
    "title", ["Credit note", "GUTSCHRIFT Nr. 17", "Avoir n° A-17", "Creditnota", "Nota di credito"]
)
def test_a_credit_note_title_makes_its_amounts_negative(title: str) -> None:
    assert is_credit_note_title(title)
    lines = page(
        (title, 40, 0),
        ("Nordlicht Media B.V.", 40, 1),
        ("Net amount", 40, 4),
        ("100.00", 300, 4),
        ("VAT 19%", 40, 5),
        ("19.00", 300, 5),
        ("Total", 40, 6),
        ("119.00", 300, 6),
    )
    extraction = extract_fields(lines, source="pdf-text")
    assert extraction.total == Decimal("-119.00")
    assert extraction.subtotal == Decimal("-100.00")


def test_an_invoice_is_not_a_credit_note_because_a_sentence_starts_with_avoir() -> None:
    assert not is_credit_note_title("Avoir une question ? Appelez notre service client au 01 23")
    lines = page(("Facture", 40, 0), ("Total TTC", 40, 3), ("119,00", 300, 3))
    assert extract_fields(lines, source="pdf-text").total == Decimal("119.00")


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("5 de abril de 2024", "2024-04-05"),
        ("6 aprile 2021", "2021-04-06"),
        ("8 settembre 2024", "2024-09-08"),
        ("12 septiembre 2019", "2019-09-12"),
        ("11 Ogos 2020", "2020-08-11"),
        ("3 maart 2022", "2022-03-03"),
    ],
)
def test_long_dates_in_every_language(printed: str, iso: str) -> None:
    lines = page(("Invoice", 40, 0), (printed, 40, 1), ("Total", 40, 3), ("10.00", 300, 3))
    extraction = extract_fields(lines, source="pdf-text")
    assert extraction.date is not None and extraction.date.isoformat() == iso


def test_a_date_under_its_column_header_beats_a_labelled_registration_date() -> None:
    lines = page(
        ("Date", 40, 0),
        ("N° de facture", 160, 0),
        ("8 septembre 2024", 40, 1),
        ("FA-2024-5255", 160, 1),
        ("Total TTC", 40, 4),
        ("100,00", 300, 4),
        ("Immatriculée le 24 septembre 2016", 40, 20),
    )
    extraction = extract_fields(lines, source="pdf-text")
    assert extraction.date is not None and extraction.date.isoformat() == "2024-09-08"
    assert extraction.invoice_number == "FA-2024-5255"


@pytest.mark.parametrize("label", ["Customer since", "Kunde seit", "Cliente dal", "Client depuis"])
def test_since_dates_are_not_the_invoice_date(label: str) -> None:
    lines = page(
        (f"{label}: 01.02.2015", 40, 0),
        ("Rechnung", 40, 2),
        ("10.03.2024", 40, 3),
        ("Total", 40, 5),
        ("10.00", 300, 5),
    )
    extraction = extract_fields(lines, source="pdf-text")
    assert extraction.date is not None and extraction.date.isoformat() == "2024-03-10"


def test_every_field_keeps_the_row_it_was_read_on() -> None:
    lines = page(
        ("Nordlicht Media B.V.", 40, 0),
        ("Invoice number: 4711", 40, 2),
        ("Date: 01.02.2024", 40, 3),
        ("Total", 40, 6),
        ("119.00", 300, 6),
    )
    evidence = extract_fields(lines, source="pdf-text").evidence
    assert evidence["vendor"].box == lines[0].box
    assert evidence["invoice_number"].box == lines[1].box
    assert evidence["date"].box == lines[2].box
    total_box = evidence["total"].box
    assert total_box is not None and total_box[1] == lines[3].box[1]  # type: ignore[index]


def test_the_sender_line_over_the_address_window_names_the_seller() -> None:
    lines = page(
        ("INVOICE", 400, 0),
        ("Kestrel Print Ltd - 119 Main Street - Dublin D07 W979", 40, 4),
        ("Taylor & Davies Ltd", 40, 5),
        ("23 Church Lane", 40, 6),
        ("Cork T12 X553", 40, 7),
        ("Total", 40, 12),
        ("10.00", 300, 12),
    )
    assert extract_fields(lines, source="pdf-text").vendor == "Kestrel Print Ltd"


@pytest.mark.parametrize(
    ("name", "street"),
    [
        ("Bianchi & Colombo S.n.c.", "Corso Italia, 41"),
        ("Provence Conseil SASU", "Chemin des Vignes 4"),
        ("de Groot & Mulder V.O.F.", "Keizersgracht 12"),
        ("Gráficas Levante S.L.U.", "Calle Mayor, 63"),
    ],
)
def test_company_forms_and_streets_of_more_countries(name: str, street: str) -> None:
    lines = page((name, 40, 0), (street, 40, 1), ("Total", 40, 5), ("10.00", 300, 5))
    assert extract_fields(lines, source="pdf-text").vendor == name


def test_a_totals_table_printed_across_with_its_headers_over_the_amounts() -> None:
    lines = page(
        ("Zwischensumme", 160, 0),
        ("USt. 8,1 % auf 3.086,81 CHF", 280, 0),
        ("Bruttobetrag", 490, 0),
        ("3.086,81 CHF", 160, 1),
        ("250,03 CHF", 330, 1),
        ("3.336,84 CHF", 480, 1),
    )
    assert extract_fields(lines, source="pdf-text").total == Decimal("3336.84")


def test_the_balance_to_pay_in_malay_is_not_the_change() -> None:
    lines = page(
        ("Jumlah", 300, 0),
        ("MYR 19184.83", 450, 0),
        ("Deposit", 300, 1),
        ("-MYR 4200.00", 450, 1),
        ("Baki perlu dibayar", 300, 2),
        ("MYR 14984.83", 450, 2),
    )
    extraction = extract_fields(lines, source="pdf-text")
    assert extraction.total == Decimal("19184.83")
    assert extraction.amount_due == Decimal("14984.83")
