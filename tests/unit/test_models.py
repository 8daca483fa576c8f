"""Records as JSON: money always with two decimals (or more, exactly), and back unchanged."""

import datetime as dt
from decimal import Decimal

import pytest

from billify.domain.models import Evidence, Extraction, LineItem, amount_text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1939", "1939.00"),
        ("-8.79", "-8.79"),
        ("0.5", "0.50"),
        ("12.500", "12.50"),
        ("0.125", "0.125"),
        ("0.1250", "0.125"),
        ("1E+3", "1000.00"),
        ("-0.001", "-0.001"),
        ("0", "0.00"),
    ],
)
def test_amounts_have_two_decimals_and_keep_every_significant_one(amount: str, text: str) -> None:
    assert amount_text(Decimal(amount)) == text
    assert Decimal(text) == Decimal(amount)


def test_unknown_amount_stays_null() -> None:
    assert amount_text(None) is None


def test_extraction_json_amounts_and_round_trip() -> None:
    extraction = Extraction(
        total=Decimal("1939"),
        subtotal=Decimal("1629.4"),
        tax=Decimal("309.60"),
        amount_due=Decimal("-8.79"),
        currency="EUR",
        date=dt.date(2026, 11, 3),
        line_items=(
            LineItem("Pens", Decimal("3"), Decimal("0.125"), Decimal("0.375")),
            LineItem("Paper", Decimal("2.5"), Decimal("2"), Decimal("5")),
        ),
        confidence={"total": 0.9},
    )
    data = extraction.to_json()
    assert (data["total"], data["subtotal"], data["tax"], data["amount_due"]) == (
        "1939.00",
        "1629.40",
        "309.60",
        "-8.79",
    )
    assert data["line_items"][0] == {
        "description": "Pens",
        "quantity": "3",  # a count, not money
        "unit_price": "0.125",
        "amount": "0.375",
    }
    assert data["line_items"][1]["quantity"] == "2.5"
    assert data["line_items"][1]["unit_price"] == "2.00"
    assert Extraction.from_json(data) == extraction
    assert Extraction.from_json(data).to_json() == data


def test_records_stored_before_read_the_same() -> None:
    old = {"total": "12.5", "amount_due": "12.5", "line_items": [{"amount": "1"}]}
    extraction = Extraction.from_json(old)
    assert extraction.total == Decimal("12.50")
    assert extraction.to_json()["total"] == "12.50"
    assert extraction.to_json()["line_items"][0]["amount"] == "1.00"


def test_evidence_of_each_field_round_trips_through_a_stored_record() -> None:
    extraction = Extraction(
        total=Decimal("12.50"),
        evidence={"total": Evidence(1, (0.5, 0.8, 0.9, 0.82)), "vendor": Evidence(0)},
    )
    stored = extraction.to_json()
    assert stored["evidence"]["total"] == {"page": 1, "box": [0.5, 0.8, 0.9, 0.82]}
    assert Extraction.from_json(stored).evidence == extraction.evidence
