"""The project's scorer must agree with shared/tools/score.py (rules: shared/data/README.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billify.domain.models import LineItem
from billify.evaluation import label_dates, score_amount, score_field, score_line_items


@pytest.mark.parametrize(
    ("label", "expected"),
    [("RM 9.00", "9.00"), ("1,234.50", "1234.50"), ("1.234,50", "1234.50"), ("27,80", "27.80")],
)
def test_label_amounts(label: str, expected: str) -> None:
    assert score_amount(label) == Decimal(expected)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("25/12/2018", dt.date(2018, 12, 25)),
        ("12-01-19", dt.date(2019, 1, 12)),
        ("04 JUN 2018", dt.date(2018, 6, 4)),
        ("2016-07-31", dt.date(2016, 7, 31)),
        ("20180605", dt.date(2018, 6, 5)),
        ("12/25/2018", dt.date(2018, 12, 25)),
    ],
)
def test_label_dates_are_day_first(label: str, expected: dt.date) -> None:
    assert label_dates(label) == {expected}


def test_vendor_is_fuzzy_and_missing_labels_are_not_scored() -> None:
    assert score_field("vendor", "MR D.I.Y. (JOHOR) SDN BHD", "MR D.T.Y. (JOHOR) SDN BHD")
    assert not score_field("vendor", "MR D.I.Y. (JOHOR) SDN BHD", "TAN WOON YANN")
    assert score_field("total", None, "1.00") is None
    assert score_field("total", "9.00", None) is False


def _items(*amounts: str | None) -> tuple[LineItem, ...]:
    return tuple(LineItem("x", amount=None if a is None else Decimal(a)) for a in amounts)


def test_line_items_score_count_and_the_multiset_of_amounts() -> None:
    labels = _items("3.00", "4.25", "3.00")
    right = [{"amount": "4.25"}, {"amount": "3"}, {"amount": "3.00"}]  # any order, as Decimal
    assert score_line_items(labels, right) == {
        "line_items_count": True,
        "line_items_amount": True,
    }
    wrong_count = [{"amount": "3.00"}, {"amount": "4.25"}]
    assert score_line_items(labels, wrong_count) == {
        "line_items_count": False,
        "line_items_amount": False,
    }
    # same count, same set of amounts, but not the same multiset
    wrong_amount = [{"amount": "3.00"}, {"amount": "4.25"}, {"amount": "4.25"}]
    assert score_line_items(labels, wrong_amount) == {
        "line_items_count": True,
        "line_items_amount": False,
    }
    assert score_line_items(_items("1.00"), [{"amount": None}])["line_items_amount"] is False
    assert score_line_items(_items("1.00"), _items("1.0"))["line_items_amount"] is True


def test_documents_without_line_item_labels_are_not_scored() -> None:
    assert score_line_items(None, [{"amount": "1.00"}]) == {
        "line_items_count": None,
        "line_items_amount": None,
    }
    # an empty label list is a label: no items
    assert score_line_items((), [])["line_items_count"] is True
    assert score_line_items((), [{"amount": "1.00"}])["line_items_count"] is False
