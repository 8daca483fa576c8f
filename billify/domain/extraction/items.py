"""Line items: read from the document's item table by its structure, else best effort.

A table has a header row: several cells that name item columns (``Beschreibung``, ``Menge``,
``Einzelpreis``, ``Betrag``; the words of every language are in
:data:`~billify.domain.extraction.vocabulary.VOCABULARY`), sometimes with header words stacked
on the rows just above or below it (``Positions-`` / ``betrag`` / ``ohne USt.``). Each header
cell gives a column its x-range. Below the header, every row with a number in the amount column
starts an item; quantity and unit price come from their columns. A row with numbers but no
amount lends them to the amount printed on the row below it (layouts that print the amount one
line lower); rows without any amount continue the description of the item above, or, when an
item's row has no description, give it the text printed just above it. The table ends at its
totals block (a row labelled subtotal, total, tax or due), at another table's header on the same
page, or where the caller's first totals row is. A header repeated on the next page restarts
the columns there.

Documents without a recognised header (receipts) keep the line-by-line reading: rows with a
description and money amounts between the top and the first totals row. When both readings
give items, the one whose amounts add up to an amount printed in the totals block is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from billify.domain.extraction.amounts import find_amounts, parse_amount
from billify.domain.extraction.labels import Kind, classify
from billify.domain.extraction.lines import Row, TextLine
from billify.domain.extraction.vocabulary import Column, Term, item_column, term_pattern
from billify.domain.models import LineItem

# A receipt's item header row (the line-by-line reading starts below it): two of these words.
_HEADER = term_pattern(Term.ITEM_HEADER, r"\b{}\b")
CENT = Decimal("0.01")

_NUMERIC = (Column.QUANTITY, Column.UNIT_PRICE, Column.AMOUNT)
_TOTALS = (Kind.TOTAL, Kind.SUBTOTAL, Kind.DUE, Kind.TAX)
_NUMBER_TOKEN = re.compile(r"[-\u2212\u2013]?\s?\d(?:[\d.,'\u2019]*\d)?")
_SIGNS = ("-", "\u2212", "\u2013")
_HYPHEN_END = re.compile(r"[-\u00ad\ufffe\ufffd]\s*$")
# ``Enthält 19% Versicherungssteuer = 9,50 Euro`` under an item: a note on its amount, no total
_NOTE = term_pattern(Term.NOTE, r"\W*{}\b")
_QUANTITY_TIMES = re.compile(r"\s*[-\u2212]?\d+(?:[.,]\d+)?\s*[x\u00d7@*]\s*", re.IGNORECASE)
_STACK_ROWS = 4  # header words may be stacked on this many rows above or below the header
_TOTALS_SCAN = 15  # rows after the table in which the printed subtotal or total is looked for


def find_line_items(rows: Sequence[Row], stop_row: int | None) -> tuple[LineItem, ...]:
    """The items of the document's table, or, without a table header, the rows between the top
    and the first totals row (``stop_row``) that read as a description and an amount."""
    table = _table_items(rows, stop_row)
    fallback = _line_items(rows, stop_row)
    if table is None or not table.items:
        return fallback
    printed = _printed_amounts(rows, table.end, table.end + _TOTALS_SCAN)
    if _adds_up(table.items, printed) or not _adds_up(fallback, printed):
        return table.items
    return fallback


# -- the table, by its columns -------------------------------------------------------------


@dataclass
class _Column:
    kind: Column | None
    x0: float
    x1: float
    words: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Table:
    items: tuple[LineItem, ...]
    end: int  # the first row after the table


@dataclass
class _Read:
    """One row of the table as its columns see it."""

    row: Row
    amount: Decimal | None
    quantity: Decimal | None
    unit_price: Decimal | None
    description: str
    others: list[Decimal]  # numbers in columns of no known kind (``#``, a demoted ``Amount``)

    @property
    def has_numbers(self) -> bool:
        return self.quantity is not None or self.unit_price is not None


@dataclass
class _Item:
    amount: Decimal
    quantity: Decimal | None
    unit_price: Decimal | None
    others: list[Decimal]
    lines: list[str]
    last: Row  # the item's last row (its amount's, or its description's continuation)
    row: int = 0  # the index of the row printing its amount


def _table_items(rows: Sequence[Row], stop_row: int | None) -> _Table | None:
    header = next((i for i, row in enumerate(rows) if _is_header(row)), None)
    if header is None:
        return None
    columns = _columns(rows, header)
    if columns is None:
        return None
    header_page = rows[header].page
    repeated = _repeated_headers(rows, header)
    items: list[_Item] = []
    pending: _Read | None = None  # numbers waiting for the amount printed on the next row
    above: list[str] = []  # text since the last item, for an item whose row has no description
    end = len(rows)
    i = header + _stack_below(rows, header) + 1
    while i < len(rows):
        row = rows[i]
        if row.page != header_page:
            if row.page in repeated:
                # the header repeated on the next page: the page's own header rows above it are
                # skipped, its columns are read afresh
                header, header_page = repeated[row.page], row.page
                columns = _columns(rows, header) or columns
                i = header + _stack_below(rows, header) + 1
                pending, above = None, []
                continue
            header_page = row.page
        elif _is_header(row):
            end = i  # another table (the tax breakdown) starts
            break
        read = _read_row(row, columns)
        if _ends_table(read, columns, i == stop_row):
            end = i
            break
        if read.amount is not None:
            item = _Item(read.amount, read.quantity, read.unit_price, read.others, [], row, i)
            if not read.has_numbers and pending is not None:
                item.quantity, item.unit_price = pending.quantity, pending.unit_price
                item.others = pending.others + item.others
                item.lines.append(pending.description)
            if read.description:
                item.lines.append(read.description)
            if not item.lines:
                item.lines.extend(above)
            items.append(item)
            pending, above = None, []
        elif read.has_numbers:
            pending = read
        else:
            pending = None
            if read.description:
                if items and _continues(items[-1], row) and not above:
                    items[-1].lines.append(read.description)
                    items[-1].last = row
                else:
                    above.append(read.description)
        i += 1
    items = _adding_up(items, rows, end)
    return _Table(tuple(_line_item(item) for item in items), end)


def _adding_up(items: list[_Item], rows: Sequence[Row], end: int) -> list[_Item]:
    """The items, without trailing ones read from a totals block the table's end did not catch:
    a row that prints, or sits right under a row that prints, the sum of the items above it
    (``Base imponible € 3.653,07`` over its value row) is no item."""
    if len(items) < 2:
        return items
    printed = _printed_amounts(rows, items[-1].row + 1, end + _TOTALS_SCAN)
    if abs(sum((item.amount for item in items), Decimal(0))) in printed:
        return items
    for count in range(1, len(items)):
        row = items[count].row
        if not any(item.amount for item in items[count:]):
            break
        above = items[count - 1]
        start = row if row - 1 in (above.row, above.last.index) else row - 1
        here = _printed_amounts(rows, start, row + 1) - {abs(items[count].amount)}
        if abs(sum((item.amount for item in items[:count]), Decimal(0))) in here:
            return items[:count]
    return items


def _is_header(row: Row) -> bool:
    """Several cells naming item columns, at least one of them a numeric column, no amounts."""
    kinds = [item_column(cell.text) for cell in row.cells]
    named = [k for k in kinds if k is not None]
    if len(named) < 2 or len(set(named)) < 2 or not any(k in _NUMERIC for k in named):
        return False
    if any(t.money_like for t in find_amounts(row.text)):
        return False
    return sum(1 for k in kinds if k is not None) * 2 >= len(kinds) - 1


def _columns(rows: Sequence[Row], header: int) -> list[_Column] | None:
    """The columns of the header at ``header``, with the header words stacked above and below
    it; the line's amount is the rightmost amount column (another, ``Amount`` over quantities
    in some English layouts, is then of no known kind)."""
    columns = [
        _Column(item_column(c.text), c.box[0], c.box[2], [c.text])
        for c in rows[header].cells
        if c.box is not None
    ]
    if not columns:
        return None
    stacked = [
        cell
        for index in _stacked_rows(rows, header)
        for cell in rows[index].cells
        if cell.box is not None
    ]
    extra: list[_Column] = []
    for cell in sorted(stacked, key=lambda c: c.box[1] if c.box else 0.0):
        assert cell.box is not None
        target = _best_overlap(columns, cell.box[0], cell.box[2])
        if target is None:
            target = _best_overlap(extra, cell.box[0], cell.box[2])
            if target is None:
                extra.append(_Column(None, cell.box[0], cell.box[2], []))
                target = extra[-1]
            else:
                target.x0, target.x1 = min(target.x0, cell.box[0]), max(target.x1, cell.box[2])
        target.words.append(cell.text)
    for column in [*columns, *extra]:
        if column.kind is None:
            column.kind = item_column(_joined(column.words))
    columns = sorted([*columns, *extra], key=lambda c: c.x0)
    amounts = [c for c in columns if c.kind is Column.AMOUNT]
    if not amounts:
        _split_amount_header(columns)
        amounts = [c for c in columns if c.kind is Column.AMOUNT]
    if not amounts:
        return None
    for column in amounts[:-1]:
        column.kind = None
    return columns


def _split_amount_header(columns: list[_Column]) -> None:
    """Without an amount column, a header cell that ends with an amount header (``MwSt-%
    Nettowert``: two columns the PDF wrote as one piece of text) is split where it starts, its
    x-range shared in proportion to the characters."""
    for index, column in enumerate(columns):
        text = column.words[0]
        for match in re.finditer(r"\s+(?=\S)", text):
            rest = text[match.end() :]
            if item_column(rest.split()[0]) is not Column.AMOUNT:
                continue
            per_char = (column.x1 - column.x0) / max(len(text), 1)
            cut = column.x0 + match.end() * per_char
            head = text[: match.start()]
            columns[index : index + 1] = [
                _Column(item_column(head), column.x0, cut, [head]),
                _Column(Column.AMOUNT, cut, column.x1, [rest]),
            ]
            return


def _stacked_rows(rows: Sequence[Row], header: int) -> list[int]:
    above = []
    for index in range(header - 1, max(-1, header - 1 - _STACK_ROWS), -1):
        if not _header_words_only(rows, index, header):
            break
        above.append(index)
    below = list(range(header + 1, header + 1 + _stack_below(rows, header)))
    return above + below


def _stack_below(rows: Sequence[Row], header: int) -> int:
    count = 0
    for index in range(header + 1, min(len(rows), header + 1 + _STACK_ROWS)):
        if not _header_words_only(rows, index, header):
            break
        count += 1
    return count


def _header_words_only(rows: Sequence[Row], index: int, header: int) -> bool:
    """A row of short words without digits right next to the header row, on its page."""
    row, head = rows[index], rows[header]
    if row.page != head.page or row.box is None or head.box is None:
        return False
    if abs(row.box[1] - head.box[1]) > 3.2 * max(head.height, 1.0) * abs(index - header):
        return False
    return all(
        not re.search(r"\d", c.text) and len(c.text.split()) <= 3 and len(c.text) <= 24
        for c in row.cells
    )


def _joined(words: list[str]) -> str:
    text = ""
    for word in words:
        word = word.strip()
        if _HYPHEN_END.search(text):
            text = _HYPHEN_END.sub("", text) + word
        else:
            text = f"{text} {word}".strip()
    return text


def _best_overlap(columns: list[_Column], x0: float, x1: float) -> _Column | None:
    best, best_overlap = None, 0.0
    for column in columns:
        overlap = min(column.x1, x1) - max(column.x0, x0)
        if overlap > best_overlap:
            best, best_overlap = column, overlap
    return best


def _column_of(cell: TextLine, columns: list[_Column]) -> _Column | None:
    """The column a value cell sits in: the one it overlaps most, else the nearest one when it
    is close (a right-aligned amount may stick out of a short header)."""
    if cell.box is None:
        return None
    x0, x1 = cell.box[0], cell.box[2]
    found = _best_overlap(columns, x0, x1)
    if found is not None:
        return found
    gap, nearest = min(((max(c.x0 - x1, x0 - c.x1), c) for c in columns), key=lambda pair: pair[0])
    return nearest if gap <= max(12.0, 2 * cell.height) else None


def _read_row(row: Row, columns: list[_Column]) -> _Read:
    read = _Read(row, None, None, None, "", [])
    words: list[str] = []
    numeric: dict[Column, list[str]] = {}
    for cell in row.cells:
        column = _column_of(cell, columns)
        kind = None if column is None else column.kind
        text = cell.text.strip()
        if kind in _NUMERIC:
            assert kind is not None
            numeric.setdefault(kind, []).append(text)
        elif kind is Column.TAX_RATE:
            continue
        elif column is not None and kind in (None, Column.NUMBER):
            value = parse_amount(text) if re.fullmatch(r"[-\d.,\s€$£]+", text) else None
            if value is not None:
                read.others.append(value)
        elif column is not None or any(ch.isalpha() for ch in text):
            words.append(text)
    for kind, texts in numeric.items():
        # a minus printed as a cell of its own: ``- | 5,00``
        text = "".join(texts) if texts[0] in _SIGNS else " ".join(texts)
        value = _amount_of(text) if kind is Column.AMOUNT else _number_of(text)
        if value is None:
            words.extend(t for t in texts if any(ch.isalpha() for ch in t))
        elif kind is Column.AMOUNT:
            read.amount = value
        elif kind is Column.QUANTITY:
            read.quantity = value
        else:
            read.unit_price = value
    read.description = " ".join(" ".join(words).split())
    return read


def _amount_of(text: str) -> Decimal | None:
    """The amount of an amount cell: the cell is the amount, perhaps with a currency or a tax
    code (``160,00 €``, ``12.50 SR``), never a sentence that holds a number (``Seite 2 von 3``)."""
    value = parse_amount(text)
    if value is not None:
        return value
    tokens = find_amounts(text)
    if not tokens:
        return None
    rest = text[: tokens[-1].start] + text[tokens[-1].end :]
    return tokens[-1].value if sum(ch.isalnum() for ch in rest) <= 3 else None


def _number_of(text: str) -> Decimal | None:
    """The first number of a quantity or price cell: ``3 m²``, ``-5 Stk``, ``0.025 €``."""
    value = parse_amount(text)
    match = _NUMBER_TOKEN.search(text)
    if match is None:
        return value
    token = match.group(0).replace(" ", "")
    if re.fullmatch(r"[-\u2212\u2013]?0[.,]\d+", token):  # ``0.025`` is a fraction, not 25
        token = token.replace(",", ".").replace("\u2212", "-").replace("\u2013", "-")
        return Decimal(token)
    return value if value is not None else parse_amount(token)


def _ends_table(read: _Read, columns: list[_Column], at_stop_row: bool) -> bool:
    """A totals row: labelled subtotal, total, tax or due, with an amount (or a short title of
    that kind); a row with a quantity and a price is an item, never a total."""
    if read.quantity is not None and read.unit_price is not None:
        return False
    label = " ".join(
        cell.text
        for cell in read.row.cells
        if (column := _column_of(cell, columns)) is None or column.kind is not Column.TAX_RATE
    )
    words = re.sub(r"[-\u2212]?\d[\d.,%]*", " ", label)
    if _NOTE.match(words):
        return False
    found = classify(words)
    has_money = read.amount is not None or any(t.money_like for t in find_amounts(label))
    if found is not None and found.kind in _TOTALS:
        return has_money or len(label.split()) <= 3
    return at_stop_row and read.amount is not None and not read.has_numbers and not read.others


def _continues(item: _Item, row: Row) -> bool:
    """A text row right below an item's last row on the same page continues its description."""
    last = item.last
    if last.page != row.page or last.box is None or row.box is None:
        return False
    return row.box[1] - last.box[3] <= 1.2 * max(last.height, row.height)


