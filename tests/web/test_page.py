"""The web page in a real browser, against `billify serve` in its own process with the real OCR.

Signed in (the default, ``BILLIFY_AUTH=on``): Ana asks for a sign-in link on the page, opens it
from the outbox (no SMTP configured: each email is a ``.eml`` file there), uploads real SROIE
receipts, has a refused file explained, keeps a likely duplicate as its own expense and then
deletes it, confirms an invoice to check, sees on the thumbnail where a field was read while
correcting it, replaces an unreadable scan by a better photo, and opens the page from links like
those in her emails. Bruno, in another browser, sees none of it; a request riding Ana's cookie
from another site is refused. The page must fit a phone. Open mode (``BILLIFY_AUTH=off``) keeps
the old name-and-email form. Screenshots land in test-artifacts/ for a person to look at."""

from __future__ import annotations

import datetime as dt
import email
import io
import os
import re
import smtplib
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
import pytest
from PIL import Image

from billify.domain.auth import ActionLinks, Scope
from tests.conftest import MINIMAL_PDF, REPO
from tests.mail import mail_bytes
from tests.processes import billify_serve, wait_for
from tests.sessions import link_in
from tests.smtp_server import free_port

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Locator, Page, Route

pytestmark = pytest.mark.slow
expect = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need playwright (pip install -e '.[dev]')"
).expect
expect.set_options(timeout=15_000)  # waits end as soon as the condition holds

RECEIPT = "sroie-train/images/000.jpg"  # TAN WOON YANN bookshop, MYR 9.00
BETTER_PHOTO = "sroie-train/images/001.jpg"
SECRET = "web-page-test-secret-0123456789abcdef"  # signs the links "in emails" made here
ANA, BRUNO, CARLA = "ana.lima@example.com", "bruno@example.com", "carla@example.com"
FINAL = re.compile(r"^(processed|needs_review|failed)$")
WAIT = 60_000  # ms: reading a receipt takes a couple of seconds; this is only a ceiling
PHONE = 390

# Elements whose right edge passes the viewport, unless an ancestor clips or scrolls them.
OVERFLOWING = """limit => {
  const clipped = (node) => {
    for (let p = node.parentElement; p && p !== document.body; p = p.parentElement) {
      if (/hidden|auto|scroll|clip/.test(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll('*')]
    .filter((node) => {
      const box = node.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && box.right > limit + 0.5 && !clipped(node);
    })
    .map((node) => `${node.tagName.toLowerCase()}#${node.id}.${node.className}`
      + ` right=${Math.round(node.getBoundingClientRect().right)}`);
}"""


def _clean_environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("BILLIFY_")}
    return {
        **inherited,
        "BILLIFY_DATA_DIR": str(tmp_path / "var"),
        "BILLIFY_POLL_INTERVAL": "0.1",
        "BILLIFY_TIMEZONE": "UTC",
        "BILLIFY_WORKERS": "2",
        **settings,
    }


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return _clean_environment(
        tmp_path,
        BILLIFY_AUTH="on",
        BILLIFY_SECRET_KEY=SECRET,
        # Every total read by OCR is then "to check": the page's "Looks right" gets used.
        BILLIFY_REVIEW_THRESHOLD="0.99",
    )


