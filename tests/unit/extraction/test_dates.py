from __future__ import annotations

import datetime as dt

import pytest

from billify.domain.extraction import Order, parse_date
from billify.domain.extraction.dates import find_dates, infer_order


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
