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


def test_a_hash_after_the_colon_belongs_to_the_number() -> None:
    rows = group_rows([TextLine("Invoice No : # BLR_WFLD20151000982590")])
    assert find_invoice_number(rows)[0] == "#BLR_WFLD20151000982590"


def test_a_hash_that_is_the_label_is_not_kept() -> None:
    assert find_invoice_number(group_rows([TextLine("Invoice #: 4711")]))[0] == "4711"
    assert find_invoice_number(group_rows([TextLine("# invoice_number_1")]))[0] == (
        "invoice_number_1"
    )


def test_german_invoice_kinds_before_nr() -> None:
    for text, number in [
        ("Handelsrechnung (380)  Nr. 471102  vom  05.06.2018", "471102"),
        (
            "Rechnung des Versicherers (575)  Nr. 01.234.567.8-2018-1  vom  06.12.2018",
            "01.234.567.8-2018-1",
        ),
        ("Rechnungskorrektur\xa0Nr.\xa0RK21012345\xa0vom\xa016.09.2018", "RK21012345"),
        ("Rechnung # RE-20140522/501 vom 22.05.2014", "RE-20140522/501"),
        ("Beleg-Nr  : RK21012345", "RK21012345"),
    ]:
        assert find_invoice_number(group_rows([TextLine(text)]))[0] == number, text