@pytest.fixture
def server(environment: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with billify_serve(environment, tmp_path / "serve.log") as base:
        yield base


class Outbox:
    """The emails `billify serve` wrote (no SMTP server configured), read once each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: set[str] = set()

    def next_to(self, address: str, subject: str, timeout: float = 10) -> EmailMessage:
        found: list[EmailMessage] = []

        def arrived() -> bool:
            for path in sorted(self.folder.glob("*.eml")):
                if path.name in self.seen:
                    continue
                message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
                assert isinstance(message, EmailMessage)
                if address in str(message["To"]) and subject in str(message["Subject"]):
                    self.seen.add(path.name)
                    found.append(message)
                    return True
            return False

        wait_for(arrived, timeout, f"an email to {address} about {subject!r}")
        return found[0]

    def sign_in_link(self, address: str) -> str:
        message = self.next_to(address, "sign-in link")
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        return link_in(body.get_content())


def _watch(page: Page, problems: list[str]) -> None:
    """Collect script errors and CSP violations (answers like 401 or 404 are expected)."""

    def console(message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or (
            message.type == "error" and "Failed to load resource" not in text
        ):
            problems.append(f"console: {text}")

    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", console)


def sign_in_on_page(page: Page, base: str, outbox: Outbox, address: str) -> None:
    page.goto(base)
    page.locator("#sign-in-email").fill(address)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.locator("#sent-to")).to_have_text(address)
    page.goto(base + outbox.sign_in_link(address))
    expect(page.locator("#account-email")).to_have_text(address)


def upload_item(page: Page, filename: str) -> Locator:
    return page.locator(".upload").filter(
        has=page.locator(".file").get_by_text(filename, exact=True)
    )


def upload_and_wait(page: Page, path: Path) -> str:
    """Upload through the page's file picker; the invoice's id once it has been read."""
    page.set_input_files("#files", str(path))
    item = upload_item(page, path.name)
    expect(item).to_have_attribute("data-status", FINAL, timeout=WAIT)
    invoice_id = item.get_attribute("data-id")
    assert invoice_id
    return invoice_id


def row_of(page: Page, invoice_id: str) -> Locator:
    return page.locator(f'.invoice[data-id="{invoice_id}"]')


def link_from_email(base: str, address: str, scope: Scope, do: str) -> str:
    """A link like those in notices and reports (signed with the server's secret)."""
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    token = ActionLinks(SECRET.encode()).sign(address, scope, expires)
    return f"{base}/auth/open?{urlencode({'token': token, 'do': do})}"


def active_action(page: Page) -> str | None:
    value: str | None = page.evaluate("document.activeElement?.dataset?.action ?? null")
    return value


def assert_mark_over(row: Locator, box: list[float]) -> None:
    """The outline over the thumbnail sits where the field was read (fractions of the page)."""
    mark = row.locator(".mark")
    expect(mark).to_be_visible()
    picture = row.locator("img.thumb").bounding_box()
    outline = mark.bounding_box()
    assert picture and outline
    x0, y0, x1, y1 = box
    expected = (
        picture["x"] + x0 * picture["width"],
        picture["y"] + y0 * picture["height"],
        (x1 - x0) * picture["width"],
        (y1 - y0) * picture["height"],
    )
    found = (outline["x"], outline["y"], outline["width"], outline["height"])
    assert all(abs(a - b) < 1.5 for a, b in zip(found, expected, strict=True)), (found, expected)


def assert_fits_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    assert page.evaluate(OVERFLOWING, PHONE) == []


def reencoded(source: Path, target: Path) -> Path:
    """Another file of the same receipt: other bytes, the same vendor, date and total."""
    buffer = io.BytesIO()
    with Image.open(source) as image:
        image.save(buffer, format="JPEG", quality=85)
    target.write_bytes(buffer.getvalue())
    return target


def test_signed_in_page_in_a_real_browser(
    server: str,
    browser: Any,
    shared_data: Path,
    artifacts: Path,
    environment: dict[str, str],
    tmp_path: Path,
) -> None:
    outbox = Outbox(Path(environment["BILLIFY_DATA_DIR"]) / "outbox")
    problems: list[str] = []
    ana = browser.new_context(viewport={"width": 1100, "height": 900})
    page = ana.new_page()
    _watch(page, problems)

    # --- signing in ------------------------------------------------------------------------
    page.goto(server)
    expect(page.locator("#sign-in-email")).to_be_focused()
    for hidden in ("#you", "#upload", "#month", "#account"):
        expect(page.locator(hidden)).to_be_hidden()
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input')].filter(i => !i.labels.length).map(i => i.id)"
    )
    assert unlabelled == []
    page.screenshot(path=str(artifacts / "page-sign-in.png"), full_page=True)

    # An address the browser lets through but the server refuses: its reason, at the field.
    page.locator("#sign-in-email").fill("ana@example")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.locator("#sign-in-error")).to_contain_text("not valid")
    expect(page.locator("#sign-in-email")).to_have_attribute("aria-invalid", "true")

    sign_in_on_page(page, server, outbox, ANA)
    expect(page.locator("#upload")).to_be_visible()
    expect(page.locator("#you")).to_be_hidden()  # no name, email or key to type any more
    expect(page.locator("#sign-in")).to_be_hidden()
    cookies = {c["name"]: c["value"] for c in ana.cookies()}
    assert cookies.get("billify_session")
    as_ana = httpx.Client(base_url=server, cookies=cookies, headers={"origin": server})

    # --- uploads: a receipt, a refused file, another copy of the same receipt --------------
    receipt = shared_data / RECEIPT
    first = upload_and_wait(page, receipt)
    row = row_of(page, first)
    expect(row).to_have_attribute("data-status", "needs_review")
    expect(row.locator('[data-field="total"]')).to_have_text("9.00")
    expect(row.locator('[data-field="currency"]')).to_have_text("MYR")
    page.wait_for_function(
        "id => document.querySelector(`.invoice[data-id='${id}'] img.thumb`)?.naturalWidth > 0",
        arg=first,
    )

    notes = tmp_path / "notes.txt"
    notes.write_text("not an invoice")
    page.set_input_files("#files", str(notes))
    refused = upload_item(page, "notes.txt")
    expect(refused).to_have_attribute("data-status", "rejected")
    expect(refused.locator(".detail")).to_contain_text("unsupported file type")
    expect(refused.locator("progress")).to_be_hidden()

    copy = upload_and_wait(page, reencoded(receipt, tmp_path / "000-copy.jpg"))
    assert as_ana.get(f"/invoices/{copy}").json()["duplicate_of"] == first
    expect(row_of(page, copy).locator(".badge.duplicate")).to_be_visible()
    expect(row_of(page, copy).get_by_role("button", name="Not a duplicate")).to_be_visible()
    expect(page.locator("#totals")).to_have_text("")  # both still to check: not counted yet

    # --- a link from an email: "not a duplicate" ---------------------------------------------
    page.goto(link_from_email(server, ANA, Scope(invoice_id=copy), "not-duplicate"))
    expect(row_of(page, copy)).to_have_class(re.compile(r"\btarget\b"))
    page.wait_for_function("() => document.activeElement?.dataset?.action === 'not-duplicate'")
    page.keyboard.press("Enter")
    expect(row_of(page, copy).locator(".badge.duplicate")).to_have_count(0)
    assert as_ana.get(f"/invoices/{copy}").json()["duplicate_of"] is None

    # --- delete, with a confirm step inline (Escape keeps it) --------------------------------
    copy_row = row_of(page, copy)
    copy_row.get_by_role("button", name="Delete").click()
    expect(copy_row.get_by_role("group")).to_contain_text("for good")
    assert active_action(page) == "keep"
    page.keyboard.press("Escape")
    assert active_action(page) == "delete"
    copy_row.get_by_role("button", name="Delete").click()
    copy_row.get_by_role("button", name="Delete for good").click()
    expect(copy_row).to_have_count(0)
    expect(page.locator(".invoice")).to_have_count(1)
    assert as_ana.get(f"/invoices/{copy}").status_code == 404

    # --- a link from an email: "looks right" -------------------------------------------------
    page.goto(link_from_email(server, ANA, Scope(invoice_id=first), "confirm"))
    page.wait_for_function("() => document.activeElement?.dataset?.action === 'looks-right'")
    expect(row).to_have_class(re.compile(r"\btarget\b"))
    page.keyboard.press("Enter")
    expect(row).to_have_attribute("data-status", "processed")
    expect(page.locator("#totals")).to_have_text("Spent: MYR 9.00")
    assert as_ana.get(f"/invoices/{first}").json()["status"] == "processed"

    # --- where a field was read, then correcting it with the keyboard ------------------------
    evidence = as_ana.get("/invoices").json()["invoices"][0]["evidence"]
    assert evidence["vendor"]["page"] == 0
    vendor = row.locator('[data-field="vendor"]')
    vendor.focus()
    assert_mark_over(row, evidence["vendor"]["box"])
    page.keyboard.press("Enter")
    editor = row.locator("form.edit input")
    expect(editor).to_be_focused()
    expect(row).to_have_class(re.compile(r"\binspecting\b"))  # a bigger picture, outlined
    assert_mark_over(row, evidence["vendor"]["box"])
    editor.press("Control+a")
    editor.type("Corner Bookshop")
    editor.press("Enter")
    expect(row.locator('[data-field="vendor"]')).to_have_text("Corner Bookshop")
    expect(row.locator(".badge.edited")).to_be_visible()

    row.locator('[data-field="total"]').click()
    assert_mark_over(row, evidence["total"]["box"])
    total = row.locator("form.edit input")
    total.fill("nine")
    total.press("Enter")
    expect(row.locator("form.edit .error")).to_contain_text("number")
    total.press("Escape")
    expect(row.locator('[data-field="total"]')).to_have_text("9.00")
    expect(row).not_to_have_class(re.compile(r"\binspecting\b"))
    record = as_ana.get(f"/invoices/{first}").json()
    assert record["vendor"] == "Corner Bookshop" and "vendor" in record["user_edited"]

    # --- an unreadable scan, replaced by a better photo -------------------------------------
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(MINIMAL_PDF)
    unreadable = upload_and_wait(page, scan)
    scan_row = row_of(page, unreadable)
    expect(scan_row).to_have_attribute("data-status", "failed")
    expect(scan_row.locator(".reason")).to_contain_text("the PDF is damaged and cannot be opened")
    with page.expect_file_chooser() as chooser:
        scan_row.get_by_role("button", name="Replace with a better photo").click()
    chooser.value.set_files(str(shared_data / BETTER_PHOTO))
    replaced = page.locator(".invoice").filter(
        has=page.locator(".filename").get_by_text(BETTER_PHOTO.rsplit("/", 1)[1], exact=True)
    )
    expect(replaced).to_have_attribute("data-status", FINAL, timeout=WAIT)
    better = replaced.get_attribute("data-id")
    assert better and better != unreadable
    expect(replaced.locator(".reason")).to_have_count(0)
    assert as_ana.get(f"/invoices/{unreadable}").status_code == 404
    expect(row_of(page, unreadable)).to_have_count(0)

    # --- #month=YYYY-MM selects that month ---------------------------------------------------
    this_month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    page.goto(f"{server}/#month=2020-01")
    expect(page.locator("#month-pick")).to_have_value("2020-01")
    expect(page.locator("#list-message")).to_have_text("No invoice received this month yet.")
    page.goto(f"{server}/#month={this_month}")
    expect(page.locator(".invoice")).to_have_count(2)

    page.screenshot(path=str(artifacts / "page-desktop.png"), full_page=True)
    page.set_viewport_size({"width": PHONE, "height": 844})
    assert_fits_phone(page)
    page.screenshot(path=str(artifacts / "page-phone.png"), full_page=True)
    # Still within the phone with a correction or a delete question open.
    row.locator('[data-field="vendor"]').click()
    assert_fits_phone(page)
    page.keyboard.press("Escape")
    row.get_by_role("button", name="Delete").click()
    assert_fits_phone(page)
    page.keyboard.press("Escape")
    expect(row.get_by_role("group")).to_have_count(0)

    # --- a link opened in a browser that is not signed in: that invoice only ---------------
    stranger = browser.new_context(viewport={"width": PHONE, "height": 844})
    opened = stranger.new_page()
    _watch(opened, problems)
    opened.goto(link_from_email(server, ANA, Scope(invoice_id=first), "fix"))
    expect(opened.locator("#scope-note")).to_have_text(
        "Opened from an email: sign in to see all your invoices."
    )
    expect(opened.locator("#sign-in-email")).to_have_value(ANA)
    expect(opened.locator(".invoice")).to_have_count(1)
    expect(opened.locator(f'.invoice[data-id="{first}"] form.edit input')).to_be_focused()
    expect(opened.locator("#upload")).to_be_hidden()
    assert_fits_phone(opened)
    opened.keyboard.press("Escape")
    stranger.close()

    # --- Bruno, in another browser, sees none of Ana's invoices -----------------------------
    bruno = browser.new_context(viewport={"width": 1100, "height": 900})
    other = bruno.new_page()
    _watch(other, problems)
    # Carla's address has had its sign-in emails for the hour: the page says to wait.
    for _ in range(5):
        assert httpx.post(f"{server}/auth/sign-in", json={"email": CARLA}).status_code == 202
    other.goto(server)
    other.locator("#sign-in-email").fill(CARLA)
    other.get_by_role("button", name="Email me a sign-in link").click()
    expect(other.locator("#sign-in-error")).to_contain_text("Too many sign-in requests")

    sign_in_on_page(other, server, outbox, BRUNO)
    expect(other.locator("#list-message")).to_have_text("No invoice received this month yet.")
    expect(other.locator(".invoice")).to_have_count(0)
    statuses = other.evaluate(
        """async ids => Promise.all(ids.flatMap(id => [
             fetch(`/invoices/${id}`).then(r => r.status),
             fetch(`/invoices/${id}/thumbnail`).then(r => r.status),
             fetch(`/invoices/${id}`, {method: 'DELETE'}).then(r => r.status),
           ]))""",
        [first, better],
    )
    assert statuses == [404] * 6
    listed = other.evaluate(
        "email => fetch(`/invoices?email=${encodeURIComponent(email)}`).then(r => r.status)", ANA
    )
    assert listed == 403
    bruno.close()

    # --- another site cannot ride Ana's cookie ----------------------------------------------
    evil = {"origin": "https://evil.example"}
    assert as_ana.patch(f"/invoices/{first}", json={}, headers=evil).status_code == 403
    assert as_ana.delete(f"/invoices/{first}", headers=evil).status_code == 403
    assert as_ana.post("/auth/sign-out", headers=evil).status_code == 403
    assert as_ana.patch(f"/invoices/{first}", json={}).status_code == 200  # from the page: fine

    # --- signing out -------------------------------------------------------------------------
    page.set_viewport_size({"width": 1100, "height": 900})
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in-email")).to_be_visible()
    expect(page.locator("#session-note")).to_have_text("You are signed out.")
    expect(page.locator(".invoice")).to_have_count(0)
    assert as_ana.get("/me").status_code == 401
    ana.close()
    assert problems == []


