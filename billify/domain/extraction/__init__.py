"""Reading invoice and receipt fields from text lines (pure Python, standard library only).

The adapters turn a document into :class:`TextLine` objects (OCR boxes or a PDF text layer)
and call :func:`extract_fields`; e-invoice XML goes through :func:`parse_einvoice`.
"""

from billify.domain.extraction.amounts import parse_amount
from billify.domain.extraction.currency import detect_currency
from billify.domain.extraction.dates import Order, parse_date
from billify.domain.extraction.einvoice import NotAnEInvoice, parse_einvoice
from billify.domain.extraction.fields import extract_fields
from billify.domain.extraction.lines import TextLine

# One exception for "this document cannot be read", shared with the services that act on it.
from billify.domain.models import UnreadableDocument

__all__ = [
    "NotAnEInvoice",
    "Order",
    "TextLine",
    "UnreadableDocument",
    "detect_currency",
    "extract_fields",
    "parse_amount",
    "parse_date",
    "parse_einvoice",
]
