"""Property tests of the date parser: never crashes, and reads back what was printed."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from billify.domain.extraction import Order, parse_date

DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2069, 12, 31))
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


@given(st.text(max_size=60))
def test_never_crashes_on_arbitrary_text(text: str) -> None:
    result = parse_date(text)
    assert result is None or isinstance(result, dt.date)


@given(DATES)
def test_iso_dates_round_trip(date: dt.date) -> None:
    assert parse_date(f"Date: {date.isoformat()}") == date


@given(DATES, st.sampled_from(["/", "-", "."]))
def test_day_first_dates_round_trip(date: dt.date, separator: str) -> None:
    printed = f"{date.day:02d}{separator}{date.month:02d}{separator}{date.year}"
    assert parse_date(printed, Order.DAY_FIRST) == date


@given(DATES)
def test_month_first_dates_round_trip_when_told(date: dt.date) -> None:
    printed = f"{date.month:02d}/{date.day:02d}/{date.year}"
    assert parse_date(printed, Order.MONTH_FIRST) == date


@given(DATES)
def test_named_month_dates_round_trip(date: dt.date) -> None:
    assert parse_date(f"{date.day:02d} {MONTHS[date.month - 1]} {date.year}") == date


@given(DATES.filter(lambda d: d.day > 12))
def test_an_impossible_reading_decides_the_order(date: dt.date) -> None:
    # 25/12 can only be day-first, 12/25 only month-first, whatever the default.
    assert parse_date(f"{date.day}/{date.month}/{date.year}") == date
    assert parse_date(f"{date.month}/{date.day}/{date.year}") == date