def _repeated_headers(rows: Sequence[Row], header: int) -> dict[int, int]:
    """The page -> row of the header repeated on pages after the header's page (a header that
    shares at least half its words with the first one; another table's header is not it)."""
    first = _words_of(rows[header])
    found: dict[int, int] = {}
    for index in range(header + 1, len(rows)):
        row = rows[index]
        if row.page != rows[header].page and row.page not in found and _is_header(row):
            words = _words_of(row)
            if len(words & first) * 2 >= len(words):
                found[row.page] = index
    return found


def _words_of(row: Row) -> frozenset[str]:
    return frozenset(w.lower() for w in re.findall(r"\w+", row.text))


def _line_item(item: _Item) -> LineItem:
    quantity, unit_price = item.quantity, item.unit_price
    if quantity is None or unit_price is None:
        numbers = [n for n in (quantity, unit_price) if n is not None] + item.others
        found_q, found_p = _quantity_and_price(numbers, item.amount)
        if found_q is not None and (quantity is None or quantity == found_q):
            quantity, unit_price = found_q, unit_price if unit_price is not None else found_p
    return LineItem(
        description=" ".join(" ".join(item.lines).split()),
        quantity=quantity,
        unit_price=unit_price,
        amount=item.amount,
    )


def _printed_amounts(rows: Sequence[Row], start: int, stop: int) -> set[Decimal]:
    return {
        abs(t.value) for row in rows[start:stop] for t in find_amounts(row.text) if t.money_like
    }


