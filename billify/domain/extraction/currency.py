"""Which currency a document is in, as an ISO 4217 code."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from billify.domain.extraction.vocabulary import Term, term_pattern

_CODES = (
    "EUR USD GBP MYR INR CHF SGD AUD CAD NZD HKD JPY CNY IDR THB PHP VND KRW SEK NOK DKK PLN "
    "CZK HUF RON BGN ZAR BRL MXN AED SAR ILS RUB TWD TRY"
)
ISO_CODES = frozenset(_CODES.split())
# Codes that are also common English words in capitals ("TRY OUR NEW ..."): read only as a
# symbol (₺), never as a printed code.
_WORD_CODES = frozenset({"TRY"})

# Symbols and printed abbreviations that name one currency on their own.
_SYMBOLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"€"), "EUR"),
    (re.compile(r"£"), "GBP"),
    (re.compile(r"₹|(?<![A-Za-z])Rs\.?\s?\d|(?<![A-Za-z])(?:INR|Rupees?)\b", re.I), "INR"),
    (re.compile(r"(?<![A-Za-z])RM\s?\d|(?<![A-Za-z])RM(?![A-Za-z])|\bRinggit\b"), "MYR"),
    (re.compile(r"S\$"), "SGD"),
    (re.compile(r"A\$|AU\$"), "AUD"),
    (re.compile(r"C\$|CA\$"), "CAD"),
    (re.compile(r"HK\$"), "HKD"),
    (re.compile(r"US\$"), "USD"),
    (re.compile(r"(?<![A-Za-z])Rp\.?\s?\d"), "IDR"),
    (re.compile(r"₩"), "KRW"),
    # ``Fr. 12.50``, not Friday in opening hours (``Mo.-Fr. 08.30``)
    (re.compile(r"(?<![A-Za-z])CHF|(?<![A-Za-z.\-])Fr\.\s?\d"), "CHF"),
    (re.compile(r"R\$"), "BRL"),
    (re.compile(r"\d\s?zł|zł\s?\d|\bzłotych\b", re.I), "PLN"),
    (re.compile(r"\d\s?Kč|Kč\s?\d"), "CZK"),
    (re.compile(r"\d\s?Ft\b|\bForint\b"), "HUF"),
    (re.compile(r"\d\s?lei\b", re.I), "RON"),
    (re.compile(r"฿|\bBaht\b", re.I), "THB"),
    (re.compile(r"₱"), "PHP"),
    (re.compile(r"₫"), "VND"),
    (re.compile(r"₪"), "ILS"),
    (re.compile(r"₽"), "RUB"),
    (re.compile(r"₺"), "TRY"),
    (re.compile(r"円"), "JPY"),
    (re.compile(r"元|(?<![A-Za-z])RMB(?![A-Za-z])"), "CNY"),
)
# Symbols shared by several currencies: the country hints choose, else the first is guessed.
_SHARED_SYMBOLS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"(?<![A-Za-z])\$"), ("USD", "MYR", "SGD", "AUD", "CAD", "HKD", "NZD", "MXN")),
    # ``129,00 kr`` or ``kr 129,00``; never a product code such as ``KR600``
    (
        re.compile(r"\d\s?[Kk]r\.?(?![A-Za-z])|(?<![A-Za-z])[Kk]r\.?\s?\d+[.,]\d\d\b"),
        ("SEK", "NOK", "DKK"),
    ),
    (re.compile(r"¥|￥"), ("JPY", "CNY")),
)
_CODE_RE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
# ``Währung: EUR``: a code named as the document's currency outweighs any symbol.
_CURRENCY_FIELD = term_pattern(Term.CURRENCY, r"\b{}\b\W*([A-Z]{3})\b")
_FIELD_WEIGHT = 5

# Country hints that decide what a bare "$" (or no symbol at all) means.
_COUNTRY_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:SDN\.?\s?BHD|BHD|MALAYSIA|SELANGOR|JOHOR|KUALA LUMPUR|JALAN|JLN|TAMAN|"
            r"SEKSYEN|PETALING|PULAU PINANG|PENANG|PERAK|KEDAH|MELAKA|PAHANG|SABAH|SARAWAK|"
            r"NEGERI SEMBILAN|TERENGGANU|KELANTAN|PERLIS|LABUAN|PUTRAJAYA|BANDAR)\b|\bS/B\b",
            re.I,
        ),
        "MYR",
    ),
    (re.compile(r"\bSINGAPORE\b", re.I), "SGD"),
    (re.compile(r"\bAUSTRALIA\b|\bABN\b", re.I), "AUD"),
    (re.compile(r"\bCANADA\b|\bHST\b", re.I), "CAD"),
    (re.compile(r"\bHONG KONG\b", re.I), "HKD"),
    (re.compile(r"\bINDIA\b|\bGSTIN\b", re.I), "INR"),
    (re.compile(r"\b(?:GMBH|MWST|USt|RECHNUNG|BTW|FACTUUR|TVA|FACTURE|B\.V\.)", re.I), "EUR"),
    (re.compile(r"\bSVERIGE\b|\bSWEDEN\b", re.I), "SEK"),
    (re.compile(r"\bNORGE\b|\bNORWAY\b|\bMVA\b", re.I), "NOK"),
    (re.compile(r"\bDANMARK\b|\bDENMARK\b|\bCVR\b|\bApS\b|\bA/S\b"), "DKK"),
    (re.compile(r"\bNEW ZEALAND\b", re.I), "NZD"),
    (re.compile(r"\bM[ÉE]XICO\b|\bRFC\b", re.I), "MXN"),
    (re.compile(r"\bJAPAN\b|\bTOKYO\b|\bOSAKA\b|[ぁ-んァ-ン]", re.I), "JPY"),
    (re.compile(r"\bCHINA\b|发票", re.I), "CNY"),
)


def detect_currency(texts: Iterable[str]) -> tuple[str | None, float]:
    """The document's currency and a confidence: explicit codes and symbols count most;
    a bare ``$`` is read through country hints (USD when none); with no symbol at all a
    country hint alone gives a low-confidence guess."""
    votes: Counter[str] = Counter()
    shared: Counter[tuple[str, ...]] = Counter()
    hints: Counter[str] = Counter()
    for text in texts:
        votes.update(_symbol_votes(text))
        votes.update(code for code in _CODE_RE.findall(text) if code in ISO_CODES - _WORD_CODES)
        for code in _CURRENCY_FIELD.findall(text):
            if code.upper() in ISO_CODES:
                votes[code.upper()] += _FIELD_WEIGHT
        shared.update(codes for pattern, codes in _SHARED_SYMBOLS for _ in pattern.finditer(text))
        hints.update(code for pattern, code in _COUNTRY_HINTS if pattern.search(text))
    if votes:
        code, count = votes.most_common(1)[0]
        return code, min(0.99, 0.75 + 0.05 * count)
    if shared:
        codes = shared.most_common(1)[0][0]
        hinted = next((c for c, _ in hints.most_common() if c in codes), None)
        return (hinted or codes[0]), 0.7 if hinted else 0.6
    if hints:
        return hints.most_common(1)[0][0], 0.5
    return None, 0.0


def _symbol_votes(text: str) -> list[str]:
    return [code for pattern, code in _SYMBOLS for _ in pattern.finditer(text)]
