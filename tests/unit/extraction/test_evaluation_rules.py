"""The project's scorer must agree with shared/tools/score.py (rules: shared/data/README.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billify.evaluation import label_dates, score_amount, score_field


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
