"""Emails you can act on: every notice and report links, signed, to its invoice or month on the
page; notices name the file, the amount due, the month they count in, and show where the total
was read. Over the in-memory fakes, wired as the application wires them."""

from __future__ import annotations

import datetime as dt
import html
import io
import logging
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from billify import services
from billify.adapters.local.documents import Documents
from billify.bootstrap import Billify
from billify.config import Settings
from billify.domain import notifications
from billify.domain.action_links import ACTIONS, action_url, notice_links
from billify.domain.auth import ActionLinks, Scope
from billify.domain.emails import OutgoingEmail, to_mime
from billify.domain.models import Evidence, Extraction, Invoice, UnreadableDocument
from billify.domain.reports import Month, Spending
from billify.domain.uploads import validate_upload
from billify.entrypoints.http import create_app
from tests.fakes import TEST_SECRET, FakeExtractor, FakeMailer, FixedClock, fake_app, run_reports

ANA = "ana@example.com"
PUBLIC = "https://billify.example"
TOTAL_BOX = (0.6, 0.7, 0.85, 0.73)
_URL = re.compile(r"https://billify\.example/auth/open\?[^\s\"'<>]+")


@pytest.fixture
def app(tmp_path: Path) -> Billify:
    # The crop is drawn from the stored file's page.
    return fake_app(Settings(data_dir=tmp_path, public_url=PUBLIC), documents=Documents())


def mailer(app: Billify) -> FakeMailer:
    assert isinstance(app.mailer, FakeMailer)
    return app.mailer


def extractor(app: Billify) -> FakeExtractor:
    assert isinstance(app.extractor, FakeExtractor)
    return app.extractor


def now(app: Billify) -> dt.datetime:
    assert isinstance(app.clock, FixedClock)
    return app.clock.now()


def receipt(shade: int = 0) -> bytes:
    """A photo of a receipt: a white page with a dark amount where ``TOTAL_BOX`` says."""
    page = Image.new("RGB", (800, 1200), (255, 255 - shade, 255))
    x0, y0, x1, y1 = TOTAL_BOX
    ImageDraw.Draw(page).rectangle((x0 * 800, y0 * 1200, x1 * 800, y1 * 1200), fill="black")
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    return buffer.getvalue()


def read_as(app: Billify, **fields: object) -> None:
    """What the fake extractor reads next: a trusted total and vendor, with ``fields``."""
    values: dict[str, object] = {
        "total": Decimal("12.50"),
        "currency": "MYR",
        "vendor": "KEDAI BUKU",
        "date": dt.date(2026, 11, 3),
        "confidence": {"total": 0.95, "vendor": 0.9, "date": 0.9},
        "evidence": {"total": Evidence(0, TOTAL_BOX)},
    }
    values.update(fields)
    extractor(app).result = Extraction(**values)  # type: ignore[arg-type]


def upload(app: Billify, filename: str = "receipt-nov.png", shade: int = 0) -> Invoice:
    """Upload and process one file; its invoice as stored after the notice."""
    submitted = app.submit(validate_upload("Ana", ANA, receipt(shade), filename))
    app.process(app.queue.messages[-1])  # type: ignore[attr-defined]
    invoice = app.repository.get(submitted.invoice.id)
    assert invoice is not None and invoice.notice_sent_at is not None
    return invoice


def notice(app: Billify) -> OutgoingEmail:
    email = mailer(app).sent[-1]
    assert email.key.startswith("notice:")
    return email


def actions(email: OutgoingEmail) -> dict[str, str]:
    """The action links of an email, by their ``do=``; the same in its text and its HTML."""
    in_text = _URL.findall(email.text)
    in_html = [html.unescape(url) for url in _URL.findall(email.html)]
    assert in_text and set(in_text) == set(in_html)
    by_action = {parse_qs(urlsplit(url).query)["do"][0]: url for url in in_text}
    assert set(by_action) <= ACTIONS
    return by_action


def verified(url: str, app: Billify) -> tuple[str, Scope] | None:
    token = parse_qs(urlsplit(url).query)["token"][0]
    return ActionLinks(TEST_SECRET).verify(token, now(app))


def test_a_processed_notice_links_to_looks_right_and_fix_it(app: Billify) -> None:
    invoice = upload(app)
    email = notice(app)
    links = actions(email)
    assert set(links) == {"confirm", "fix", "view"}
    for url in links.values():
        assert verified(url, app) == (ANA, Scope(invoice_id=invoice.id))
    assert email.html.index("Looks right") < email.html.index("Fix it")
    assert f'href="{html.escape(links["confirm"])}">Looks right</a>' in email.html
    assert 'class="button' in email.html