def _is_month_list(url: str) -> bool:
    return "/invoices?" in url and "format=" not in url


def _with_conversion(route: Route) -> None:
    """The month's list as a server converting to EUR answers it (``home_amount``...)."""
    response = route.fetch()
    body = response.json()
    for invoice in body["invoices"]:
        if invoice.get("currency") == "MYR" and invoice.get("home_amount") is None:
            invoice.update(
                home_amount="1.91", home_currency="EUR", rate="0.2122", rate_date="2018-12-24"
            )
    route.fulfill(response=response, json=body)


def test_settings_categories_and_the_accountants_zip(
    server: str,
    browser: Any,
    shared_data: Path,
    artifacts: Path,
    environment: dict[str, str],
) -> None:
    """Ana chooses her language and home currency, corrects an invoice's category with its
    select, and downloads the month's ZIP for her accountant: from the month's link, and
    from the report's pack link (``#month=...&do=export``), which downloads it once."""
    outbox = Outbox(Path(environment["BILLIFY_DATA_DIR"]) / "outbox")
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    _watch(page, problems)
    sign_in_on_page(page, server, outbox, ANA)
    as_ana = httpx.Client(
        base_url=server,
        cookies={c["name"]: c["value"] for c in context.cookies()},
        headers={"origin": server},
    )

    # --- an invoice's category, corrected with its select ---------------------------------
    invoice_id = upload_and_wait(page, shared_data / RECEIPT)
    row = row_of(page, invoice_id)
    record = as_ana.get(f"/invoices/{invoice_id}").json()
    category = row.locator('[data-field="category"]')
    if "category" not in record:  # the records do not carry it yet: the page shows none
        expect(category).to_have_count(0)
    else:
        category.click()
        choice = row.locator("form.edit select")
        expect(choice).to_be_focused()
        wanted = "office" if record["category"] != "office" else "shopping"
        choice.select_option(wanted)
        row.locator("form.edit").get_by_role("button", name="Save").click()
        expect(row.locator('[data-field="category"]')).to_have_text(wanted.capitalize())
        saved = as_ana.get(f"/invoices/{invoice_id}").json()
        assert saved["category"] == wanted and "category" in saved["user_edited"]
    # Her home currency is still the server's (EUR): the MYR total shows its conversion
    # beside it, the rate in its tooltip (a conversion supplied here if the server has none).
    if record.get("home_amount") is None:
        page.route(_is_month_list, _with_conversion)
        page.reload()
    converted = row_of(page, invoice_id).locator(".home-amount")
    expect(converted).to_have_text(re.compile(r"^≈ EUR \d+\.\d\d$"))
    expect(converted).to_have_attribute("title", re.compile(r"^1 MYR = [\d.]+ EUR: the ECB"))
    page.unroute(_is_month_list)

    # --- settings: the defaults first, then Deutsch and MYR, saved and still there later --
    settings = page.locator("#settings")
    expect(settings).to_be_visible()
    expect(page.locator("#settings-locale")).to_have_value("en")
    expect(page.locator("#settings-currency")).to_have_value("EUR")
    page.get_by_label("Language").select_option(label="Deutsch")
    page.get_by_label("Home currency").select_option("MYR")
    settings.get_by_role("button", name="Save settings").click()
    expect(page.locator("#settings-message")).to_have_text("Saved: Deutsch, MYR.")
    me = as_ana.get("/me").json()
    assert (me["locale"], me["home_currency"]) == ("de", "MYR")
    page.reload()
    expect(page.locator("#settings-locale")).to_have_value("de")
    expect(page.locator("#settings-currency")).to_have_value("MYR")
    # A refusal is said beside the button (a currency the page never offers).
    page.evaluate(
        """() => {
          const select = document.querySelector('#settings-currency');
          select.append(new Option('XYZ', 'XYZ'));
          select.value = 'XYZ';
        }"""
    )
    settings.get_by_role("button", name="Save settings").click()
    expect(page.locator("#settings-message")).to_contain_text("Not saved")
    assert as_ana.get("/me").json()["home_currency"] == "MYR"

    # --- the month's ZIP for the accountant ------------------------------------------------
    this_month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    zip_link = page.get_by_role("link", name="Download for your accountant (ZIP)")
    expect(zip_link).to_be_visible()
    expect(zip_link).to_have_attribute("href", f"invoices?month={this_month}&format=zip")
    page.set_viewport_size({"width": PHONE, "height": 844})
    assert_fits_phone(page)
    page.screenshot(path=str(artifacts / "page-settings-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1100, "height": 900})
    with page.expect_download() as clicked:
        zip_link.click()
    assert clicked.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(clicked.value.path()) as pack:
        assert len(pack.namelist()) >= 2  # the month's table and the receipt itself
    # The report's pack link: the page at that month, which downloads the ZIP once.
    with page.expect_download() as landed:
        page.goto(link_from_email(server, ANA, Scope(month=this_month), "export"))
    assert landed.value.suggested_filename.endswith(".zip")
    expect(page).to_have_url(re.compile(rf"#month={this_month}$"))  # done: no do= left
    context.close()
    assert problems == []


@pytest.fixture
def open_environment(tmp_path: Path) -> dict[str, str]:
    return _clean_environment(tmp_path, BILLIFY_AUTH="off")


def test_open_mode_keeps_the_name_and_email_form(
    open_environment: dict[str, str],
    browser: Any,
    shared_data: Path,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    """``BILLIFY_AUTH=off`` (a laptop): no sign-in; name and email typed on the page, as before;
    then the monthly report previewed, with the page's correction, and looked at."""
    with billify_serve(open_environment, tmp_path / "serve.log") as base:
        problems: list[str] = []
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        _watch(page, problems)
        page.goto(base)
        expect(page.locator("#you")).to_be_visible()
        expect(page.locator("#sign-in")).to_be_hidden()
        expect(page.locator("#account")).to_be_hidden()

        page.set_input_files("#files", str(shared_data / RECEIPT))  # no name yet: asked for
        expect(page.locator("#you-error")).to_have_text("Please enter your name first.")
        page.get_by_label("Name", exact=True).fill("Ana Lima")
        page.locator("#email").fill(ANA)
        invoice_id = upload_and_wait(page, shared_data / RECEIPT)
        row = row_of(page, invoice_id)
        expect(row).to_have_attribute("data-status", "processed")
        expect(row.locator('[data-field="total"]')).to_have_text("9.00")
        row.locator('[data-field="vendor"]').click()
        row.locator("form.edit input").fill("Corner Bookshop")
        row.locator("form.edit input").press("Enter")
        expect(row.locator('[data-field="vendor"]')).to_have_text("Corner Bookshop")

        month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
        listing = httpx.get(f"{base}/invoices", params={"email": ANA, "month": month}).json()
        assert listing["totals"] == {"MYR": "9.00"}
        assert [i["vendor"] for i in listing["invoices"]] == ["Corner Bookshop"]
        page.set_viewport_size({"width": PHONE, "height": 844})
        assert_fits_phone(page)
        assert problems == []

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
            env=open_environment,
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        html = preview.read_text()
        assert "Corner Bookshop" in html and "MYR&nbsp;9.00" in html.replace("\xa0", "&nbsp;")
        report = browser.new_page(viewport={"width": 700, "height": 900})
        report.goto(preview.as_uri())
        chart = "document.querySelector('img[alt*=\"each day\"]').naturalWidth"
        assert report.evaluate(chart) == 1200  # drawn at twice its display width
        report.screenshot(path=str(artifacts / "report.png"), full_page=True)


# --- invoices by email, through `serve`'s SMTP receiver --------------------------------------

INBOUND_DOMAIN = "in.billify.test"


@pytest.fixture
def mail_environment(tmp_path: Path) -> dict[str, str]:
    return _clean_environment(
        tmp_path,
        BILLIFY_AUTH="on",
        BILLIFY_SECRET_KEY=SECRET,
        BILLIFY_INBOUND_DOMAIN=INBOUND_DOMAIN,
        BILLIFY_INBOUND_SMTP_PORT=str(free_port()),
    )


def test_an_invoice_sent_to_the_address_on_the_page_is_answered_in_its_thread(
    mail_environment: dict[str, str],
    browser: Any,
    shared_data: Path,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    outbox = Outbox(Path(mail_environment["BILLIFY_DATA_DIR"]) / "outbox")
    smtp_port = int(mail_environment["BILLIFY_INBOUND_SMTP_PORT"])
    problems: list[str] = []
    with billify_serve(mail_environment, tmp_path / "serve.log") as base:
        context = browser.new_context(viewport={"width": PHONE, "height": 844})
        page = context.new_page()
        _watch(page, problems)
        sign_in_on_page(page, base, outbox, ANA)
        expect(page.locator("#by-email")).to_be_visible()
        first = page.locator("#inbound-address").inner_text()
        assert first.endswith("@" + INBOUND_DOMAIN)
        assert_fits_phone(page)
        page.screenshot(path=str(artifacts / "page-by-email.png"), full_page=True)

        # A new address: the old one is refused at RCPT TO from then on.
        page.get_by_role("button", name="Get a new address").click()
        page.get_by_role("button", name="Yes, a new one").click()
        expect(page.locator("#inbound-address")).not_to_have_text(first)
        address = page.locator("#inbound-address").inner_text()
        receipt = (shared_data / RECEIPT).read_bytes()
        raw = mail_bytes(
            address,
            sender=f"Ana Lima <{ANA}>",
            subject="Fwd: bookshop receipt",
            files=[("bookshop.jpg", receipt, "image/jpeg")],
            message_id="<fwd-1@mail.example>",
        )
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail(ANA, [first], raw)
            smtp.sendmail(ANA, [address], raw)

        reply = outbox.next_to(ANA, "Re: Fwd: bookshop receipt", WAIT / 1000)  # after the OCR
        assert reply["In-Reply-To"] == "<fwd-1@mail.example>"
        body = reply.get_body(preferencelist=("plain",))
        assert body is not None and "9.00" in body.get_content()
        page.reload()
        row = page.locator(".invoice").filter(has_text="bookshop.jpg")
        expect(row).to_have_count(1, timeout=WAIT)
        context.close()
    assert problems == []
