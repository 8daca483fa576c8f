"""The web page in a real browser: `billify serve` in its own process with API keys on, a real
SROIE receipt uploaded through the page, read by the real OCR engine, a field corrected in place
with the keyboard, the list checked; then the monthly report previewed and looked at. The
screenshots are kept in test-artifacts/ for a person to look at."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from billify.domain.access import hash_key, new_key
from tests.conftest import REPO
from tests.processes import billify_serve

pytestmark = pytest.mark.slow

RECEIPT = "sroie-train/images/000.jpg"
KEY = new_key()


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BILLIFY_DATA_DIR": str(tmp_path / "var"),
        "BILLIFY_POLL_INTERVAL": "0.1",
        "BILLIFY_API_KEYS": f"ana:{hash_key(KEY)}",
        "BILLIFY_TIMEZONE": "UTC",
    }


@pytest.fixture
def server(environment: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with billify_serve(environment, tmp_path / "serve.log") as base:
        yield base


def test_upload_correct_and_list_in_a_real_browser(
    server: str,
    browser: Any,
    shared_data: Path,
    artifacts: Path,
    environment: dict[str, str],
    tmp_path: Path,
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server)

    # Every form control has a label (screen readers, and clicking the label focuses it).
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input')].filter(i => !i.labels.length).map(i => i.id)"
    )
    assert unlabelled == []

    page.get_by_label("Name").fill("Ana Lima")
    page.get_by_label("Email").fill("ana.lima@example.com")
    page.get_by_text("API key", exact=True).click()
    page.get_by_label("API key").fill(KEY)
    page.set_input_files("#files", str(shared_data / RECEIPT))

    upload = page.locator(".upload").first
    upload.locator("progress").wait_for(state="attached")
    page.wait_for_selector(
        ".upload[data-status=processed], .upload[data-status=needs_review]", timeout=90_000
    )
    assert upload.get_attribute("data-status") == "processed", upload.inner_text()
    invoice_id = upload.get_attribute("data-id")
    assert invoice_id

    row = page.locator(f'.invoice[data-id="{invoice_id}"]')
    row.wait_for()
    assert row.locator('[data-field="total"]').inner_text() == "9.00"
    assert row.locator('[data-field="currency"]').inner_text() == "MYR"
    page.wait_for_function(
        "id => document.querySelector(`.invoice[data-id='${id}'] img.thumb`)?.naturalWidth > 0",
        arg=invoice_id,
    )

    # Correct the vendor in place, with the keyboard only.
    row.locator('[data-field="vendor"]').focus()
    page.keyboard.press("Enter")
    editor = row.locator("form.edit input")
    editor.press("Control+a")
    editor.type("Corner Bookshop")
    # A wrong value is refused with a message next to the field, and nothing is stored.
    editor.press("Enter")
    row.locator('[data-field="vendor"]', has_text="Corner Bookshop").wait_for()
    row.locator(".badge.edited").wait_for()

    row.locator('[data-field="total"]').click()
    total = row.locator("form.edit input")
    total.fill("nine")
    total.press("Enter")
    alert = row.locator("form.edit .error")
    alert.wait_for()
    assert "number" in alert.inner_text()
    total.press("Escape")
    assert row.locator('[data-field="total"]').inner_text() == "9.00"

    headers = {"x-api-key": KEY}
    record = httpx.get(f"{server}/invoices/{invoice_id}", headers=headers).json()
    assert record["vendor"] == "Corner Bookshop" and record["user_edited"] == ["vendor"]
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    listing = httpx.get(
        f"{server}/invoices",
        params={"email": "ana.lima@example.com", "month": month},
        headers=headers,
    ).json()
    assert listing["totals"] == {"MYR": "9.00"}
    assert [i["vendor"] for i in listing["invoices"]] == ["Corner Bookshop"]
    assert httpx.get(f"{server}/invoices/{invoice_id}/thumbnail").status_code == 401

    page.screenshot(path=str(artifacts / "web.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "web-phone.png"), full_page=True)
    assert errors == []

    # The monthly report, written without sending, uses the correction and shows its chart.
    preview = tmp_path / "report.html"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "billify.entrypoints.cli",
            "report",
            "--month",
            month,
            "--preview",
            str(preview),
        ],
        env=environment,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    html = preview.read_text()
    assert "Corner Bookshop" in html and "MYR 9.00" in html
    report = browser.new_page(viewport={"width": 700, "height": 900})
    report.goto(preview.as_uri())
    chart_width = report.evaluate("document.querySelector('img[alt^=\"Bar chart\"]').naturalWidth")
    assert chart_width == 1200  # drawn at twice its display width
    report.screenshot(path=str(artifacts / "report.png"), full_page=True)
