"""Finding the total, subtotal, tax and amount due among labelled amounts."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from billify.domain.extraction.amounts import AmountToken, find_amounts
from billify.domain.extraction.labels import ROUNDED_TOTAL_STRENGTH, Kind, Label, classify
from billify.domain.extraction.lines import Box, Row, x_overlap

CENT = Decimal("0.01")
MAX_ROUNDING = Decimal("0.10")
_TOTAL_KINDS = (Kind.TOTAL, Kind.DUE)


@dataclass(frozen=True)
class Candidate:
    """An amount with the meaning its label gives it."""

    kind: Kind
    strength: float
    value: Decimal
    row: int
    crowded: bool = False


@dataclass(frozen=True)
class Money:
    """What the totals part of a document says, with a confidence per field."""

    total: Decimal | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    amount_due: Decimal | None = None
    confidence: tuple[tuple[str, float], ...] = ()


def money_tokens(text: str) -> list[AmountToken]:
    return list(_money_tokens(text))


@functools.lru_cache(maxsize=4096)
def _money_tokens(text: str) -> tuple[AmountToken, ...]:
    """Remembered per text: every totals rule looks at the same rows' amounts again."""
    return tuple(t for t in find_amounts(text) if t.money_like)


def collect_candidates(rows: Sequence[Row]) -> list[Candidate]:
    """Labelled amounts: the label is the row's text before its last amount; a label row
    without an amount takes the amount of the row below when that one has no label."""
    found: list[Candidate] = []
    for i, row in enumerate(rows):
        label, tokens = _label_and_amounts(row.text)
        meaning = classify(label)
        if len(tokens) > 1:
            # two label/amount pairs on one row: ``TOTAL SAVING: 0.00   TOTAL 6.85``
            last_label = classify(row.text[tokens[-2].end : tokens[-1].start])
            if last_label is not None:
                found.append(_candidate(last_label, tokens[-1].value, i))
                continue
        if not tokens or len(row.cells) >= _TABLE_CELLS:
            found.extend(_column_totals(rows, i))
        if meaning is None:
            continue
        if tokens:
            found.append(_candidate(meaning, tokens[-1].value, i, crowded=len(tokens) > 1))
            continue
        below = _value_below(rows, i)
        if below is not None:
            found.append(_candidate(meaning, below, i))
    return _pre_tax_totals(_rounded_totals(found))


def _pre_tax_totals(found: list[Candidate]) -> list[Candidate]:
    """A "total" that, plus a tax printed with it, makes a total printed further down is the
    total before tax (``Net total: 496.00`` / ``VAT total: 75.04`` / ``Due payable: 571.04``)."""
    taxes = [c.value for c in found if c.kind is Kind.TAX and c.value > 0]
    out = []
    for c in found:
        if c.kind is Kind.TOTAL and any(
            later.kind in _TOTAL_KINDS and later.row > c.row and later.value - c.value in taxes
            for later in found
        ):
            c = Candidate(Kind.SUBTOTAL, 0.9, c.value, c.row, c.crowded)
        out.append(c)
    return out


_COLUMN_ROWS = 8  # how far below its header a column of amounts may run
_TABLE_CELLS = 3  # a totals table prints at least net, tax and total side by side


def _column_totals(rows: Sequence[Row], i: int) -> list[Candidate]:
    """A table whose header row names the total (``Nettobetrag  MwSt-Betrag  Endbetrag``),
    its amounts printed in the rows below under each header: the last amount of a total's
    column is the document's total (the rows above it are per tax rate or per item)."""
    header = rows[i]
    if len(header.cells) < _TABLE_CELLS:
        return []
    found = []
    for cell in header.cells:
        if money_tokens(cell.text):
            continue  # ``USt. 8,1 % auf 3.086,81``: a header naming its base, not a column total
        meaning = classify(cell.text)
        if meaning is None or meaning.kind not in _TOTAL_KINDS or meaning.strength < 1.0:
            continue
        last = _last_in_column(rows, i, cell.box)
        if last is not None:
            value, row = last
            found.append(Candidate(meaning.kind, meaning.strength, value, row))
    return found


