"""Line items, best effort: rows with a description followed by quantity/price/amount."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from billify.domain.extraction.amounts import find_amounts
from billify.domain.extraction.labels import classify
from billify.domain.extraction.lines import Row
from billify.domain.models import LineItem

_HEADER = re.compile(
    r"\b(?:description|desc|item|artikel|omschrijving|beschreibung|d[ée]signation|product|"
    r"qty|quantity|menge|aantal|price|prijs|preis|prix|amount|bedrag|betrag|montant)\b",
    re.IGNORECASE,
)
CENT = Decimal("0.01")


def find_line_items(rows: Sequence[Row], stop_row: int | None) -> tuple[LineItem, ...]:
    """Items between the table header (or the top) and the first totals row."""
    start = next((i + 1 for i, row in enumerate(rows) if len(_HEADER.findall(row.text)) >= 2), 0)
    end = stop_row if stop_row is not None and stop_row > start else len(rows)
    items: list[LineItem] = []
    for row in rows[start:end]:
        item = _item_of(row.text)
        if item is not None:
            items.append(item)
    return tuple(items)


def _item_of(text: str) -> LineItem | None:
    tokens = find_amounts(text)
    money = [t for t in tokens if t.money_like]
    if not money or classify(text[: tokens[0].start] if tokens else text) is not None:
        return None
    description = text[: tokens[0].start].strip(" :-*x")
    if sum(c.isalpha() for c in description) < 3:
        return None
    amount = money[-1].value
    numbers = [t.value for t in tokens[:-1] if t is not money[-1]]
    quantity, unit_price = _quantity_and_price(numbers, amount)
    return LineItem(
        description=" ".join(description.split()),
        quantity=quantity,
        unit_price=unit_price,
        amount=amount,
    )


def _quantity_and_price(
    numbers: list[Decimal], amount: Decimal
) -> tuple[Decimal | None, Decimal | None]:
    """Find ``q`` and ``p`` among the other numbers with ``q * p == amount``."""
    for q in numbers:
        for p in numbers:
            if p is not q and q > 0 and abs(q * p - amount) < CENT and q == q.to_integral():
                return q, p
    if len(numbers) == 1 and numbers[0] == amount:
        return Decimal(1), amount
    return None, None
