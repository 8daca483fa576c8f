from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from billify.bootstrap import Billify
from billify.config import Settings
from billify.domain.uploads import MAX_UPLOAD_BYTES
from billify.entrypoints.http import create_app
from tests.conftest import MINIMAL_PDF, jpeg_bytes, png_bytes
from tests.fakes import (
    FakeBlobStore,
    FakeMailer,
    FakeQueue,
    FakeRepository,
    fake_app,
)
from tests.sessions import sign_in

FORM = {"name": "Ana", "email": "ana@example.com"}


@pytest.fixture
def app(tmp_path: Path) -> Billify:
    return fake_app(Settings(data_dir=tmp_path))


@pytest.fixture
def client(app: Billify) -> TestClient:
    """Signed in as Ana, the uploader of the tests' invoices."""
    client = TestClient(create_app(app))
    assert isinstance(app.mailer, FakeMailer)
    sign_in(client, app.mailer.sent, FORM["email"])
    app.mailer.sent.clear()
    return client


def nothing_stored(app: Billify) -> bool:
    assert isinstance(app.blobs, FakeBlobStore) and isinstance(app.queue, FakeQueue)
    assert isinstance(app.repository, FakeRepository)
    return not app.blobs.blobs and not app.queue.messages and not app.repository.invoices


@pytest.mark.parametrize("content", [png_bytes(), jpeg_bytes(), MINIMAL_PDF])
def test_upload_is_accepted_and_queued(client: TestClient, app: Billify, content: bytes) -> None:
    response = client.post(
        "/upload-invoice",
        data=FORM,
        files={"file": ("whatever.bin", content, "application/octet-stream")},
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued" and len(body["id"]) == 32
    assert isinstance(app.queue, FakeQueue) and app.queue.messages[0].invoice_id == body["id"]
    record = client.get(f"/invoices/{body['id']}")
    assert record.status_code == 200
    assert record.json()["status"] == "queued" and record.json()["email"] == "ana@example.com"


def test_same_file_again_answers_with_the_existing_id(client: TestClient) -> None:
    files = {"file": ("a.png", png_bytes(), "image/png")}
    first = client.post("/upload-invoice", data=FORM, files=files).json()
    second = client.post("/upload-invoice", data=FORM, files=files)
    assert second.status_code == 200
    assert second.json()["id"] == first["id"] and second.json()["duplicate"] is True


@pytest.mark.parametrize(
    ("form", "file", "status", "field"),
    [
        (FORM, ("x.png", b"GIF89a fake", "image/png"), 415, "file"),
        (FORM, ("x.png", b"", "image/png"), 400, "file"),
        (FORM, ("x.pdf", b"%PDF-" + b"0" * MAX_UPLOAD_BYTES, "application/pdf"), 413, "file"),
        (
            {"name": "Ana", "email": "not-an-email"},
            ("x.png", png_bytes(), "image/png"),
            400,
            "email",
        ),
        ({"name": "Ana"}, ("x.png", png_bytes(), "image/png"), 400, "email"),
        ({"name": "", "email": "a@example.com"}, ("x.png", png_bytes(), "image/png"), 400, "name"),
        (
            {"name": "Eve\r\nBcc: v@example.com", "email": "a@example.com"},
            ("x.png", png_bytes(), "image/png"),
            400,
            "name",
        ),
        (FORM, None, 400, "file"),
    ],
)
def test_bad_uploads_get_a_clear_4xx_and_nothing_is_stored(
    app: Billify,
    form: dict[str, str],
    file: tuple[str, bytes, str] | None,
    status: int,
    field: str,
) -> None:
    files = {"file": file} if file else None
    client = TestClient(create_app(app))  # the seed's contract: no session, name and email
    response = client.post("/upload-invoice", data=form, files=files)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["field"] == field and body["detail"]
    assert nothing_stored(app)


def test_non_multipart_body_is_refused(client: TestClient, app: Billify) -> None:
    response = client.post("/upload-invoice", json={"name": "Ana"})
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()
    assert nothing_stored(app)


def test_declared_oversized_body_is_refused_before_reading(client: TestClient) -> None:
    response = client.post(
        "/upload-invoice",
        content=b"x",
        headers={
            "content-length": str(MAX_UPLOAD_BYTES * 2),
            "content-type": "multipart/form-data; boundary=x",
        },
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "file is larger than 10 MB"  # a person's unit


def test_unknown_invoice_is_404_json(client: TestClient) -> None:
    response = client.get("/invoices/nope")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_health_and_docs(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/upload-invoice" in schema["paths"] and "/invoices/{invoice_id}" in schema["paths"]


def likely_duplicate(client: TestClient, app: Billify) -> tuple[str, str]:
    """Two uploads, the second marked a likely duplicate of the first: their ids."""
    from billify.domain.models import InvoiceStatus

    first = client.post(
        "/upload-invoice", data=FORM, files={"file": ("a.png", png_bytes(8, 8), "image/png")}
    ).json()["id"]
    second = client.post(
        "/upload-invoice", data=FORM, files={"file": ("b.png", png_bytes(9, 9), "image/png")}
    ).json()["id"]
    assert isinstance(app.repository, FakeRepository)
    stored = app.repository.invoices[second]
    app.repository.save(stored.with_changes(duplicate_of=first, status=InvoiceStatus.PROCESSED))
    return first, second


def test_patch_clears_a_likely_duplicate(client: TestClient, app: Billify) -> None:
    first, second = likely_duplicate(client, app)
    assert client.get(f"/invoices/{second}").json()["duplicate_of"] == first
    response = client.patch(f"/invoices/{second}", json={"not_duplicate": True})
    assert response.status_code == 200 and response.json()["duplicate_of"] is None
    assert client.patch("/invoices/missing", json={"not_duplicate": True}).status_code == 404


def test_a_patch_refused_in_part_changes_nothing(client: TestClient, app: Billify) -> None:
    first, second = likely_duplicate(client, app)
    both = {"not_duplicate": True, "total": "twelve"}
    response = client.patch(f"/invoices/{second}", json=both)
    assert response.status_code == 400 and response.json()["field"] == "total"
    assert client.get(f"/invoices/{second}").json()["duplicate_of"] == first  # not half done
    fixed = client.patch(f"/invoices/{second}", json={**both, "total": "12.50"}).json()
    assert fixed["duplicate_of"] is None and fixed["total"] == "12.50"
