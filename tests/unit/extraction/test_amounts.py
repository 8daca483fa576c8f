from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billify.domain.extraction import parse_amount
from billify.domain.extraction.amounts import find_amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("27,80", "27.80"),
        ("1'234.50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("RM 10.60", "10.60"),
        ("RM10.60", "10.60"),
        ("$8.20", "8.20"),
        ("€ 12", "12"),
        ("12,00 €", "12.00"),
        ("EUR 1.999,00", "1999.00"),
        ("-12.00", "-12.00"),
        ("12.00-", "-12.00"),
        ("(12.00)", "-12.00"),
        ("-RM 0.02", "-0.02"),
        ("RM1O.60", "10.60"),  # OCR read a zero as the letter O
        (".01", "0.01"),
    ],
)
def test_parses_printed_amounts(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12/25/2018", "1,2,3", "(12.00", "12.3.4,5,6", "--"])
def test_rejects_what_is_not_one_amount(text: str) -> None:
    assert parse_amount(text) is None


def test_finds_amounts_in_a_receipt_row_but_not_times_or_dates() -> None:
    values = [t.value for t in find_amounts("12-01-19 21:13  TOTAL RM 33.92")]
    assert values == [Decimal("33.92")]


def test_a_tax_code_stuck_to_an_amount_with_cents_is_not_part_of_it() -> None:
    assert [t.value for t in find_amounts("CASH 100.00C  4.30SR")] == [
        Decimal("100.00"),
        Decimal("4.30"),
    ]
    assert find_amounts("16GB  100.00Cash") == []  # a word, not a code: not an amount


def test_cents_split_off_by_ocr_are_joined_back() -> None:
    assert [t.value for t in find_amounts("TOTAL  RM  15  .15")] == [Decimal("15.15")]
    assert [t.money_like for t in find_amounts("TOTAL  RM  15  .15")] == [True]


def test_percentages_are_not_amounts() -> None:
    assert [t.value for t in find_amounts("GST 6%  0.80")] == [Decimal("0.80")]


@given(st.text(max_size=40))
def test_never_crashes_on_arbitrary_text(text: str) -> None:
    result = parse_amount(text)
    assert result is None or isinstance(result, Decimal)
    find_amounts(text)


_MONEY = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


def _group(integer: str, sep: str) -> str:
    parts = []
    while len(integer) > 3:
        parts.insert(0, integer[-3:])
        integer = integer[:-3]
    parts.insert(0, integer)
    return sep.join(parts)


@given(_MONEY, st.sampled_from([(",", "."), (".", ","), ("'", "."), (" ", ","), ("", ".")]))
def test_round_trips_formatted_decimals_in_each_locale_style(
    value: Decimal, style: tuple[str, str]
) -> None:
    group, point = style
    integer, fraction = f"{value:.2f}".split(".")
    printed = f"{_group(integer, group)}{point}{fraction}"
    assert parse_amount(printed) == value
    assert parse_amount(f"-{printed}") == -value
    assert parse_amount(f"({printed})") == -value
