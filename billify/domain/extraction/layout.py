"""The page as a person reads it: party blocks under their headings.

A *heading* is a cell that is a seller or buyer label (``Verkäufer``, ``Bill to:``,
``Acheteur``), see :mod:`vocabulary`. Its *block* is what is printed in the heading's column:
the value to its right on the same row and the cells below it, down to a wide vertical gap or
the next heading. Columns end where the next heading on the same row begins, so two blocks
printed side by side (``Seller`` | ``Buyer``) stay apart. Works on cells with boxes (a PDF
text layer or OCR, any engine); lines without boxes have no layout and give no blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from billify.domain.extraction.lines import Box, TextLine
from billify.domain.extraction.vocabulary import Role, heading, is_label_only

# A block ends at a vertical gap wider than this many line heights (a blank line and more).
_BLOCK_GAP = 3.0
_BLOCK_CELLS = 14  # a party block is a name, an address and a few ids: more is the page
# A value to the right of its label on the same row sits at most this far (in line heights).
_RIGHT_REACH = 40.0


@dataclass(frozen=True)
class PartyBlock:
    """A labelled party: the heading cell, the value printed after its colon (or ``""``) and
    the cells of its block, top to bottom."""

    role: Role
    heading: TextLine
    inline: str
    cells: tuple[TextLine, ...]

    def texts(self) -> list[str]:
        return ([self.inline] if self.inline else []) + [cell.text for cell in self.cells]


def party_blocks(lines: Sequence[TextLine]) -> list[PartyBlock]:
    """Every labelled seller and buyer block on the pages, in reading order."""
    blocks: list[PartyBlock] = []
    for page in sorted({line.page for line in lines}):
        cells = [ln for ln in lines if ln.page == page and ln.box is not None and ln.text.strip()]
        cells.sort(key=lambda c: (_box(c)[1], _box(c)[0]))
        headings = [(cell, found) for cell in cells if (found := heading(cell.text)) is not None]
        others = [h for h, _ in headings]
        for cell, (role, inline) in headings:
            members = _block_of(cell, cells, others)
            blocks.append(PartyBlock(role, cell, inline, tuple(members)))
    return blocks


def _box(line: TextLine) -> Box:
    assert line.box is not None
    return line.box


def _block_of(
    head: TextLine, cells: Sequence[TextLine], headings: Sequence[TextLine]
) -> list[TextLine]:
    """The heading's value on its own row, then the rows below it in its column: cells
    aligned with the heading or with a value already taken, and the value right of a field
    label (``Name:`` | ``ACME GmbH``); other cells in those rows belong to other columns."""
    left, right = _column(head, headings)
    height = max(head.height, 1.0)
    _, y0, x1, y1 = _box(head)
    members: list[TextLine] = [
        c
        for c in cells
        if c is not head
        and _same_row(c, head)
        and x1 - 1 <= _box(c)[0]
        and _box(c)[0] < min(right, x1 + _RIGHT_REACH * height)
    ][:1]
    columns = [left] + [_box(c)[0] for c in members]
    below = [
        c for c in cells if _box(c)[1] > y0 + 0.5 * height and left - height <= _box(c)[0] < right
    ]
    bottom = y1
    for row in _rows(below):
        if _box(row[0])[1] - bottom > _BLOCK_GAP * max(row[0].height, height):
            break
        if any(c in headings for c in row) or len(members) >= _BLOCK_CELLS:
            break
        taken = _aligned(row, columns, height)
        if taken:
            members.extend(taken)
            columns.extend(_box(c)[0] for c in taken)
            bottom = max(_box(c)[3] for c in row)
    return members


def _rows(cells: Sequence[TextLine]) -> list[list[TextLine]]:
    """Cells grouped into rows, top to bottom, each left to right."""
    rows: list[list[TextLine]] = []
    for cell in sorted(cells, key=lambda c: _box(c)[1]):
        if rows and _same_row(rows[-1][0], cell):
            rows[-1].append(cell)
        else:
            rows.append([cell])
    return [sorted(row, key=lambda c: _box(c)[0]) for row in rows]


def _aligned(row: Sequence[TextLine], columns: Sequence[float], height: float) -> list[TextLine]:
    """The cells of ``row`` that start in one of the block's columns, and the value to the
    right of a field label among them."""
    taken: list[TextLine] = []
    for i, cell in enumerate(row):
        if cell not in taken and any(abs(_box(cell)[0] - x) <= 1.5 * height for x in columns):
            taken.append(cell)
            if is_label_only(cell.text) and i + 1 < len(row) and row[i + 1] not in taken:
                taken.append(row[i + 1])
    return taken


def _column(head: TextLine, headings: Sequence[TextLine]) -> tuple[float, float]:
    """The heading's column: from its left edge to the next heading on its row, if any."""
    x0 = _box(head)[0]
    to_the_right = [_box(h)[0] for h in headings if _same_row(h, head) and _box(h)[0] > x0]
    return x0, min(to_the_right, default=float("inf"))


def _same_row(a: TextLine, b: TextLine) -> bool:
    ay0, ay1, by0, by1 = _box(a)[1], _box(a)[3], _box(b)[1], _box(b)[3]
    overlap = min(ay1, by1) - max(ay0, by0)
    return overlap > 0.5 * min(ay1 - ay0, by1 - by0)