def test_a_needs_review_notice_leads_to_the_fix(app: Billify) -> None:
    read_as(app, confidence={"total": 0.2, "vendor": 0.9})
    invoice = upload(app)
    email = notice(app)
    assert invoice.status == "needs_review"
    links = actions(email)
    assert {"fix", "confirm"} <= set(links) and "not-duplicate" not in links
    assert email.html.index(html.escape(links["fix"])) < email.html.index(
        html.escape(links["confirm"])
    )
    assert email.text.index(links["fix"]) < email.text.index(links["confirm"])
    assert verified(links["fix"], app) == (ANA, Scope(invoice_id=invoice.id))


def test_a_duplicate_notice_offers_not_a_duplicate(app: Billify) -> None:
    extractor(app).vary = False  # the same receipt, photographed twice
    first = upload(app, shade=0)
    assert "not-duplicate" not in actions(notice(app))
    second = upload(app, shade=1)
    assert second.duplicate_of == first.id
    links = actions(notice(app))
    assert {"not-duplicate", "confirm", "fix"} <= set(links)
    assert verified(links["not-duplicate"], app) == (ANA, Scope(invoice_id=second.id))
    assert "Not a duplicate" in notice(app).html


def test_a_failed_notice_shows_the_reason_the_file_and_the_invoice(app: Billify) -> None:
    extractor(app).error = UnreadableDocument("the photo is too blurred to read")
    invoice = upload(app, filename="blurry-receipt.png")
    email = notice(app)
    for part in (email.text, email.html):
        assert "the photo is too blurred to read" in part and "blurry-receipt.png" in part
    links = actions(email)
    assert "view" in links and "confirm" not in links
    assert verified(links["view"], app) == (ANA, Scope(invoice_id=invoice.id))
    assert email.text.index(links["view"]) < email.text.index(links["fix"])  # replace first
    assert "Replace or delete it" in email.html
    assert not email.attachments


def test_a_dead_lettered_invoice_is_told_with_its_link(app: Billify) -> None:
    submitted = app.submit(validate_upload("Ana", ANA, receipt(), "scan.png"))
    app.mark_failed(submitted.invoice.id, "gave up after repeated failures: timeout")
    email = notice(app)
    assert "gave up after repeated failures: timeout." in email.text and "scan.png" in email.text
    assert verified(actions(email)["view"], app) == (ANA, Scope(invoice_id=submitted.invoice.id))


