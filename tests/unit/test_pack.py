"""The accountant's pack: the names of the month's originals, and the ZIP of the CSV and every
original written from a blob store (the in-memory fake), a missing original left out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billify.domain import pack
from billify.domain.models import Extraction, Invoice, InvoiceStatus, Uploader
from billify.domain.reports import Month
from billify.packing import write_pack
from tests.fakes import FakeBlobStore

NOVEMBER = Month(2026, 11)


def invoice(
    n: int,
    vendor: str | None = "Shop",
    total: str | None = "10.5",
    day: dt.date | None = dt.date(2026, 11, 3),
    media_type: str = "image/jpeg",
    extraction: bool = True,
) -> Invoice:
    read = Extraction(
        total=Decimal(total) if total else None, currency="EUR", vendor=vendor, date=day
    )
    return Invoice(
        id=f"id{n}",
        uploader=Uploader("Ana", "ana@example.com"),
        blob_key=f"blob{n}",
        media_type=media_type,
        file_hash=f"h{n}",
        file_size=1,
        received_at=dt.datetime(2026, 11, 20, 10, n, tzinfo=dt.UTC),
        status=InvoiceStatus.PROCESSED if extraction else InvoiceStatus.FAILED,
        extraction=read if extraction else None,
    )


def name_of(one: Invoice, timezone: dt.tzinfo = dt.UTC) -> str:
    return pack.file_names([one], timezone)[one.id]


# -- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "slug"),
    [
        ("KEDAI BUKU Sdn. Bhd.", "kedai-buku-sdn-bhd"),
        ("Café Müller & Söhne", "cafe-muller-sohne"),
        ("Straße Ærø Łódź", "strasse-aero-lodz"),
        (
            "  --\uff26\uff55\uff4c\uff4c\u3000\uff57\uff49\uff44\uff54\uff48--  ",
            "full-width",
        ),  # full-width letters: NFKD folds them
        ("../../etc/passwd", "etc-passwd"),  # never a path
        ("東京電力", "unknown"),  # nothing in ASCII
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_the_vendor_slug_is_ascii_letters_digits_and_hyphens(vendor: str | None, slug: str) -> None:
    assert pack.vendor_slug(vendor) == slug


def test_a_long_vendor_is_cut_without_a_trailing_hyphen() -> None:
    slug = pack.vendor_slug("International Business Machines Corporation of Somewhere")
    assert len(slug) <= pack.VENDOR_SLUG_LENGTH and not slug.endswith("-")
    assert slug.startswith("international-business-machines")


def test_the_name_is_date_vendor_total_and_the_media_types_extension() -> None:
    assert name_of(invoice(1, vendor="Café Zoë")) == "2026-11-03_cafe-zoe_10.50EUR.jpg"
    extensions = {
        media_type: name_of(invoice(1, media_type=media_type)).rsplit(".", 1)[1]
        for media_type in ("application/pdf", "image/png", "image/webp", "image/tiff", "x/y")
    }
    assert extensions == {
        "application/pdf": "pdf",
        "image/png": "png",
        "image/webp": "webp",
        "image/tiff": "tiff",
        "x/y": "bin",
    }


def test_without_a_date_the_day_received_counts_in_the_months_zone() -> None:
    late = invoice(1, day=None).with_changes(
        received_at=dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
    )
    assert name_of(late).startswith("2026-11-30_")
    assert name_of(late, ZoneInfo("Europe/Berlin")).startswith("2026-12-01_")


def test_without_a_total_or_anything_read() -> None:
    assert name_of(invoice(1, total=None)) == "2026-11-03_shop_no-total.jpg"
    unread = invoice(2, extraction=False, media_type="application/pdf")
    assert name_of(unread) == "2026-11-20_unknown_no-total.pdf"


def test_clashes_get_a_number_in_the_order_received() -> None:
    same = [invoice(3), invoice(1), invoice(2), invoice(4, media_type="image/png")]
    names = pack.file_names(same)
    assert names == {
        "id1": "2026-11-03_shop_10.50EUR.jpg",
        "id2": "2026-11-03_shop_10.50EUR_2.jpg",
        "id3": "2026-11-03_shop_10.50EUR_3.jpg",
        "id4": "2026-11-03_shop_10.50EUR.png",  # another extension: no clash
    }


def test_a_numbered_name_never_takes_one_already_given() -> None:
    # "Shop" and "SHOP" slug alike; the numbering skips any name taken, whatever its case.
    names = pack.file_names([invoice(1), invoice(2, vendor="SHOP"), invoice(3, vendor="shop")])
    assert len({n.casefold() for n in names.values()}) == 3


# -- the ZIP --------------------------------------------------------------------------------


def stored(invoices: list[Invoice]) -> FakeBlobStore:
    blobs = FakeBlobStore()
    for one in invoices:
        blobs.put(one.blob_key, f"original of {one.id}".encode() * 1000, one.media_type)
    return blobs


def test_the_pack_holds_the_csv_and_every_original_under_its_name() -> None:
    invoices = [invoice(1), invoice(2), invoice(3, vendor="Kedai", media_type="application/pdf")]
    blobs = stored(invoices)
    out = io.BytesIO()
    summary = write_pack(NOVEMBER, invoices, blobs=blobs, out=out)

    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert archive.testzip() is None
    rows = list(csv.DictReader(io.TextIOWrapper(archive.open("billify-2026-11.csv"), "utf-8")))
    files = [r["file"] for r in rows]
    assert sorted(archive.namelist()) == sorted([*files, "billify-2026-11.csv"])
    assert len(set(files)) == 3 and all(files)
    for row in rows:
        assert archive.read(row["file"]) == blobs.get(f"blob{row['id'].removeprefix('id')}")
    assert (summary.invoices, summary.files, summary.missing) == (3, 3, ())


def test_a_missing_original_is_left_out_and_its_file_cell_empty() -> None:
    invoices = [invoice(1), invoice(2)]
    blobs = stored(invoices)
    blobs.delete("blob1")  # deleted after the month was listed
    out = io.BytesIO()
    summary = write_pack(NOVEMBER, invoices, blobs=blobs, out=out)

    archive = zipfile.ZipFile(out)
    rows = {
        r["id"]: r
        for r in csv.DictReader(io.StringIO(archive.read(pack.csv_name(NOVEMBER)).decode()))
    }
    assert rows["id1"]["file"] == "" and rows["id2"]["file"] in archive.namelist()
    assert len(archive.namelist()) == 2
    assert summary.missing == ("id1",) and summary.files == 1


def test_an_empty_month_is_a_pack_with_the_header_only() -> None:
    out = io.BytesIO()
    write_pack(NOVEMBER, [], blobs=FakeBlobStore(), out=out)
    archive = zipfile.ZipFile(out)
    assert archive.namelist() == ["billify-2026-11.csv"]
    assert archive.read("billify-2026-11.csv").decode().startswith("id,received_at,")


def test_members_are_dated_when_received_in_the_months_zone() -> None:
    one = invoice(1)
    out = io.BytesIO()
    write_pack(
        NOVEMBER, [one], blobs=stored([one]), out=out, timezone=ZoneInfo("Asia/Kuala_Lumpur")
    )
    member = zipfile.ZipFile(out).getinfo(name_of(one))
    assert member.date_time == (2026, 11, 20, 18, 1, 0)  # 10:01 UTC is 18:01 in Kuala Lumpur
