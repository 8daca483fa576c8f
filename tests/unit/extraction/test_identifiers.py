"""The invoice number: label variants and table layouts."""

from __future__ import annotations

from billify.domain.extraction import TextLine
from billify.domain.extraction.identifiers import find_invoice_number
from billify.domain.extraction.lines import group_rows


def test_number_in_the_title_row() -> None:
    rows = group_rows([TextLine("Invoice INV/2023/03/0008"), TextLine("Invoice Date: 03/20/2023")])
    assert find_invoice_number(rows)[0] == "INV/2023/03/0008"


def test_the_title_alone_is_not_a_number() -> None:
    rows = group_rows([TextLine("TAX INVOICE"), TextLine("Invoice Date: 03/20/2023")])
    assert find_invoice_number(rows)[0] is None


def test_booking_id_under_its_label() -> None:
    lines = [
        TextLine("Booking ID", (40, 100, 100, 110)),
        TextLine("Payment Mode", (300, 100, 380, 110)),
        TextLine("IBZY2087", (40, 115, 90, 125)),
        TextLine("Cash at Hotel", (300, 115, 370, 125)),
    ]
    assert find_invoice_number(group_rows(lines))[0] == "IBZY2087"