def _adds_up(items: Sequence[LineItem], printed: set[Decimal]) -> bool:
    amounts = [item.amount for item in items if item.amount is not None]
    return bool(amounts) and abs(sum(amounts, Decimal(0))) in printed


# -- line by line, without a table header (receipts) --------------------------------------


def _line_items(rows: Sequence[Row], stop_row: int | None) -> tuple[LineItem, ...]:
    """Items between the table header (or the top) and the first totals row."""
    start = next((i + 1 for i, row in enumerate(rows) if len(_HEADER.findall(row.text)) >= 2), 0)
    end = stop_row if stop_row is not None and stop_row > start else len(rows)
    items: list[LineItem] = []
    above = ""  # a row of text alone: the description of numbers printed on the next row
    for row in rows[start:end]:
        item = _item_of(row.text, above)
        if item is not None:
            items.append(item)
        above = row.text if _is_description(row.text) else ""
    return tuple(items)


def _is_description(text: str) -> bool:
    return (
        not any(t.money_like for t in find_amounts(text))
        and sum(c.isalpha() for c in text) >= 3
        and classify(text) is None
        and ":" not in text
    )


def _item_of(text: str, above: str = "") -> LineItem | None:
    tokens = find_amounts(text)
    money = [t for t in tokens if t.money_like]
    if not money or classify(text[: tokens[0].start] if tokens else text) is not None:
        return None
    description = text[: tokens[0].start].strip(" :-*x")
    if not description.strip() and above and _QUANTITY_TIMES.match(text[tokens[0].start :]):
        description = above  # ``Cartuccia`` over ``1 x 22,39   22,39``
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