def _last_in_column(rows: Sequence[Row], i: int, box: Box | None) -> tuple[Decimal, int] | None:
    """The last of the amounts printed right under ``box``, one per row, from row ``i + 1``
    on until a row has none there."""
    if box is None:
        return None
    last = None
    for j in range(i + 1, min(len(rows), i + 1 + _COLUMN_ROWS)):
        if rows[j].page != rows[i].page:
            break
        below = [c for c in rows[j].cells if c.box is not None and _under(c.box, box)]
        tokens = [t for c in below for t in money_tokens(c.text)]
        if len(tokens) != 1:
            break
        last = (tokens[0].value, j)
    return last


def _under(cell: Box, header: Box) -> bool:
    """Whether ``cell`` sits in ``header``'s column: most of the narrower one's width shared."""
    return x_overlap(cell, header) > 0.5 * min(cell[2] - cell[0], header[2] - header[0])


def _rounded_totals(found: list[Candidate]) -> list[Candidate]:
    """A "Rounding" row whose amount is a total give or take a few cents (``Total Sales
    72.74`` / ``Rounding Adjustment 0.01`` / ``Rounding 72.75``) is the rounded total."""
    totals = [c.value for c in found if c.kind in _TOTAL_KINDS]
    out = []
    for c in found:
        if (
            c.kind is Kind.ROUNDING
            and abs(c.value) >= 1
            and any(0 < abs(c.value - t) <= MAX_ROUNDING for t in totals)
        ):
            c = Candidate(Kind.TOTAL, ROUNDED_TOTAL_STRENGTH, c.value, c.row, c.crowded)
        out.append(c)
    return out


def _candidate(meaning: Label, value: Decimal, row: int, crowded: bool = False) -> Candidate:
    return Candidate(meaning.kind, meaning.strength, value, row, crowded)


def _label_and_amounts(text: str) -> tuple[str, list[AmountToken]]:
    tokens = money_tokens(text)
    if not tokens:
        return text, _garbled_amount(text)
    return text[: tokens[0].start], tokens


_GARBLED = re.compile(r"(?<![\d.,:/-])(\d{1,5})\s?[-:;, ]\s?(\d{2})\s*[A-Z*]?\s*$")


def _garbled_amount(text: str) -> list[AmountToken]:
    """``7-00``, ``7:00`` or ``20 00`` at the end of a labelled row: OCR lost the point."""
    m = _GARBLED.search(text)
    if m is None or classify(text[: m.start()]) is None:
        return []
    value = Decimal(f"{m.group(1)}.{m.group(2)}")
    return [AmountToken(value, m.start(), m.end(), decimals=2, currency=False)]


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
    # Measured on SROIE: totals that subtotal + tax confirm were right 182 times in 183;
    # totals that a printed subtotal and tax contradict, 35 in 38 (97% otherwise).
    if sum_ok:
        total_conf = min(0.99, total_conf + 0.1)
    elif subtotal is not None and tax is not None:
        total_conf = max(0.2, total_conf - 0.1)
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


def _choose_total(
    candidates: Sequence[Candidate], rows: Sequence[Row]
) -> tuple[Decimal | None, float]:
    """Score every printed value that some evidence calls the total; the best one wins.

    Evidence: a total label (stronger for "grand/nett/rounded total"), equal to cash tendered
    minus change, equal to a labelled total plus the rounding adjustment, equal to subtotal plus
    tax. Cash tendered itself is never a candidate unless other evidence names its value."""
    printed = _printed_values(rows)
    evidence = _Evidence.of(candidates)
    options = {c.value for c in evidence.labelled}
    options.update(v for v in evidence.derived() if v in printed or v in evidence.summed)
    if not options:
        return _fallback_total(candidates, rows)
    last_row = _last_rows(rows)
    last_row.update({c.value: c.row for c in sorted(evidence.labelled, key=lambda c: c.row)})
    scored = [(evidence.score(v, candidates, printed), v) for v in options]
    score, best = max(scored, key=lambda pair: (pair[0], last_row.get(pair[1], -1)))
    return best, max(0.2, min(0.97, 0.35 + 0.45 * score))


