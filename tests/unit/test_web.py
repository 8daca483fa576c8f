"""The routes of the web page (list, export, thumbnails, corrections) and the use cases behind
them, over the in-memory fakes."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import IO

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from billify import services
from billify.bootstrap import Billify
from billify.config import Settings
from billify.domain.access import hash_key
from billify.domain.action_links import action_url
from billify.domain.auth import Scope
from billify.domain.models import Extraction, LineItem
from billify.entrypoints.http import create_app
from tests.conftest import MINIMAL_PDF, jpeg_bytes
from tests.fakes import FakeExtractor, FakeMailer, FakeQueue, fake_app
from tests.sessions import sign_in

FORM = {"name": "Ana", "email": "ana@example.com"}
LIST = {"email": "ana@example.com", "month": "2026-11"}
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)  # the fake clock's


def make_app(tmp_path: Path, **settings: object) -> Billify:
    return fake_app(Settings(data_dir=tmp_path, **settings))  # type: ignore[arg-type]


@pytest.fixture
def app(tmp_path: Path) -> Billify:
    return make_app(tmp_path)


@pytest.fixture
def client(app: Billify) -> TestClient:
    """Signed in as Ana, the uploader of the tests' invoices."""
    client = TestClient(create_app(app))
    assert isinstance(app.mailer, FakeMailer)
    sign_in(client, app.mailer.sent, FORM["email"])
    app.mailer.sent.clear()
    return client


def upload(client: TestClient, app: Billify, content: bytes | None = None, **headers: str) -> str:
    files = {"file": ("r.jpg", content or jpeg_bytes(), "image/jpeg")}
    answer = client.post("/upload-invoice", data=FORM, files=files, headers=headers)
    assert answer.status_code == 202, answer.text
    assert isinstance(app.queue, FakeQueue)
    for message in app.queue.messages:
        services.process_invoice(message, app.processing)
    return str(answer.json()["id"])


def test_the_page_and_its_files_are_served_without_a_key(tmp_path: Path) -> None:
    app = make_app(tmp_path, api_keys=f"ana:{hash_key('secret')}")
    client = TestClient(create_app(app))
    page = client.get("/")
    assert page.status_code == 200 and '<script type="module" src="static/app.js">' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("app.js", "style.css", "icon.svg"):
        assert client.get(f"/static/{asset}").status_code == 200
    escape = client.get("/static/..%2Fweb.py")
    assert escape.status_code == 404 and "def register" not in escape.text
    assert client.get("/invoices", params=LIST).status_code == 401


def test_month_list_as_json_and_csv(client: TestClient, app: Billify) -> None:
    invoice_id = upload(client, app)
    listing = client.get("/invoices", params=LIST)
    assert listing.status_code == 200
    body = listing.json()
    assert body["totals"] == {"MYR": "12.50"} and body["count"] == 1
    assert body["invoices"][0]["id"] == invoice_id and body["invoices"][0]["vendor"] == "KEDAI BUKU"
    for answer in (
        client.get("/invoices", params={**LIST, "format": "csv"}),
        client.get("/invoices", params=LIST, headers={"accept": "text/csv"}),
    ):
        assert answer.headers["content-type"].startswith("text/csv")
        assert "billify-2026-11.csv" in answer.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert [r["id"] for r in rows] == [invoice_id]
    other_month = client.get("/invoices", params={**LIST, "month": "2026-10"}).json()
    assert other_month["invoices"] == []
    assert client.get("/invoices", params={**LIST, "month": "2026-13"}).status_code == 400
    assert client.get("/invoices", params={**LIST, "email": "nope"}).status_code == 400


