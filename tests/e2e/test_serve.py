"""The whole path as a user lives it: `billify serve` in its own process, real receipts uploaded
over HTTP, the real OCR engine, notices and monthly reports received by a real SMTP server."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.processes import billify_serve, wait_for
from tests.sessions import link_in
from tests.smtp_server import RecordingHandler, smtp_server

pytestmark = pytest.mark.slow

# Receipts from the shared SROIE set: (file, uploader email); totals come from the manifest.
UPLOADS = [
    ("images/000.jpg", "ana@example.com"),
    ("images/001.jpg", "ana@example.com"),
    ("images/002.jpg", "bo@example.com"),
]


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def environment(tmp_path: Path, smtp: tuple[RecordingHandler, int]) -> dict[str, str]:
    return {
        **os.environ,
        "BILLIFY_DATA_DIR": str(tmp_path / "var"),
        "BILLIFY_SMTP_HOST": "127.0.0.1",
        "BILLIFY_SMTP_PORT": str(smtp[1]),
        "BILLIFY_MAIL_FROM": "Billify <billify@example.com>",
        "BILLIFY_POLL_INTERVAL": "0.1",
    }


@pytest.fixture
def server(environment: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with billify_serve(environment, tmp_path / "serve.log") as base:
        yield base


def signed_in(server: str, handler: RecordingHandler, email: str) -> httpx.Client:
    """A browser signed in as ``email`` by the link the real SMTP server received."""
    client = httpx.Client(base_url=server, timeout=30, headers={"origin": server})
    before = len(handler.received())
    assert client.post("/auth/sign-in", json={"email": email}).status_code == 202
    wait_for(lambda: len(handler.received()) > before, 30, "the sign-in email")
    mail = next(m for m in handler.received()[before:] if m["To"].addresses[0].addr_spec == email)
    body = mail.get_body(("plain",))
    assert body is not None
    assert client.get(link_in(body.get_content()), follow_redirects=False).status_code == 303
    return client


def labels(shared: Path) -> dict[str, Decimal]:
    lines = (shared / "sroie-train/manifest.jsonl").read_text().splitlines()
    wanted = {file for file, _ in UPLOADS}
    rows = [row for row in map(json.loads, lines) if row["file"] in wanted]
    return {row["file"]: Decimal(re.sub(r"[^0-9.]", "", row["total"])) for row in rows}


def test_upload_notice_and_monthly_report(
    server: str,
    smtp: tuple[RecordingHandler, int],
    environment: dict[str, str],
    shared_data: Path,
) -> None:
    handler, _ = smtp
    totals = labels(shared_data)
    ids: dict[str, str] = {}
    with httpx.Client(base_url=server, timeout=30) as client:
        refused = client.post(
            "/upload-invoice",
            data={"name": "Ana", "email": "nope"},
            files={"file": ("a.jpg", b"not an image", "image/jpeg")},
        )
        assert refused.status_code in (400, 415) and refused.json()["detail"]
        for file, email in UPLOADS:
            content = (shared_data / "sroie-train" / file).read_bytes()
            response = client.post(
                "/upload-invoice",
                data={"name": email.split("@")[0].title(), "email": email},
                files={"file": (Path(file).name, content, "image/jpeg")},
            )
            assert response.status_code == 202, response.text
            ids[file] = response.json()["id"]

    wait_for(lambda: len(handler.received()) >= len(UPLOADS), 180, "one notice per upload")
    people = {email: signed_in(server, handler, email) for _, email in UPLOADS}
    for file, invoice_id in ids.items():
        owner = dict(UPLOADS)[file]
        record = people[owner].get(f"/invoices/{invoice_id}").json()
        assert record["status"] == "processed", record
        assert Decimal(record["total"]) == totals[file] and record["currency"] == "MYR"
        notice = next(
            m for m in handler.received() if m["X-Billify-Key"] == f"notice:{invoice_id}"
        )
        assert f"MYR {totals[file]:,.2f}" in str(notice["Subject"])
        for other, session in people.items():  # nobody else sees it, not even that it exists
            if other != owner:
                assert session.get(f"/invoices/{invoice_id}").status_code == 404
    with httpx.Client(base_url=server, timeout=30) as anonymous:
        assert anonymous.get(f"/invoices/{ids[UPLOADS[0][0]]}").status_code == 401

    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    before = len(handler.received())
    for _ in range(2):  # the second run must send nothing
        subprocess.run(
            [sys.executable, "-m", "billify.entrypoints.cli", "report", "--month", month],
            env={**environment, "BILLIFY_TIMEZONE": "UTC"},
            cwd=REPO,
            check=True,
            capture_output=True,
        )
    reports = [
        m for m in handler.received()[before:] if str(m["X-Billify-Key"]).startswith("report:")
    ]
    assert sorted(m["To"].addresses[0].addr_spec for m in reports) == [
        "ana@example.com",
        "bo@example.com",
    ]
    ana = next(m for m in reports if m["To"].addresses[0].addr_spec == "ana@example.com")
    ana_sum = sum((totals[f] for f, e in UPLOADS if e == "ana@example.com"), Decimal(0))
    body = ana.get_body(("plain",))
    # As printed (beside the home currency's), with the no-break space money is written with.
    assert body is not None and f"MYR\xa0{ana_sum:,.2f}" in body.get_content()
    assert "2 invoices" in body.get_content()
