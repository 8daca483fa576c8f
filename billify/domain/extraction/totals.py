"""Finding the total, subtotal, tax and amount due among labelled amounts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from billify.domain.extraction.amounts import AmountToken, find_amounts
from billify.domain.extraction.labels import Kind, Label, classify
from billify.domain.extraction.lines import Row

CENT = Decimal("0.01")
_TOTAL_KINDS = (Kind.TOTAL, Kind.DUE)


@dataclass(frozen=True)
class Candidate:
    """An amount with the meaning its label gives it."""

    kind: Kind
    strength: float
    value: Decimal
    row: int


@dataclass(frozen=True)
class Money:
    """What the totals part of a document says, with a confidence per field."""

    total: Decimal | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    amount_due: Decimal | None = None
    confidence: tuple[tuple[str, float], ...] = ()


def money_tokens(text: str) -> list[AmountToken]:
    return [t for t in find_amounts(text) if t.money_like]


def collect_candidates(rows: Sequence[Row]) -> list[Candidate]:
    """Labelled amounts: the label is the row's text before its last amount; a label row
    without an amount takes the amount of the row below when that one has no label."""
    found: list[Candidate] = []
    for i, row in enumerate(rows):
        label, tokens = _label_and_amounts(row.text)
        meaning = classify(label)
        if meaning is None:
            continue
        if tokens:
            found.append(_candidate(meaning, tokens[-1].value, i))
            continue
        below = _value_below(rows, i)
        if below is not None:
            found.append(_candidate(meaning, below, i))
    return found


def _candidate(meaning: Label, value: Decimal, row: int) -> Candidate:
    return Candidate(meaning.kind, meaning.strength, value, row)


def _label_and_amounts(text: str) -> tuple[str, list[AmountToken]]:
    tokens = money_tokens(text)
    if not tokens:
        return text, []
    return text[: tokens[0].start], tokens


def _value_below(rows: Sequence[Row], i: int) -> Decimal | None:
    if i + 1 >= len(rows) or rows[i + 1].page != rows[i].page:
        return None
    label, tokens = _label_and_amounts(rows[i + 1].text)
    if tokens and classify(label) is None and len(label.strip()) <= 3:
        return tokens[-1].value
    return None


def choose_money(candidates: Sequence[Candidate], rows: Sequence[Row]) -> Money:
    """Pick total, subtotal, tax and amount due, and cross-check them."""
    total, total_conf = _choose_total(candidates, rows)
    due = _last_of(candidates, Kind.DUE)
    subtotal, tax, sum_ok = _subtotal_and_tax(candidates, total)
    if sum_ok:
        total_conf = min(0.99, total_conf + 0.1)
    conf = {"total": total_conf}
    if subtotal is not None:
        conf["subtotal"] = 0.9 if sum_ok else 0.5
    if tax is not None:
        conf["tax"] = 0.9 if sum_ok else 0.5
    amount_due = due if due is not None else total
    if amount_due is not None:
        conf["amount_due"] = 0.8 if due is not None else total_conf * 0.8
    return Money(total, subtotal, tax, amount_due, tuple(conf.items()))


def _last_of(candidates: Sequence[Candidate], kind: Kind) -> Decimal | None:
    values = [c.value for c in candidates if c.kind is kind]
    return values[-1] if values else None


def _choose_total(candidates: Sequence[Candidate], rows: Sequence[Row]) -> tuple[Decimal | None, float]:
    totals = [c for c in candidates if c.kind in _TOTAL_KINDS and c.value > 0]
    paid = _paid_amount(candidates)
    if paid is not None and (not totals or any(c.value == paid for c in totals)):
        return paid, 0.97
    if totals:
        best = max(totals, key=lambda c: (c.kind is Kind.TOTAL, c.strength, c.row))
        agreeing = sum(1 for c in totals if c.value == best.value)
        return best.value, min(0.95, 0.6 + 0.1 * best.strength + 0.1 * agreeing)
    return _fallback_total(candidates, rows)


def _paid_amount(candidates: Sequence[Candidate]) -> Decimal | None:
    """Tendered minus change, when a receipt shows both: that is what the total was."""
    tendered = [c for c in candidates if c.kind is Kind.TENDERED and c.value > 0]
    change = [c for c in candidates if c.kind is Kind.CHANGE and c.value >= 0]
    if not tendered or not change:
        return None
    paid = tendered[-1].value - change[-1].value
    return paid if paid > 0 else None


def _fallback_total(
    candidates: Sequence[Candidate], rows: Sequence[Row]
) -> tuple[Decimal | None, float]:
    """No total label: the largest amount that is printed more than once, else the largest,
    leaving out cash tendered and change."""
    excluded = {c.row for c in candidates if c.kind in (Kind.TENDERED, Kind.CHANGE)}
    values = [
        t.value
        for i, row in enumerate(rows)
        if i not in excluded
        for t in money_tokens(row.text)
        if t.value > 0
    ]
    if not values:
        return None, 0.0
    counts = Counter(values)
    repeated = [v for v, n in counts.items() if n > 1]
    if repeated:
        return max(repeated), 0.4
    return max(values), 0.25


def _subtotal_and_tax(
    candidates: Sequence[Candidate], total: Decimal | None
) -> tuple[Decimal | None, Decimal | None, bool]:
    subtotals = [c.value for c in candidates if c.kind is Kind.SUBTOTAL]
    taxes = [c.value for c in candidates if c.kind is Kind.TAX and c.value >= 0]
    roundings = [c.value for c in candidates if c.kind is Kind.ROUNDING] or [Decimal(0)]
    if total is not None:
        for sub in reversed(subtotals):
            for tax in reversed(taxes or [Decimal(0)]):
                if any(abs(sub + tax + r - total) < CENT for r in (*roundings, Decimal(0))):
                    return sub, (tax if taxes else None), True
    subtotal = subtotals[-1] if subtotals else None
    tax_value = next((t for t in reversed(taxes) if t > 0), taxes[-1] if taxes else None)
    return subtotal, tax_value, False
