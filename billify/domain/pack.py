"""The accountant's pack of a month: a ZIP of the month's CSV and every original file, each
named so that a file list reads like a ledger: ``2026-11-03_kedai-buku_12.50MYR.jpg``.

Names are a pure function of the month's invoices, so the CSV's ``file`` column (also of the
CSV and JSON exports outside a pack) names exactly the members of the month's pack.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from billify.domain.models import Invoice, amount_text
from billify.domain.reports import Month

VENDOR_SLUG_LENGTH = 40
UNKNOWN_VENDOR = "unknown"
NO_TOTAL = "no-total"
# By media type (what the upload's content was detected as, never the client's filename).
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/tiff": "tiff",
    "image/gif": "gif",
    "image/heic": "heic",
    "application/xml": "xml",
    "text/xml": "xml",
}
UNKNOWN_EXTENSION = "bin"
# Latin letters that NFKD does not split into a base letter and accents.
_FOLDED = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def csv_name(month: Month) -> str:
    return f"billify-{month}.csv"


def zip_name(month: Month) -> str:
    return f"billify-{month}.zip"


def file_names(invoices: Iterable[Invoice], timezone: dt.tzinfo = dt.UTC) -> dict[str, str]:
    """Each invoice's file name in the pack, by invoice id: unique, the first received keeping
    the plain name and later ones ``_2``, ``_3``... so a name never changes once given."""
    taken: set[str] = set()
    names: dict[str, str] = {}
    for invoice in sorted(invoices, key=lambda i: (i.received_at, i.id)):
        stem, extension = _stem(invoice, timezone), extension_of(invoice.media_type)
        name, n = f"{stem}.{extension}", 1
        while name.casefold() in taken:  # case-insensitive file systems unpack it too
            n += 1
            name = f"{stem}_{n}.{extension}"
        taken.add(name.casefold())
        names[invoice.id] = name
    return names


def _stem(invoice: Invoice, timezone: dt.tzinfo) -> str:
    extraction = invoice.extraction
    day = extraction.date if extraction and extraction.date else None
    if day is None:  # unread, or no date printed: the day it came, where months are counted
        day = invoice.received_at.astimezone(timezone).date()
    vendor = vendor_slug(extraction.vendor if extraction else None)
    return f"{day.isoformat()}_{vendor}_{total_label(invoice)}"


def vendor_slug(vendor: str | None) -> str:
    """ASCII letters, digits and hyphens, at most ``VENDOR_SLUG_LENGTH`` characters:
    ``Café Müller & Söhne`` -> ``cafe-muller-sohne``; ``unknown`` when nothing is left."""
    folded = unicodedata.normalize("NFKD", (vendor or "").casefold().translate(_FOLDED))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_only).strip("-")
    return slug[:VENDOR_SLUG_LENGTH].rstrip("-") or UNKNOWN_VENDOR


def total_label(invoice: Invoice) -> str:
    """``123.45EUR``, ``123.45`` without a currency, ``no-total`` when none was read."""
    total = amount_text(invoice.total)
    if total is None:
        return NO_TOTAL
    currency = _NOT_SLUG.sub("", (invoice.currency or "").casefold()).upper()
    return total + currency


def extension_of(media_type: str) -> str:
    return EXTENSIONS.get(media_type.split(";")[0].strip().lower(), UNKNOWN_EXTENSION)
