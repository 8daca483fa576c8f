"""Hostile and broken uploads, one row each: a clear 4xx, or accepted and then a safe result
(failed with a reason, or needs_review); the server stays healthy throughout."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from fastapi.testclient import TestClient

from billify.adapters.local.bundled_extractor import BundledExtractor
from billify.bootstrap import LocalBillify, build_local
from billify.config import Settings
from billify.domain.models import InvoiceStatus
from billify.domain.uploads import MAX_UPLOAD_BYTES
from billify.entrypoints.http import create_app
from billify.entrypoints.worker import Worker
from tests.conftest import jpeg_bytes, png_bytes
from tests.fakes import FakeMailer

pytestmark = pytest.mark.slow
OK = {"name": "Ana", "email": "ana@example.com"}


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def decompression_bomb() -> bytes:
    """A few hundred bytes claiming 40000 x 40000 pixels."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 40000, 40000, 8, 0, 0, 0, 0))
    data = png_chunk(b"IDAT", zlib.compress(b"\x00" * 40001 * 4))
    return b"\x89PNG\r\n\x1a\n" + header + data + png_chunk(b"IEND", b"")


def pdf(pages: int, password: str | None = None) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(300, 300)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def truncated_receipt(shared: Callable[[], Path]) -> bytes:
    content = (shared() / "sroie-train/images/000.jpg").read_bytes()
    return content[: len(content) // 3]


# (case, form, file name, content maker, expected HTTP status, final statuses if accepted). A
# maker is handed the shared data set's folder to call if it reads from it: only those cases
# skip without ../shared/data.
REFUSED = [
    ("GIF named .png", OK, "x.png", lambda _: b"GIF89a\x01\x00\x01\x00", 415),
    ("zero bytes", OK, "x.png", lambda _: b"", 400),
    ("10 MB + 1 byte", OK, "x.pdf", lambda _: b"%PDF-" + b"0" * (MAX_UPLOAD_BYTES - 4), 413),
    (
        "name with CR/LF",
        {"name": "Ana\r\nBcc: all@example.com", "email": "a@example.com"},
        "x.png",
        lambda _: png_bytes(),
        400,
    ),
    (
        "malformed email",
        {"name": "Ana", "email": "ana@@example"},
        "x.png",
        lambda _: png_bytes(),
        400,
    ),
    (
        "overlong email",
        {"name": "Ana", "email": "a" * 300 + "@example.com"},
        "x.png",
        lambda _: png_bytes(),
        400,
    ),
    ("missing name", {"email": "a@example.com"}, "x.png", lambda _: png_bytes(), 400),
    ("encrypted PDF", OK, "x.pdf", lambda _: pdf(1, password="secret"), 400),
]
ACCEPTED = [
    (
        "truncated image",
        OK,
        "x.jpg",
        truncated_receipt,
        {InvoiceStatus.FAILED, InvoiceStatus.NEEDS_REVIEW},
    ),
    ("decompression bomb", OK, "x.png", lambda _: decompression_bomb(), {InvoiceStatus.FAILED}),
    ("malformed PDF", OK, "x.pdf", lambda _: b"%PDF-1.7\n garbage \n%%EOF", {InvoiceStatus.FAILED}),
    (
        "PDF of 500 blank pages",
        OK,
        "x.pdf",
        lambda _: pdf(500),
        {InvoiceStatus.NEEDS_REVIEW, InvoiceStatus.FAILED},
    ),
    (
        "path traversal in filename",
        OK,
        "../../../etc/passwd.jpg",
        lambda _: jpeg_bytes(),
        {InvoiceStatus.NEEDS_REVIEW, InvoiceStatus.FAILED},
    ),
    (
        "unicode email",
        {"name": "Zoë", "email": "zoë@exämple.com"},
        "x.png",
        lambda _: png_bytes(),
        {InvoiceStatus.NEEDS_REVIEW, InvoiceStatus.FAILED},
    ),
    (
        "extra fields",
        {**OK, "admin": "true", "status": "processed"},
        "x.png",
        lambda _: png_bytes(9, 9),
        {InvoiceStatus.NEEDS_REVIEW, InvoiceStatus.FAILED},
    ),
]


@pytest.fixture(scope="module")
def extractor() -> BundledExtractor:
    return BundledExtractor()


@pytest.fixture
def app(tmp_path: Path, extractor: BundledExtractor) -> LocalBillify:
    return build_local(Settings(data_dir=tmp_path), extractor=extractor, mailer=FakeMailer())


@pytest.fixture
def shared(request: pytest.FixtureRequest) -> Callable[[], Path]:
    """The ``shared_data`` fixture, asked for (skipping without it) only when called."""
    return lambda: Path(request.getfixturevalue("shared_data"))


@pytest.mark.parametrize(
    ("case", "form", "filename", "make", "status"), REFUSED, ids=[row[0] for row in REFUSED]
)
def test_refused_with_a_clear_4xx(
    app: LocalBillify,
    shared: Callable[[], Path],
    case: str,
    form: dict[str, str],
    filename: str,
    make: Callable[[Callable[[], Path]], bytes],
    status: int,
) -> None:
    client = TestClient(create_app(app))
    response = client.post(
        "/upload-invoice", data=form, files={"file": (filename, make(shared), "image/png")}
    )
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    if case == "encrypted PDF":  # says what to do, in a person's words, not PDFium's
        assert "password" in response.json()["detail"] and "PDFium" not in response.text
    assert app.queue.depth()["visible"] == 0
    assert not [p for p in app.settings.blob_dir.rglob("*") if p.is_file()]
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize(
    ("case", "form", "filename", "make", "outcomes"), ACCEPTED, ids=[row[0] for row in ACCEPTED]
)
def test_accepted_then_handled_safely(
    app: LocalBillify,
    shared: Callable[[], Path],
    case: str,
    form: dict[str, str],
    filename: str,
    make: Callable[[Callable[[], Path]], bytes],
    outcomes: set[InvoiceStatus],
) -> None:
    client = TestClient(create_app(app))
    response = client.post(
        "/upload-invoice",
        data=form,
        files={"file": (filename, make(shared), "application/pdf")},
    )
    assert response.status_code == 202, response.text
    invoice_id = response.json()["id"]
    assert Worker(app).run_once()
    invoice = app.repository.get(invoice_id)
    assert invoice is not None and invoice.status in outcomes, (invoice.status, invoice.error)
    if invoice.status == InvoiceStatus.FAILED:
        assert invoice.error
    assert ".." not in invoice.blob_key and invoice.id in invoice.blob_key
    assert isinstance(app.mailer, FakeMailer) and len(app.mailer.sent) == 1  # user is told
    assert client.get("/health").status_code == 200


def test_html_in_name_and_vendor_arrives_escaped(app: LocalBillify) -> None:
    client = TestClient(create_app(app))
    response = client.post(
        "/upload-invoice",
        data={"name": "<script>alert(1)</script>", "email": "a@example.com"},
        files={"file": ("x.png", png_bytes(), "image/png")},
    )
    assert response.status_code == 202
    Worker(app).run_once()
    assert isinstance(app.mailer, FakeMailer)
    html = app.mailer.sent[0].html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
