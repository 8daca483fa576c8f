"""Text lines as OCR or a PDF text layer give them, and their grouping into visual rows."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class TextLine:
    """One piece of text on a page.

    ``box`` is ``(x0, y0, x1, y1)`` in page units with y growing downwards, or ``None`` when the
    layout is unknown (plain text). ``confidence`` is the OCR score in 0..1 (1 for a text layer).
    """

    text: str
    box: Box | None = None
    confidence: float = 1.0
    page: int = 0

    @property
    def height(self) -> float:
        return 0.0 if self.box is None else self.box[3] - self.box[1]

    @property
    def y_center(self) -> float:
        return 0.0 if self.box is None else (self.box[1] + self.box[3]) / 2


@dataclass(frozen=True)
class Row:
    """Text pieces that sit on one visual line, left to right."""

    cells: tuple[TextLine, ...]
    index: int

    @functools.cached_property
    def text(self) -> str:  # read many times by every rule: joined once
        return "  ".join(cell.text.strip() for cell in self.cells if cell.text.strip())

    @property
    def page(self) -> int:
        return self.cells[0].page

    @property
    def height(self) -> float:
        return max(cell.height for cell in self.cells)

    @property
    def confidence(self) -> float:
        return min(cell.confidence for cell in self.cells)

    @property
    def box(self) -> Box | None:
        boxes = [c.box for c in self.cells if c.box is not None]
        if not boxes:
            return None
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )


def x_overlap(a: Box, b: Box) -> float:
    """The width two boxes share on the x axis (negative: the gap between them)."""
    return min(a[2], b[2]) - max(a[0], b[0])


def group_rows(lines: Sequence[TextLine]) -> list[Row]:
    """Group lines into rows: pieces whose vertical extents mostly overlap share a row.

    Lines without boxes each form their own row, in their given order.
    """
    rows: list[list[TextLine]] = []
    for page in _pages_in_order(lines):
        on_page = [line for line in lines if line.page == page and line.text.strip()]
        if any(line.box is None for line in on_page):
            rows.extend([line] for line in on_page)
            continue
        rows.extend(_rows_of_boxed(on_page))
    return [Row(cells=tuple(sorted(cells, key=_x0)), index=i) for i, cells in enumerate(rows)]


def _pages_in_order(lines: Iterable[TextLine]) -> list[int]:
    return sorted({line.page for line in lines})


def _x0(line: TextLine) -> float:
    return 0.0 if line.box is None else line.box[0]


def _rows_of_boxed(lines: list[TextLine]) -> list[list[TextLine]]:
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda item: item.y_center):
        target = _matching_row(rows, line)
        if target is None:
            rows.append([line])
        else:
            target.append(line)
    return rows


def _matching_row(rows: list[list[TextLine]], line: TextLine) -> list[TextLine] | None:
    """The recent row that ``line`` overlaps enough vertically and does not collide with."""
    best: list[TextLine] | None = None
    best_overlap = 0.0
    for row in rows[-4:]:
        overlap = _vertical_overlap(row, line)
        if overlap > best_overlap and not _collides(row, line):
            best, best_overlap = row, overlap
    return best if best_overlap >= 0.5 else None


def _vertical_overlap(row: list[TextLine], line: TextLine) -> float:
    assert line.box is not None
    top = sum(c.box[1] for c in row if c.box) / len(row)
    bottom = sum(c.box[3] for c in row if c.box) / len(row)
    inter = min(bottom, line.box[3]) - max(top, line.box[1])
    smaller = min(bottom - top, line.box[3] - line.box[1])
    return inter / smaller if smaller > 0 else 0.0


def _collides(row: list[TextLine], line: TextLine) -> bool:
    """True when ``line`` overlaps a piece of ``row`` horizontally (then it is another row)."""
    assert line.box is not None
    for cell in row:
        assert cell.box is not None
        narrower = min(cell.box[2] - cell.box[0], line.box[2] - line.box[0])
        if x_overlap(cell.box, line.box) > 0.3 * narrower:
            return True
    return False