@dataclass(frozen=True)
class _Evidence:
    labelled: tuple[Candidate, ...]
    paid: Decimal | None
    rounded: frozenset[Decimal]
    summed: frozenset[Decimal]

    @classmethod
    def of(cls, candidates: Sequence[Candidate]) -> _Evidence:
        labelled = tuple(c for c in candidates if c.kind in _TOTAL_KINDS and c.value > 0)
        if not labelled:  # a credit note: every total is negative
            labelled = tuple(c for c in candidates if c.kind in _TOTAL_KINDS and c.value < 0)
        roundings = [c.value for c in candidates if c.kind is Kind.ROUNDING and c.value != 0]
        rounded = frozenset(c.value + r for c in labelled for r in roundings)
        return cls(
            labelled=labelled,
            paid=_paid_amount(candidates),
            rounded=rounded,
            summed=frozenset(_sums(candidates)),
        )

    def derived(self) -> set[Decimal]:
        out = set(self.rounded) | set(self.summed)
        if self.paid is not None:
            out.add(self.paid)
        return out

    def score(
        self, value: Decimal, candidates: Sequence[Candidate], printed: Counter[Decimal]
    ) -> float:
        labels = [c for c in self.labelled if c.value == value]
        score = max((_label_weight(c) for c in labels), default=0.0)
        if value == self.paid:
            score += 0.6
        if value in self.rounded:
            score += 0.8
        elif labels and any(value + r in self.rounded for r in _roundings(candidates)):
            score -= 0.3
        if value in self.summed:
            score += 0.3
        return score + min(0.3, 0.1 * (printed[value] - 1))


def _label_weight(c: Candidate) -> float:
    weight = c.strength if c.kind is Kind.TOTAL else 0.7 * c.strength
    return weight - (0.3 if c.crowded else 0.0)


def _roundings(candidates: Sequence[Candidate]) -> list[Decimal]:
    return [c.value for c in candidates if c.kind is Kind.ROUNDING and c.value != 0]


def _sums(candidates: Sequence[Candidate]) -> set[Decimal]:
    """Subtotal plus tax, with and without the rounding adjustment,
    less any discount."""
    bases = [c.value for c in candidates if c.kind is Kind.SUBTOTAL]
    taxes = [c.value for c in candidates if c.kind is Kind.TAX and c.value > 0]
    extras = [Decimal(0), *_roundings(candidates)]
    # a "tax" as large as half the base is some other amount (``ZERO TAX AMT 43.40``)
    return {b + t + r for b in bases for t in taxes if 2 * t < b for r in extras}


def _printed_values(rows: Sequence[Row]) -> Counter[Decimal]:
    return Counter(t.value for row in rows for t in money_tokens(row.text))


def _last_rows(rows: Sequence[Row]) -> dict[Decimal, int]:
    return {t.value: i for i, row in enumerate(rows) for t in money_tokens(row.text)}


def _paid_amount(candidates: Sequence[Candidate]) -> Decimal | None:
    """Tendered minus change, when a receipt shows both: that is what the total was."""
    paying = (Kind.TENDERED, Kind.PREPAID)
    tendered = [c for c in candidates if c.kind in paying and c.value > 0]
    change = [c for c in candidates if c.kind is Kind.CHANGE]
    if not tendered or not change:
        return None
    paid = tendered[-1].value - abs(change[-1].value)  # "Change 6.00-": still given back
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
    if total is not None:
        subtotals = [s for s in subtotals if s <= total]
        taxes = [t for t in taxes if t < total]
    subtotal = subtotals[-1] if subtotals else None
    tax_value = next((t for t in reversed(taxes) if t > 0), taxes[-1] if taxes else None)
    return subtotal, tax_value, False
