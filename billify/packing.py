"""The accountant's pack: a month's CSV and every original file of the month in one ZIP.

Names and rows come from the domain (``domain.pack``, ``domain.export``); this use case only
fetches the originals from the blob store, one at a time, into the archive.
"""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from billify.domain import export, pack
from billify.domain.models import Invoice
from billify.domain.reports import Month
from billify.ports import BlobNotFound, BlobStore

log = logging.getLogger(__name__)

_EARLIEST_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # what the format can store


@dataclass(frozen=True)
class PackSummary:
    invoices: int  # rows of the CSV
    files: int  # originals in the archive
    missing: tuple[str, ...]  # ids of the invoices whose original was gone


def write_pack(
    month: Month,
    invoices: Sequence[Invoice],
    *,
    blobs: BlobStore,
    out: IO[bytes],
    timezone: dt.tzinfo = dt.UTC,
) -> PackSummary:
    """Write the month's pack to ``out``: each original under its ``domain.pack`` name, then
    ``billify-YYYY-MM.csv`` naming them. An original deleted meanwhile is left out (its row's
    ``file`` is empty). Only one original is held in memory at a time."""
    names = pack.file_names(invoices, timezone)
    packed: dict[str, str] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices:
            try:
                content = blobs.get(invoice.blob_key)
            except BlobNotFound:
                log.warning("pack of %s: the original of invoice %s is gone", month, invoice.id)
                continue
            member = _member(names[invoice.id], invoice.received_at, timezone)
            archive.writestr(member, content)
            packed[invoice.id] = member.filename
        csv_text = export.to_csv(invoices, timezone, files=packed)
        archive.writestr(pack.csv_name(month), csv_text.encode("utf-8"))
    missing = tuple(i.id for i in invoices if i.id not in packed)
    return PackSummary(invoices=len(invoices), files=len(packed), missing=missing)


def _member(name: str, received_at: dt.datetime, timezone: dt.tzinfo) -> zipfile.ZipInfo:
    """An archive entry dated when the file was received, readable by everyone once unpacked."""
    local = received_at.astimezone(timezone).timetuple()[:6]
    member = zipfile.ZipInfo(name, date_time=max(local, _EARLIEST_ZIP_TIME))
    member.compress_type = zipfile.ZIP_DEFLATED
    member.external_attr = 0o644 << 16
    return member
