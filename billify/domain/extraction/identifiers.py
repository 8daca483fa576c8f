"""The invoice (or receipt/document) number."""

from __future__ import annotations

import re
from collections.abc import Sequence

from billify.domain.extraction.dates import find_dates
from billify.domain.extraction.lines import Row, x_overlap
from billify.domain.extraction.vocabulary import Role, Term, alternatives, term_pattern, words

# Invoice-number labels of every language (vocabulary.py), and the other labels of the
# document's own number (German compounds such as ``Versicherungsrechnung (575) Nr.``).
_STRONG = "|".join([*words(Role.INVOICE_NUMBER), alternatives(Term.DOCUMENT_NUMBER)])
_LABEL = re.compile(
    rf"(?P<strong>{_STRONG})"
    rf"|(?P<weak>(?:{alternatives(Term.NUMBERED)})\s*(?:no|number|#|id|ref)\.?"
    rf"|{alternatives(Term.WEAK_NUMBER)}|^\s*(?=#\s*\w*\d))",
    re.IGNORECASE,
)
_VALUE = re.compile(r"^[\s:.#°-]*(?:n[°o]\.?\s*)?[:#]?\s*([A-Za-z0-9][A-Za-z0-9/_.\-]*[A-Za-z0-9])")
# ``Invoice No : # BLR_123``: after the label and its colon, a ``#`` is printed as part of
# the number (a ``#`` that is itself the label, ``Invoice #: 123``, is not).
_HASH_VALUE = re.compile(r"^\s*:\s*#\s*(?=[A-Za-z0-9])")
_HEADER_ONLY = term_pattern(Term.DATE_HEADER, r"^\s*{}\b")


def find_invoice_number(rows: Sequence[Row]) -> tuple[str | None, float, int | None]:
    """The value after an invoice-number label (same row, or the cell below the label), its
    confidence and the row it was read on."""
    best: tuple[float, str, int] | None = None
    for i, row in enumerate(rows):
        for m in _LABEL.finditer(row.text):
            value = _value_after(row.text[m.end() :]) or _value_below(rows, i, row.text, m.start())
            if value is None:
                continue
            strength = 0.9 if m.group("strong") else 0.5
            if best is None or strength > best[0]:
                best = (strength, value, i)
    if best is None:
        return None, 0.0, None
    return best[1], best[0], best[2]


def _value_after(text: str) -> str | None:
    if _HEADER_ONLY.match(text):
        return None
    m = _VALUE.match(text)
    if m is None:
        return None
    value = _accept(m.group(1))
    if value is not None and _HASH_VALUE.match(text):
        return "#" + value
    return value


def _accept(value: str) -> str | None:
    if not any(c.isdigit() for c in value) or len(value) < 3:
        return None
    if find_dates(value) and len(value) <= 10:
        return None
    return value


def _value_below(rows: Sequence[Row], i: int, text: str, start: int) -> str | None:
    """Table-style headers: the value sits in the row below, under the label."""
    if i + 1 >= len(rows) or rows[i].box is None:
        return None
    label_cells = [c for c in rows[i].cells if c.box is not None]
    below = rows[i + 1]
    label_index = len(text[:start].split("  ")) - 1
    if not 0 <= label_index < len(label_cells):
        return None
    label_box = label_cells[label_index].box
    assert label_box is not None
    for cell in below.cells:
        if cell.box is None:
            continue
        if x_overlap(cell.box, label_box) > 0:
            return _value_after(cell.text)
    return None
