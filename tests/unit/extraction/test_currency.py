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
        (["Total R$ 45,90"], "BRL"),
        (["Razem 123,45 zł"], "PLN"),
        (["Celkem 1 250 Kč"], "CZK"),
        (["รวม ฿120.00"], "THB"),
        (["Total ₱350.00"], "PHP"),
        (["合計 ¥1,280", "東京都 渋谷区"], "JPY"),
        (["RMB 88.00"], "CNY"),
        (["Att betala 129,00 kr", "Org.nr 556000-0000 SVERIGE"], "SEK"),
        (["Å betale kr 129,00", "Org.nr 923 609 016 MVA"], "NOK"),
        (["I alt 129,00 kr.", "CVR 12345678"], "DKK"),
        (["TRY OUR NEW BURGER", "TOTAL $8.20"], "USD"),
        (["1 KR600 SAFETY SHOES  89.00", "JALAN IPOH"], "MYR"),
        (["Währung:  EUR", "Mo.-Fr. 08.30 - 12.30 Uhr", "Mo.-Fr. 14.00 - 17.00 Uhr"], "EUR"),
        (["Total  Fr. 12.50"], "CHF"),
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


def test_a_symbol_several_currencies_share_is_a_guess_without_a_country() -> None:
    code, confidence = detect_currency(["Summa 129,00 kr"])
    assert code == "SEK" and confidence == 0.6
    code, confidence = detect_currency(["Summa 129,00 kr", "Oslo, NORGE"])
    assert code == "NOK" and confidence == 0.7
