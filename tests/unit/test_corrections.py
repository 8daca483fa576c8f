import datetime as dt
from decimal import Decimal

import pytest

from billify.domain.corrections import InvalidCorrection, apply_corrections
from billify.domain.models import Extraction


def test_corrected_fields_are_trusted_and_marked() -> None:
    read = Extraction(total=Decimal("1.00"), vendor="SH0P", confidence={"total": 0.2})
    fixed = apply_corrections(
        read, {"total": "1,234.50", "vendor": "  Shop  ", "date": "2026-11-03"}
    )
    assert fixed.total == Decimal("1234.50") and fixed.vendor == "Shop"
    assert fixed.date == dt.date(2026, 11, 3)
    assert fixed.user_edited == {"total", "vendor", "date"}
    assert fixed.confidence["total"] == 1.0
    assert apply_corrections(fixed, {"currency": "eur"}).user_edited == {
        "total",
        "vendor",
        "date",
        "currency",
    }


def test_a_decimal_comma_is_understood() -> None:
    assert apply_corrections(None, {"total": "12,50"}).total == Decimal("12.50")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total", "nine"),
        ("total", "-3"),
        ("total", "NaN"),
        ("total", ""),
        ("currency", "EURO"),
        ("date", "03/11/2026"),
        ("vendor", "a\x00b"),
        ("vendor", "x" * 201),
        ("owner", "mallory"),
    ],
)
def test_bad_values_are_refused_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(InvalidCorrection) as refused:
        apply_corrections(Extraction(), {field: value})
    assert refused.value.field == field


def test_user_edited_round_trips_through_json_and_is_absent_when_empty() -> None:
    fixed = apply_corrections(Extraction(total=Decimal(1)), {"vendor": "Shop"})
    assert Extraction.from_json(fixed.to_json()) == fixed
    assert "user_edited" not in Extraction().to_json()
