"""Reading money amounts as printed: ``1,234.50``, ``1.234,50``, ``1'234.50``, ``RM 10.60``,
``(12.00)``, ``12.00-`` and friends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_CURRENCY_WORDS = (
    r"RM|MYR|EUR|USD|GBP|INR|CHF|SGD|AUD|CAD|NZD|HKD|JPY|CNY|IDR|THB|PHP|SEK|NOK|DKK|PLN|CZK|"
    r"Rs\.?|Rp\.?|S\$|A\$|C\$|HK\$|US\$|\$|€|£|¥|₹|Fr\.|CHF"
)
_CURRENCY_RE = re.compile(rf"(?i)(?:{_CURRENCY_WORDS})")
_SPACES = "\u00a0\u202f\u2009 "
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1"})

# A money token inside a line of text: optional sign/paren and currency, digits with
# separators, optional trailing minus or closing paren.
_TOKEN_RE = re.compile(
    rf"""
    (?<![\d.,/\-])(?<!\d:)
    (?P<neg>[-\u2212\u2013(]\s*)?
    (?P<cur>(?:{_CURRENCY_WORDS})\s?)?
    (?P<neg2>[-\u2212\u2013]\s?)?
    (?P<num>\d{{1,5}}\s{{1,3}}\.\d{{2}}(?!\d)  # OCR split ``15.15`` in two: ``15  .15``
        |\d{{1,3}}(?:[.,'\u2019\u00a0\u202f ]\d{{3}})+(?:[.,]\d{{1,2}})?
        |\d+(?:[.,]\d{{1,2}})?|(?<=[\sM$€£])\.\d{{2}})
    (?P<tail>\s?(?:[-\u2212\u2013)]))?
    (?![\w,./:-]*\d)
    (?:(?<=[.,]\d\d)(?=[A-Z]{{1,2}}\b)|(?![A-Za-z%]))  # a tax code may stick: ``100.00C``
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class AmountToken:
    """An amount found in a text: its value, where it is, and how money-like it looks."""

    value: Decimal
    start: int
    end: int
    decimals: int
    currency: bool

    @property
    def money_like(self) -> bool:
        return self.decimals == 2 or self.currency


def parse_amount(text: str) -> Decimal | None:
    """The amount a printed string means, or ``None`` when it is not one amount.

    Separators are read from the string itself: the last of ``.``/``,`` followed by one or two
    digits is the decimal mark; ``.``, ``,``, ``'`` and spaces between groups of three digits
    are thousands separators. A leading/trailing minus or parentheses make it negative.
    """
    if not isinstance(text, str):
        return None
    s = _CURRENCY_RE.sub(" ", text.strip())
    s = re.sub(r"(?i)\b(?:cr|dr)\b", " ", s).strip(" :=*")
    negative, unsigned = _strip_sign(s)
    if unsigned is None:
        return None
    s = unsigned.strip(_SPACES)
    if not s or not re.search(r"\d", s):
        return None
    if re.search(r"[^\d.,'\u2019" + _SPACES + "]", s):
        s = s.translate(_OCR_DIGITS)
        if re.search(r"[^\d.,'\u2019" + _SPACES + "]", s):
            return None
    number = _normalise_number(s)
    if number is None:
        return None
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    return -value if negative else value


def _strip_sign(s: str) -> tuple[bool, str | None]:
    s = s.strip(_SPACES)
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    elif s.startswith("(") or s.endswith(")"):
        return False, None
    s = s.strip(_SPACES)
    for dash in "-\u2212\u2013":
        if s.startswith(dash):
            negative, s = not negative, s[1:]
            break
        if s.endswith(dash):
            negative, s = not negative, s[:-1]
            break
    s = _CURRENCY_RE.sub(" ", s).strip(_SPACES)
    if s[:1] in "-\u2212\u2013" or s[-1:] in "-\u2212\u2013":
        return False, None
    return negative, s


def _normalise_number(s: str) -> str | None:
    """Plain ``1234.50`` from a number with any of the usual group/decimal separators."""
    s = re.sub(r"(?<=\d)[" + _SPACES + r"'\u2019](?=\d{3}(?:\D|$))", "", s)
    if re.search(r"[" + _SPACES + "'\u2019]", s):
        return None
    last_dot, last_comma = s.rfind("."), s.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_mark = "." if last_dot > last_comma else ","
        group_mark = "," if decimal_mark == "." else "."
        integer, _, fraction = s.rpartition(decimal_mark)
        if not _valid_groups(integer, group_mark) or not fraction.isdigit():
            return None
        return integer.replace(group_mark, "") + "." + fraction
    mark = "." if last_dot >= 0 else "," if last_comma >= 0 else ""
    if not mark:
        return s if s.isdigit() else None
    parts = s.split(mark)
    if len(parts) == 2 and len(parts[1]) != 3:
        integer = parts[0] or "0"
        return f"{integer}.{parts[1]}" if integer.isdigit() and parts[1].isdigit() else None
    if _valid_groups(s, mark):
        return s.replace(mark, "")
    return None


def _valid_groups(integer: str, group_mark: str) -> bool:
    groups = integer.split(group_mark)
    if not all(g.isdigit() for g in groups):
        return False
    if len(groups) == 1:
        return True
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


_SPLIT_CENTS = re.compile(r"(\d)\s+(\.\d{2})(?!\d)")


def find_amounts(text: str) -> list[AmountToken]:
    """Every amount-looking token in ``text``, left to right."""
    found: list[AmountToken] = []
    for match in _TOKEN_RE.finditer(text):
        raw = _SPLIT_CENTS.sub(r"\1\2", match.group(0))
        value = parse_amount(raw)
        if value is None:
            continue
        number = match.group("num")
        decimals = _decimals_of(number)
        found.append(
            AmountToken(
                value=value,
                start=match.start(),
                end=match.end(),
                decimals=decimals,
                currency=bool(match.group("cur")),
            )
        )
    return found


def _decimals_of(number: str) -> int:
    m = re.search(r"[.,](\d{1,2})$", number)
    return len(m.group(1)) if m else 0
