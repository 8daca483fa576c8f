"""What a label next to an amount means: total, subtotal, tax, cash tendered, change, ...

The label words of every language are in :mod:`vocabulary` (``Term``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from billify.domain.extraction.vocabulary import Term, alternatives


class Kind(Enum):
    TOTAL = "total"
    DUE = "due"
    SUBTOTAL = "subtotal"
    TAX = "tax"
    ROUNDING = "rounding"
    TENDERED = "tendered"
    CHANGE = "change"
    DISCOUNT = "discount"
    COUNT = "count"
    PREPAID = "prepaid"


@dataclass(frozen=True)
class Label:
    kind: Kind
    strength: float


# "Total after rounding" beats every other total label: it is what was paid.
ROUNDED_TOTAL_STRENGTH = 1.15


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# The words are the vocabulary's (``Term``); here is only how they combine.
_TOTAL_WORD = alternatives(Term.TOTAL)
_INCL = alternatives(Term.INCLUDING)
_EXCL = alternatives(Term.EXCLUDING)
_TAX_WORD = alternatives(Term.TAX)

_COUNT = _rx(alternatives(Term.COUNT))
_CHANGE = _rx(alternatives(Term.CHANGE))
_TENDERED = _rx(rf"\b(?:{alternatives(Term.TENDERED)})\b")
_PREPAID = _rx(rf"\b(?:{alternatives(Term.PREPAID)})\b")
_ROUNDED_TOTAL = _rx(alternatives(Term.ROUNDED_TOTAL))
# "Amount paid incl. GST": the total, not the cash handed over
_PAID_INCL_TAX = _rx(alternatives(Term.PAID_INCLUDING_TAX))
_ROUNDING = _rx(alternatives(Term.ROUNDING))
_DISCOUNT = _rx(alternatives(Term.DISCOUNT))
_SUBTOTAL = _rx(
    rf"{alternatives(Term.SUBTOTAL)}"
    rf"|(?:{_TOTAL_WORD})[^0-9]*(?:{_EXCL})"  # ``Total excl. VAT``
    rf"|(?:{_EXCL})\.?\s*(?:{_TAX_WORD})"  # ``excl. VAT``
)
_TAX = _rx(_TAX_WORD)
_INCLUDING = _rx(_INCL)
_PARTIAL_TOTAL = _rx(rf"(?:{_TOTAL_WORD})\s*\d+(?:[.,]\d+)?\s*%")
_TAX_ID = _rx(alternatives(Term.TAX_ID))
_STRONG_TOTAL = _rx(
    rf"{alternatives(Term.GRAND_TOTAL)}|(?:{_TOTAL_WORD})[^0-9]*(?:{_INCL})"  # ``Total incl.``
)
_DUE = _rx(alternatives(Term.DUE))
_TOTAL = _rx(rf"\b(?:{_TOTAL_WORD})")
_NET_AMOUNT = _rx(alternatives(Term.NET_AMOUNT))


def classify(label: str) -> Label | None:
    """The meaning of an amount's label, checked from the most to the least specific."""
    text = " ".join(label.split())
    if not text:
        return None
    if _ROUNDED_TOTAL.search(text):
        return Label(Kind.TOTAL, ROUNDED_TOTAL_STRENGTH)
    if _PAID_INCL_TAX.search(text):
        return Label(Kind.TOTAL, 1.0)
    for pattern, kind in _SIMPLE_KINDS:
        if pattern.search(text):
            return Label(kind, 1.0)
    if _SUBTOTAL.search(text):
        return Label(Kind.SUBTOTAL, 0.9)
    if _PARTIAL_TOTAL.search(text):
        return Label(Kind.SUBTOTAL, 0.6)
    return _classify_total_or_tax(text)


_SIMPLE_KINDS = (
    (_COUNT, Kind.COUNT),
    (_CHANGE, Kind.CHANGE),
    (_PREPAID, Kind.PREPAID),
    (_ROUNDING, Kind.ROUNDING),  # before tendered: "Cash Rounding" is an adjustment
    (_TENDERED, Kind.TENDERED),
    (_DISCOUNT, Kind.DISCOUNT),
)


_TAX_INCLUDED = _rx(alternatives(Term.TAX_INCLUDED))


def _classify_total_or_tax(text: str) -> Label | None:
    if _TAX_INCLUDED.search(text):
        return Label(Kind.TAX, 0.8)
    has_incl = _INCLUDING.search(text) is not None
    if _TAX.search(text) and not has_incl:
        if _TAX_ID.search(text) and not _TOTAL.search(text):
            return None
        return Label(Kind.TAX, 0.9)
    if _STRONG_TOTAL.search(text):
        return Label(Kind.TOTAL, 1.0)
    if _NET_AMOUNT.search(text):
        return Label(Kind.TOTAL, 0.85)
    if _DUE.search(text):
        return Label(Kind.DUE, 0.9)
    if _TOTAL.search(text):
        return Label(Kind.TOTAL, 0.8)
    return None