def test_an_altered_or_foreign_link_does_not_verify(app: Billify) -> None:
    upload(app)
    url = actions(notice(app))["confirm"]
    token = parse_qs(urlsplit(url).query)["token"][0]
    payload, _, mac = token.partition(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    checker = ActionLinks(TEST_SECRET)
    assert checker.verify(f"{flipped}.{mac}", now(app)) is None
    assert checker.verify(f"{payload}.{mac[:-1]}", now(app)) is None
    assert ActionLinks(b"another secret, also thirty-two bytes").verify(token, now(app)) is None
    assert checker.verify(token, now(app) + dt.timedelta(days=31)) is None  # expired


def test_a_notice_link_opens_that_invoice_on_the_page(app: Billify) -> None:
    read_as(app, confidence={"total": 0.2, "vendor": 0.9})
    invoice = upload(app)
    url = actions(notice(app))["fix"]
    client = TestClient(create_app(app))
    opened = client.get(url.removeprefix(PUBLIC), follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"../#invoice={invoice.id}&do=fix"


def test_the_notice_names_the_file_and_the_month_it_counts_in(app: Billify) -> None:
    upload(app, filename="Nov receipt <1>.png")
    email = notice(app)
    assert "Nov receipt <1>.png" in email.text
    assert "Nov receipt &lt;1&gt;.png" in email.html and "<1>" not in email.html
    for part in (email.text, email.html):
        assert "Counted in November 2026, the month it was uploaded" in part


def test_amount_due_is_shown_only_when_it_differs_from_the_total(app: Billify) -> None:
    read_as(app, amount_due=Decimal("12.50"))
    upload(app, shade=0)
    assert "Amount due" not in notice(app).text and "Amount due" not in notice(app).html
    read_as(app, amount_due=Decimal("2.50"))
    upload(app, shade=1)
    for part in (notice(app).text, notice(app).html):
        assert "Amount due" in part and "MYR 2.50" in part


def test_the_crop_of_the_total_is_inline_in_the_html(app: Billify) -> None:
    read_as(app)  # the total read from a box on the photo
    upload(app)
    email = notice(app)
    (crop,) = email.attachments
    assert crop.mime_type == "image/jpeg" and crop.content_id
    assert f'src="cid:{crop.content_id}"' in email.html
    assert 'style="display:block;max-width:100%;height:auto"' in email.html
    image = Image.open(io.BytesIO(crop.content))
    assert image.format == "JPEG" and image.width <= 600 and len(crop.content) < 50_000
    assert image.convert("L").getextrema()[0] < 60  # the amount, drawn dark, is in it
    inline = [p for p in to_mime(email, "b@example.com").walk() if p["Content-ID"]]
    assert [p.get_content_type() for p in inline] == ["image/jpeg"]
    assert inline[0].get_content_disposition() == "inline"


def test_no_crop_without_a_box(app: Billify) -> None:
    read_as(app, evidence={"total": Evidence(0, None)})  # read from e-invoice XML: no box
    upload(app)
    email = notice(app)
    assert not email.attachments and "cid:" not in email.html
    read_as(app, evidence={})
    upload(app, shade=1)
    assert not notice(app).attachments


def test_a_crop_that_cannot_be_made_never_loses_the_notice(
    app: Billify, caplog: pytest.LogCaptureFixture
) -> None:
    read_as(app, evidence={"total": Evidence(7, TOTAL_BOX)})  # no such page
    with caplog.at_level(logging.WARNING, logger="billify.services"):
        invoice = upload(app)
    assert not notice(app).attachments and "cid:" not in notice(app).html
    assert f"no crop of the total for invoice {invoice.id}" in caplog.text


def test_a_crop_of_an_unreadable_file_is_left_out(app: Billify) -> None:
    submitted = app.submit(validate_upload("Ana", ANA, receipt(), "r.png"))
    app.blobs.put(submitted.invoice.blob_key, b"not an image at all", "image/png")
    app.process(app.queue.messages[-1])  # type: ignore[attr-defined]
    email = notice(app)
    assert not email.attachments and actions(email)


def test_notices_without_a_signer_have_no_links(app: Billify) -> None:
    deps = services.Processing(
        app.blobs, app.repository, app.extractor, app.mailer, app.clock, app.settings.tz
    )
    submitted = app.submit(validate_upload("Ana", ANA, receipt(), "r.png"))
    services.process_invoice(app.queue.messages[-1], deps)  # type: ignore[attr-defined]
    assert submitted.invoice.id in notice(app).key
    assert "/auth/open" not in notice(app).text and "/auth/open" not in notice(app).html
    assert not notice(app).attachments  # no document opener: no crop either


def test_the_monthly_report_links_to_its_month(app: Billify) -> None:
    upload(app)
    mailer(app).sent.clear()
    run = run_reports(Month(2026, 11), app.reporting)
    assert run.sent == [ANA]
    (report,) = mailer(app).sent
    links = actions(report)
    assert set(links) == {"view", "export"}  # the month, and its ZIP for the accountant
    for action in links:
        assert verified(links[action], app) == (ANA, Scope(month="2026-11"))
        assert f'href="{html.escape(links[action])}"' in report.html
    client = TestClient(create_app(app))
    opened = client.get(links["view"].removeprefix(PUBLIC), follow_redirects=False)
    assert opened.headers["location"] == "../#month=2026-11"
    pack = client.get(links["export"].removeprefix(PUBLIC), follow_redirects=False)
    assert pack.headers["location"] == "../#month=2026-11&do=export"


def test_a_report_signs_one_link(app: Billify) -> None:
    signed: list[Scope] = []

    class Counting(ActionLinks):
        def sign(self, email: str, scope: Scope, expires_at: dt.datetime) -> str:
            signed.append(scope)
            return super().sign(email, scope, expires_at)

    upload(app)
    upload(app, shade=1)
    deps = services.Reporting(
        repository=app.repository,
        mailer=app.mailer,
        clock=app.clock,
        timezone=app.settings.tz,
        links=Counting(TEST_SECRET),
        public_url=PUBLIC,
    )
    run_reports(Month(2026, 11), deps)
    assert signed == [Scope(month="2026-11")]


def test_the_domain_builds_the_links_it_is_given() -> None:
    links = ActionLinks(TEST_SECRET)
    at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    url = action_url(links, PUBLIC + "/", ANA, Scope(month="2026-11"), "view", at)
    assert url.startswith(f"{PUBLIC}/auth/open?token=") and url.endswith("&do=view")
    with pytest.raises(ValueError):
        action_url(links, PUBLIC, ANA, Scope(month="2026-11"), "pay", at)

    invoice = Invoice(
        id="inv1",
        uploader=notifications.Uploader("Ana", ANA),
        blob_key="k",
        media_type="image/png",
        file_hash="h",
        file_size=1,
        received_at=at,
        extraction=Extraction(total=Decimal("5"), currency="EUR", vendor="Shop"),
    )
    made = notice_links(links, PUBLIC, invoice, at)
    assert made.not_duplicate is None
    email = notifications.invoice_notice(
        invoice, Month(2026, 11), Spending(invoice.uploader, (invoice,)), links=made
    )
    assert made.confirm in email.text and html.escape(made.fix) in email.html
