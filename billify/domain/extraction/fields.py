"""From text lines to an :class:`Extraction`: the fields and a confidence for each."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from billify.domain.extraction.currency import detect_currency
from billify.domain.extraction.dates import (
    DateMatch,
    Order,
    find_dates,
    infer_order,
    month_first_locale,
)
from billify.domain.extraction.identifiers import find_invoice_number
from billify.domain.extraction.items import find_line_items
from billify.domain.extraction.labels import Kind
from billify.domain.extraction.lines import Row, TextLine, group_rows, x_overlap
from billify.domain.extraction.totals import Candidate, Money, choose_money, collect_candidates
from billify.domain.extraction.vendor import VendorWeights, find_vendor
from billify.domain.extraction.vocabulary import Term, is_credit_note_title, term_pattern
from billify.domain.models import Evidence, Extraction, LineItem

# Labels of the document's date, and of dates that are not its own (vocabulary.py).
_DATE_LABEL = term_pattern(Term.DATE, r"\b{}\b")
_NOT_ISSUE_DATE = term_pattern(Term.OTHER_DATE, r"\b{}")
_ORDER_DATE = term_pattern(Term.ORDER, r"\b{}")
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_ADDRESS_HINT = re.compile(
    r"\d|\b(?:jalan|jln|taman|lot|street|road|st\.|ave|lane|blvd|str\.|straße|strasse|weg|rue|"
    r"laan|plein|gracht|selangor|johor|kuala|lumpur)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _DateGuess:
    date: dt.date | None
    confidence: float
    row: int | None = None


def extract_fields(
    lines: Sequence[TextLine], *, source: str = "ocr", vendor_weights: VendorWeights | None = None
) -> Extraction:
    """Read every field from a document's lines (boxes, when given, drive the row layout).
    ``vendor_weights``: how the seller's name is ranked (default: the rules' hand weights)."""
    rows = group_rows(lines)
    texts = [row.text for row in rows]
    currency, currency_conf = detect_currency(texts)
    candidates = collect_candidates(rows)
    money = _signed(choose_money(candidates, rows), rows)
    date = _choose_date(rows, month_first_hint=month_first_locale(texts, currency))
    vendor = find_vendor(rows, vendor_weights)
    invoice_number, number_conf, number_row = find_invoice_number(rows)
    items = find_line_items(rows, _first_totals_row(candidates))
    confidence = dict(money.confidence)
    confidence.update(
        currency=currency_conf,
        date=date.confidence,
        vendor=vendor.confidence,
        invoice_number=number_conf,
    )
    address = _vendor_address(rows, vendor.row)
    if address:
        confidence["vendor_address"] = 0.4
    if items:
        confidence["line_items"] = _items_confidence(items, money.subtotal, money.total)
        if confidence["line_items"] >= _ITEMS_ADD_UP and money.total is not None:
            # line items adding up to the subtotal or total confirm it (right 75 in 76 on SROIE)
            confidence["total"] = min(0.99, confidence["total"] + 0.05)
    return Extraction(
        total=money.total,
        subtotal=money.subtotal,
        tax=money.tax,
        amount_due=money.amount_due,
        currency=currency,
        vendor=vendor.name,
        vendor_address=address,
        date=date.date,
        invoice_number=invoice_number,
        line_items=items,
        confidence={k: round(v, 3) for k, v in confidence.items() if v > 0},
        source=source,
        pages=max((line.page for line in lines), default=0) + 1,
        evidence=_evidence(
            rows,
            {"vendor": vendor.row, "date": date.row, "invoice_number": number_row},
            money,
            candidates,
        ),
    )


def _evidence(
    rows: Sequence[Row],
    found_on: dict[str, int | None],
    money: Money,
    candidates: Sequence[Candidate],
) -> dict[str, Evidence]:
    """Where each field was read (page units; the reading pipeline scales them to the page):
    the row a value came from, for amounts the labelled row printing that amount."""
    amounts = {
        "total": money.total,
        "subtotal": money.subtotal,
        "tax": money.tax,
        "amount_due": money.amount_due,
    }
    for name, value in amounts.items():
        rows_with_it = [
            c.row for c in candidates if value is not None and abs(c.value) == abs(value)
        ]
        found_on[name] = rows_with_it[-1] if rows_with_it else None
    return {
        name: Evidence(rows[index].page, rows[index].box)
        for name, index in found_on.items()
        if index is not None
    }


def _signed(money: Money, rows: Sequence[Row]) -> Money:
    """A credit note gives money back: its amounts are negative, as its e-invoice XML is read,
    whether the page prints them with a minus or under a ``Gutschrift`` title alone."""
    if money.total is None or money.total <= 0:
        return money
    if not any(is_credit_note_title(row.text) for row in rows[:_TITLE_ROWS]):
        return money

    def negated(value: Decimal | None) -> Decimal | None:
        return None if value is None else -abs(value)

    return replace(
        money,
        total=negated(money.total),
        subtotal=negated(money.subtotal),
        tax=negated(money.tax),
        amount_due=negated(money.amount_due),
    )


_TITLE_ROWS = 30  # a document's title is printed near the top of its first page


def _choose_date(rows: Sequence[Row], month_first_hint: bool) -> _DateGuess:
    scored: list[tuple[float, DateMatch]] = []
    row_of: dict[int, int] = {}
    for i, row in enumerate(rows):
        for match in find_dates(row.text):
            heading = _header_above(rows, i, row.text, match.start)
            scored.append((_date_score(row.text, match, i, heading), match))
            row_of[id(match)] = i
    if not scored:
        return _DateGuess(None, 0.0)
    order = infer_order((m for _, m in scored), month_first_hint)
    score, best = max(scored, key=lambda pair: pair[0])
    confidence = 0.9 if score >= 2 else 0.7
    if best.ambiguous:
        confidence -= 0.2 if _order_is_evidenced(scored) else 0.3
    return _DateGuess(best.read(order), confidence, row_of[id(best)])


def _header_above(rows: Sequence[Row], i: int, text: str, start: int) -> str:
    """The text of the cell right above the cell holding ``text[start:]`` when the row above
    is a table header (no digits in it): ``Date | N° de facture`` over ``8 septembre 2024``."""
    if i == 0 or rows[i].box is None or any(c.isdigit() for c in rows[i - 1].text):
        return ""
    cell = _cell_at(rows[i], text, start)
    if cell is None or cell.box is None:
        return ""
    for above in rows[i - 1].cells:
        if above.box is not None and x_overlap(above.box, cell.box) > 0:
            return above.text if len(above.text.split()) <= _HEADER_WORDS else ""
    return ""


_HEADER_WORDS = 4  # a column header is a label of a few words, not a sentence


def _cell_at(row: Row, text: str, start: int) -> TextLine | None:
    """The cell of ``row`` in which position ``start`` of its joined ``text`` falls."""
    position = 0
    for cell in row.cells:
        piece = cell.text.strip()
        if not piece:
            continue
        found = text.find(piece, position)
        if found <= start < found + len(piece):
            return cell
        position = max(position, found + len(piece)) if found >= 0 else position
    return None


def _order_is_evidenced(scored: list[tuple[float, DateMatch]]) -> bool:
    return any(m.evidence is not None for _, m in scored)


def _date_score(text: str, match: DateMatch, index: int, heading: str = "") -> float:
    """Points for a date's label: on its row before it, or (``heading``) the table header cell
    printed over it."""
    before = text[: match.start]
    if not _DATE_LABEL.search(before[-40:]) and not _NOT_ISSUE_DATE.search(before[-40:]):
        before = f"{heading} {before}"
    score = 1.0 - 0.01 * min(index, 40)
    if _DATE_LABEL.search(before[-40:]):
        score += 1.5
    if _NOT_ISSUE_DATE.search(before[-40:]):
        score -= 2.0
    elif _ORDER_DATE.search(before[-40:]):
        score -= 0.7
    if _TIME.search(text[match.end :]) or _TIME.search(before[-12:]):
        score += 0.5
    if not match.numeric:
        score += 0.1
    if match.loose:
        score -= 0.5
    return score


def _first_totals_row(candidates: Sequence[Candidate]) -> int | None:
    kinds = (Kind.TOTAL, Kind.SUBTOTAL, Kind.DUE, Kind.TAX)
    rows = [c.row for c in candidates if c.kind in kinds]
    return min(rows) if rows else None


def _vendor_address(rows: Sequence[Row], vendor_row: int | None) -> str | None:
    """Up to four address-like rows right below the vendor's name."""
    if vendor_row is None:
        return None
    parts: list[str] = []
    for row in rows[vendor_row + 1 : vendor_row + 6]:
        text = row.text.strip()
        if _ADDRESS_END.search(text):
            break
        if _ADDRESS_HINT.search(text):
            parts.append(text)
        elif parts:
            break
    return ", ".join(parts) if parts else None


# A contact or registration label, a mail or web address: the address above is complete.
_ADDRESS_END = term_pattern(Term.ADDRESS_END, "{}|@|www")
_ITEMS_ADD_UP = 0.9


def _items_confidence(
    items: Sequence[LineItem], subtotal: Decimal | None, total: Decimal | None
) -> float:
    amounts = [item.amount for item in items if item.amount is not None]
    summed = sum(amounts, Decimal(0))
    if amounts and any(summed == v for v in (subtotal, total) if v is not None):
        return _ITEMS_ADD_UP
    return 0.3


__all__ = ["Order", "extract_fields"]
