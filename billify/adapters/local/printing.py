"""Rows of text printed to a PDF with a text layer (reportlab): an email's receipt becomes a
document like any other, read by the same pipeline and kept for the accountant."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from pathlib import Path

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_SIZE = 10.0
LINE_HEIGHT = 14.0
MARGIN = 48.0
CELL_GAP = 18.0  # wide enough that the text layer keeps cells apart, as on a printed table
MAX_PAGES = 20


@functools.cache
def _font() -> str:
    """Bitstream Vera, which reportlab ships: Unicode text (accents, the euro sign) with no
    system fonts needed."""
    path = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    pdfmetrics.registerFont(TTFont("Vera", str(path)))
    return "Vera"


class PdfPrinter:
    """``TextPrinter``: each row is one line, its cells left to right; the last cell of a row
    of several is set flush right, where a printed receipt puts its amounts."""

    def print_rows(self, rows: Sequence[Sequence[str]], title: str) -> bytes:
        font = _font()
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
        canvas.setTitle(title[:200])
        width, height = A4
        y = height - MARGIN
        pages = 1
        for row in rows:
            if y < MARGIN:
                if pages == MAX_PAGES:
                    break
                canvas.showPage()
                pages += 1
                y = height - MARGIN
            canvas.setFont(font, FONT_SIZE)
            _draw_row(canvas, [str(cell)[:300] for cell in row], font, width, y)
            y -= LINE_HEIGHT
        canvas.save()
        return buffer.getvalue()


def _draw_row(canvas: Canvas, cells: list[str], font: str, width: float, y: float) -> None:
    x = MARGIN
    right = width - MARGIN
    last = len(cells) - 1
    for index, cell in enumerate(cells):
        cell_width = pdfmetrics.stringWidth(cell, font, FONT_SIZE)
        if index == last and last > 0 and x + cell_width <= right:
            canvas.drawRightString(right, y, cell)
            return
        canvas.drawString(x, y, cell)
        x += cell_width + CELL_GAP
