from __future__ import annotations

import datetime as dt

import pytest

from billify.domain.extraction import Order, parse_date
from billify.domain.extraction.dates import find_dates, infer_order, month_first_locale


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/12/2018", dt.date(2018, 12, 25)),
        ("12-01-19", dt.date(2019, 1, 12)),
        ("05 MAR 2018", dt.date(2018, 3, 5)),
        ("2018-03-23", dt.date(2018, 3, 23)),
        ("20180304", dt.date(2018, 3, 4)),
        ("OCT 3, 2016", dt.date(2016, 10, 3)),
        ("Invoice Date:  August 3 , 2014", dt.date(2014, 8, 3)),
        ("13.11.2024", dt.date(2024, 11, 13)),
        ("Rechnungsdatum 7. Mai 2014", dt.date(2014, 5, 7)),
        ("2. März 2024", dt.date(2024, 3, 2)),
        ("Facture du 02 Juillet 2015", dt.date(2015, 7, 2)),
        ("le 5 février 2020", dt.date(2020, 2, 5)),
        ("Factuurdatum: 29 maart 2014", dt.date(2014, 3, 29)),
        ("Tarikh: 8 Ogos 2018", dt.date(2018, 8, 8)),
        ("3 Mei 2018", dt.date(2018, 5, 3)),
        ("18-Mar-18", dt.date(2018, 3, 18)),
        ("DATE: 29-12-2017 20:17", dt.date(2017, 12, 29)),
    ],
)
def test_parses_printed_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


def test_month_first_when_day_first_is_impossible() -> None:
    assert parse_date("12/25/2018") == dt.date(2018, 12, 25)


def test_ambiguous_date_is_day_first_by_default_and_month_first_on_request() -> None:
    assert parse_date("03/05/2018") == dt.date(2018, 5, 3)
    assert parse_date("03/05/2018", Order.MONTH_FIRST) == dt.date(2018, 3, 5)


def test_other_dates_in_the_document_decide_the_order() -> None:
    matches = find_dates("Order 12/25/2018  Invoice 01/02/2019")
    assert infer_order(matches) is Order.MONTH_FIRST
    assert matches[1].read(infer_order(matches)) == dt.date(2019, 1, 2)


def test_a_hint_decides_only_without_evidence() -> None:
    assert infer_order(find_dates("01/02/2019"), month_first_hint=True) is Order.MONTH_FIRST
    assert infer_order(find_dates("25/12/2018 01/02/2019"), month_first_hint=True) is (
        Order.DAY_FIRST
    )


def test_a_billing_period_does_not_become_a_date_in_2031() -> None:
    assert parse_date("for the billing period July 1 - July 31 , 2014") == dt.date(2014, 7, 31)


@pytest.mark.parametrize("text", ["", "TOTAL 12.50", "99/99/2018", "1234567", "Tel 03-5121 3881"])
def test_no_date(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an impossible match starting earlier ("19- 18/01") must not hide the real date
        ("ORD #50 -REG #19- 18/01/2018 10:27:03", dt.date(2018, 1, 18)),
        # nor must a possible one with mixed separators ("19- 10/03" = 2003-10-19)
        ("ORD #07 -REG #19- 10/03/2018 17:24:07", dt.date(2018, 3, 10)),
        ("CASH1 #10-02  17/03/2017 21:35", dt.date(2017, 3, 17)),
        # a time glued to the year, with one- or two-digit hours
        ("Date :27/05/20188:07 PM", dt.date(2018, 5, 27)),
        ("Date : 04-05-1812:50:51 PM", dt.date(2018, 5, 4)),
        ("Receipt : 71857936  02/03/1805:16 PM", dt.date(2018, 3, 2)),
        # a date glued after a time
        ("18:1524/05/18", dt.date(2018, 5, 24)),
        # two-digit year after a month name, followed by the time
        ("28 Mar 18 18:32:36", dt.date(2018, 3, 28)),
        # damaged separators, read day-first
        ("01:34PM  568017  05 02-18", dt.date(2018, 2, 5)),
        ("02:49PH  565287  05~05-17", dt.date(2017, 5, 5)),
    ],
)
def test_reads_dates_in_noisy_receipt_lines(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


def test_decimal_amounts_give_no_month_first_evidence() -> None:
    # "2.13 12" once read as 13 Feb 2012 and flipped the whole document to month-first
    matches = find_dates("O.C. WHITE  2.13  12  0  0  12  25.56   DD:06/08/2017")
    assert [m.read(infer_order(matches)) for m in matches] == [dt.date(2017, 8, 6)]


def test_damaged_separators_are_trusted_less() -> None:
    (loose,) = find_dates("05 02-18")
    (clean,) = find_dates("05-02-18")
    assert loose.loose and not clean.loose


def test_three_numbers_separated_by_spaces_only_are_not_a_date() -> None:
    assert find_dates("QTY 2 10 18") == []


def test_a_date_glued_to_a_receipt_number_is_found_and_trusted_less() -> None:
    # "29/2/2017" is impossible (2017 is no leap year): the date starts one digit later
    (match,) = find_dates("C021027729/2/2017 12:00 PM")
    assert match.read() == dt.date(2017, 2, 9)
    assert match.loose


@pytest.mark.parametrize(
    ("texts", "currency", "month_first"),
    [
        (["Total $12.00"], "USD", True),
        (["Kabuuan ₱350.00"], "PHP", True),
        (["Acme Inc.", "500 Pine St, Seattle, WA 98101"], None, True),
        (["Rechnung", "Betrag $12.00"], "USD", False),  # a German invoice in dollars
        (["Facture", "Montant 12,00 $"], "USD", False),
        (["TOTAL RM 12.00", "81100 JOHOR BAHRU, JOHOR"], "MYR", False),
        (["Totaal € 12,00"], "EUR", False),
    ],
)
def test_the_currency_an_address_and_the_language_hint_the_order(
    texts: list[str], currency: str | None, month_first: bool
) -> None:
    assert month_first_locale(texts, currency) is month_first


def test_a_us_dated_invoice_without_impossible_dates() -> None:
    lines = ["Acme Inc.", "500 Pine St, Seattle, WA 98101", "Invoice date 03/04/2024"]
    order = infer_order(find_dates(lines[-1]), month_first_locale(lines, None))
    assert find_dates(lines[-1])[0].read(order) == dt.date(2024, 3, 4)