class KeptDownloads:
    """``Downloads`` that keeps what it is offered and names a URL for it."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str, str]] = {}

    def offer(self, content: IO[bytes], filename: str, media_type: str) -> str:
        url = f"https://files.example/{len(self.files)}/{filename}"
        self.files[url] = (content.read(), filename, media_type)
        return url


def test_where_answers_are_capped_the_pack_is_a_redirect_to_a_stored_copy(
    client: TestClient, app: Billify
) -> None:
    upload(client, app)
    app.downloads = downloads = KeptDownloads()
    answer = client.get("/invoices", params={**LIST, "format": "zip"}, follow_redirects=False)
    assert answer.status_code == 303
    content, filename, media_type = downloads.files[answer.headers["location"]]
    assert (filename, media_type) == ("billify-2026-11.zip", "application/zip")
    assert "billify-2026-11.csv" in zipfile.ZipFile(io.BytesIO(content)).namelist()


def test_month_pack_as_zip(client: TestClient, app: Billify) -> None:
    first, second = upload(client, app), upload(client, app, jpeg_bytes(2))
    answer = client.get("/invoices", params={**LIST, "format": "zip"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    disposition = answer.headers["content-disposition"]
    assert disposition == 'attachment; filename="billify-2026-11.zip"'
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    rows = list(csv.DictReader(io.StringIO(archive.read("billify-2026-11.csv").decode())))
    assert sorted(r["id"] for r in rows) == sorted([first, second])
    assert sorted(archive.namelist()) == sorted([*(r["file"] for r in rows), "billify-2026-11.csv"])
    for row in rows:
        stored = app.repository.get(row["id"])
        assert stored and archive.read(row["file"]) == app.blobs.get(stored.blob_key)
    assert rows[0]["file"].endswith(".jpg") and rows[0]["file"] != rows[1]["file"]
    listed = client.get("/invoices", params=LIST).json()["invoices"]  # the JSON names them too
    assert {i["id"]: i["file"] for i in listed} == {r["id"]: r["file"] for r in rows}


def test_a_pack_with_an_original_gone_and_a_bad_format(client: TestClient, app: Billify) -> None:
    invoice_id = upload(client, app)
    stored = app.repository.get(invoice_id)
    assert stored is not None
    app.blobs.delete(stored.blob_key)
    answer = client.get("/invoices", params={**LIST, "format": "zip"})
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.namelist() == ["billify-2026-11.csv"]
    (row,) = csv.DictReader(io.StringIO(archive.read("billify-2026-11.csv").decode()))
    assert row["id"] == invoice_id and row["file"] == ""
    refused = client.get("/invoices", params={**LIST, "format": "rar"})
    assert refused.status_code == 422 and "error" in refused.json()


def test_the_report_link_session_packs_its_month_only(app: Billify) -> None:
    owner = TestClient(create_app(app))
    upload(owner, app)  # open mode: the form's Ana
    link = action_url(app.links, "http://x", FORM["email"], Scope(month="2026-11"), "view", NOW)
    reader = TestClient(create_app(app))
    assert reader.get(link.removeprefix("http://x"), follow_redirects=False).status_code == 303
    november = reader.get("/invoices", params={**LIST, "format": "zip"})
    assert november.status_code == 200 and november.headers["content-type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(november.content)).namelist()) == 2
    october = reader.get("/invoices", params={**LIST, "month": "2026-10", "format": "zip"})
    assert october.status_code == 403 and october.json()["error"] == "forbidden"


def test_lists_and_thumbnails_are_only_for_the_key_that_uploaded(tmp_path: Path) -> None:
    app = make_app(tmp_path, api_keys=f"ana:{hash_key('ka')},bo:{hash_key('kb')}")
    client = TestClient(create_app(app))
    invoice_id = upload(client, app, **{"x-api-key": "ka"})
    mine = client.get("/invoices", params=LIST, headers={"x-api-key": "ka"}).json()
    theirs = client.get("/invoices", params=LIST, headers={"x-api-key": "kb"}).json()
    assert len(mine["invoices"]) == 1 and theirs["invoices"] == []
    thumb = client.get(f"/invoices/{invoice_id}/thumbnail", headers={"x-api-key": "ka"})
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert (
        client.get(f"/invoices/{invoice_id}/thumbnail", headers={"x-api-key": "kb"}).status_code
        == 404
    )
    assert client.get(f"/invoices/{invoice_id}/thumbnail").status_code == 401


def test_thumbnail_is_small_and_unreadable_files_have_none(
    client: TestClient, app: Billify
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 3000), "white").save(buffer, format="JPEG")
    invoice_id = upload(client, app, buffer.getvalue())
    picture = Image.open(io.BytesIO(client.get(f"/invoices/{invoice_id}/thumbnail").content))
    assert max(picture.size) <= 320
    files = {"file": ("x.pdf", MINIMAL_PDF, "application/pdf")}
    broken = client.post("/upload-invoice", data=FORM, files=files).json()["id"]
    assert client.get(f"/invoices/{broken}/thumbnail").json()["error"] == "no_preview"
    assert client.get("/invoices/unknown/thumbnail").status_code == 404


def test_correcting_a_field_stores_it_as_user_edited(client: TestClient, app: Billify) -> None:
    invoice_id = upload(client, app)
    answer = client.patch(f"/invoices/{invoice_id}", json={"vendor": "Kedai Buku Ali"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["vendor"] == "Kedai Buku Ali" and answer.json()["user_edited"] == [
        "vendor"
    ]
    stored = app.repository.get(invoice_id)
    assert stored and stored.extraction and stored.extraction.confidence["vendor"] == 1.0
    refused = client.patch(f"/invoices/{invoice_id}", json={"total": "twelve"})
    assert refused.status_code == 400 and refused.json()["field"] == "total"
    assert client.patch("/invoices/nope", json={"vendor": "x"}).status_code == 404


def test_a_corrected_total_takes_needs_review_to_processed(
    client: TestClient, app: Billify
) -> None:
    assert isinstance(app.extractor, FakeExtractor)
    app.extractor.result = app.extractor.result.__class__(
        total=None, currency="MYR", vendor="KEDAI", confidence={"vendor": 0.9}
    )
    invoice_id = upload(client, app)
    assert client.get(f"/invoices/{invoice_id}").json()["status"] == "needs_review"
    before = client.get("/invoices", params=LIST).json()
    assert before["totals"] == {}
    fixed = client.patch(f"/invoices/{invoice_id}", json={"total": "7.20"}).json()
    assert fixed["status"] == "processed" and fixed["total"] == "7.20"
    assert client.get("/invoices", params=LIST).json()["totals"] == {"MYR": "7.20"}


def test_an_invoice_still_being_read_cannot_be_corrected(client: TestClient) -> None:
    files = {"file": ("r.jpg", jpeg_bytes(), "image/jpeg")}
    invoice_id = client.post("/upload-invoice", data=FORM, files=files).json()["id"]
    answer = client.patch(f"/invoices/{invoice_id}", json={"vendor": "x"})
    assert answer.status_code == 409 and answer.json()["error"] == "not_ready"


def test_amounts_are_answered_with_two_decimals(client: TestClient, app: Billify) -> None:
    assert isinstance(app.extractor, FakeExtractor)
    app.extractor.result = Extraction(
        total=Decimal("1939"),
        amount_due=Decimal("-8.79"),
        subtotal=Decimal("0.5"),
        currency="EUR",
        vendor="Shop",
        line_items=(LineItem("Pens", Decimal("3"), Decimal("0.125"), Decimal("0.375")),),
        confidence={"total": 0.9, "vendor": 0.9},
    )
    invoice_id = upload(client, app)
    record = client.get(f"/invoices/{invoice_id}").json()
    assert (record["total"], record["amount_due"], record["subtotal"]) == (
        "1939.00",
        "-8.79",
        "0.50",
    )
    assert record["line_items"][0] == {
        "description": "Pens",
        "quantity": "3",
        "unit_price": "0.125",
        "amount": "0.375",
    }
    listing = client.get("/invoices", params=LIST).json()
    assert listing["totals"] == {"EUR": "1939.00"}
    assert listing["invoices"][0]["total"] == "1939.00"
    rows = list(
        csv.DictReader(io.StringIO(client.get("/invoices", params={**LIST, "format": "csv"}).text))
    )
    assert (rows[0]["total"], rows[0]["subtotal"]) == ("1939.00", "0.50")
