from __future__ import annotations

import pytest

from billify.domain.extraction import detect_currency


@pytest.mark.parametrize(
    ("texts", "code"),
    [
        (["TOTAL RM 10.60"], "MYR"),
        (["Totaal € 717,97"], "EUR"),
        (["Total £12.00"], "GBP"),
        (["Grand Total Rs 1939"], "INR"),
        (["Total EUR 34,73"], "EUR"),
        (["Amount due $4.11"], "USD"),
        (["ABC PTY LTD  ABN 12 345 678 901", "Total $8.20"], "AUD"),
        (["KEDAI ABC SDN BHD", "TOTAL $8.20"], "MYR"),
        (["S$ 12.00"], "SGD"),
    ],
)
def test_detects_iso_code(texts: list[str], code: str) -> None:
    assert detect_currency(texts)[0] == code


def test_country_hint_alone_is_a_weak_guess() -> None:
    code, confidence = detect_currency(["MR D.I.Y. (JOHOR) SDN BHD", "TOTAL 33.90"])
    assert code == "MYR"
    assert confidence < 0.6


def test_nothing_known() -> None:
    assert detect_currency(["hello", "12.00"]) == (None, 0.0)


def test_a_malaysian_address_without_any_currency_sign_means_ringgit() -> None:
    code, confidence = detect_currency(["SLF CASH & CARRY", "NO.15,JLN TSJ2, TMN SUBANG JASA"])
    assert code == "MYR" and confidence <= 0.5
    assert detect_currency(["SLF CASH & CARRY", "TOTAL 48.00"]) == (None, 0.0)
