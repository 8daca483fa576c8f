"""The monthly report as a mail client shows it: a realistic month (MYR receipts, EUR
invoices, one in dong that the ECB does not publish, several categories, one to review and a
duplicate) rendered in Chromium on a desktop and on a 390 px phone, where nothing may scroll
sideways and both charts must load. Screenshots go to test-artifacts/; with
BILLIFY_UPDATE_DOCS=1 the desktop one also replaces docs/img/report.png (the README's)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from billify.domain import notifications
from tests.conftest import REPO
from tests.unit.test_report_email import report

pytest.importorskip(
    "playwright.sync_api", reason="browser tests need playwright (pip install -e '.[dev]')"
)

PHONE, DESKTOP = 390, 1280
DOCS_IMAGE = REPO / "docs" / "img" / "report.png"


def _open(browser: Any, html: str, width: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
    page.set_content(html, wait_until="load")
    return page


def _images(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(
        "() => [...document.images].map(i => ({alt: i.alt, natural: i.naturalWidth,"
        " shown: i.getBoundingClientRect().width}))"
    )


@pytest.fixture(scope="module")
def html() -> str:
    email = report(
        link="https://billify.example/auth/open?token=t&do=month",
        pack_link="https://billify.example/auth/open?token=p&do=pack",
    )
    return notifications.preview_html(email)


def test_report_on_a_phone_does_not_scroll_sideways(
    browser: Any, artifacts: Path, html: str
) -> None:
    page = _open(browser, html, PHONE)
    try:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE
        images = _images(page)
        category_chart = [i for i in images if "per category" in i["alt"]]
        assert category_chart and category_chart[0]["natural"] > 0  # it loaded
        assert all(0 < i["shown"] <= PHONE for i in images)  # scaled down, not cropped
        page.screenshot(path=str(artifacts / "report-phone.png"), full_page=True)
    finally:
        page.close()


def test_report_on_a_desktop(browser: Any, artifacts: Path, html: str) -> None:
    page = _open(browser, html, DESKTOP)
    try:
        assert all(i["natural"] > 0 for i in _images(page)) and len(_images(page)) == 2
        assert page.get_by_text("Download for your accountant").count() == 1
        shot = artifacts / "report-desktop.png"
        page.screenshot(path=str(shot), full_page=True)
    finally:
        page.close()
    if os.environ.get("BILLIFY_UPDATE_DOCS") == "1":
        shutil.copyfile(shot, DOCS_IMAGE)
