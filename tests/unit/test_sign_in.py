"""Sign-in by emailed link, sessions, and what a session may reach, over the in-memory fakes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from billify import services
from billify.adapters.aws.direct_upload import PresignedPost
from billify.bootstrap import Billify
from billify.config import Settings
from billify.domain.access import hash_key
from billify.domain.action_links import action_url
from billify.domain.auth import ActionLinks, Scope
from billify.domain.categories import CATEGORIES
from billify.domain.profiles import SUPPORTED_HOME_CURRENCIES
from billify.entrypoints.api_schema import SESSION_COOKIE
from billify.entrypoints.http import create_app
from tests.conftest import jpeg_bytes
from tests.fakes import (
    TEST_SECRET,
    FakeAccessStore,
    FakeMailer,
    FakeQueue,
    FakeRepository,
    FixedClock,
    fake_app,
)
from tests.sessions import link_in, sign_in

ANA = "ana@example.com"
BO = "bo@example.com"


def make_app(tmp_path: Path, **settings: object) -> Billify:
    return fake_app(Settings(data_dir=tmp_path, **settings))  # type: ignore[arg-type]


@pytest.fixture
def app(tmp_path: Path) -> Billify:
    return make_app(tmp_path)


def sent(app: Billify) -> FakeMailer:
    assert isinstance(app.mailer, FakeMailer)
    return app.mailer


def clock(app: Billify) -> FixedClock:
    assert isinstance(app.clock, FixedClock)
    return app.clock


def browser(app: Billify, email: str | None = None) -> TestClient:
    client = TestClient(create_app(app))
    if email:
        sign_in(client, sent(app).sent, email)
    return client


def uploaded(app: Billify, email: str, seed: int = 1) -> str:
    """An invoice uploaded by the seed's contract (no session) and processed."""
    files = {"file": (f"r{seed}.jpg", jpeg_bytes(seed=seed), "image/jpeg")}
    answer = TestClient(create_app(app)).post(
        "/upload-invoice", data={"name": "X", "email": email}, files=files
    )
    assert answer.status_code == 202, answer.text
    assert isinstance(app.queue, FakeQueue)
    for message in app.queue.messages:
        services.process_invoice(message, app.processing)
    app.queue.messages.clear()
    return str(answer.json()["id"])


def test_by_default_nobody_reads_an_invoice_without_signing_in(app: Billify) -> None:
    assert Settings().auth == "on"
    invoice_id = uploaded(app, ANA)
    anonymous = browser(app)
    for path in (f"/invoices/{invoice_id}", f"/invoices/{invoice_id}/thumbnail", "/me"):
        answer = anonymous.get(path)
        assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    assert anonymous.get("/invoices", params={"email": ANA}).status_code == 401
    assert anonymous.patch(f"/invoices/{invoice_id}", json={"vendor": "X"}).status_code == 401
    assert anonymous.delete(f"/invoices/{invoice_id}").status_code == 401


def test_sign_in_answers_the_same_for_any_address_and_emails_a_link(app: Billify) -> None:
    client = browser(app)
    for address in (ANA, "never-seen@example.com"):
        answer = client.post("/auth/sign-in", json={"email": address})
        assert answer.status_code == 202 and answer.json() == {"status": "sent"}
    assert [m.to.email for m in sent(app).sent] == [ANA, "never-seen@example.com"]
    assert "/auth/link?token=" in sent(app).sent[0].text
    assert sent(app).sent[0].key != sent(app).sent[1].key  # distinct Message-IDs
    bad = client.post("/auth/sign-in", json={"email": "not an address"})
    assert bad.status_code == 400 and bad.json()["field"] == "email"


def test_the_link_signs_in_once_with_a_safe_cookie(app: Billify) -> None:
    client = browser(app)
    client.post("/auth/sign-in", json={"email": ANA, "name": "Ana"})
    link = link_in(sent(app).sent[-1])
    opened = client.get(link, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "../"
    cookie = opened.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Secure" not in cookie and "Path=/" in cookie
    assert client.get("/me").json() == {
        "email": ANA,
        "name": "Ana",
        "key": None,
        "scope": None,
        "auth": "on",
        "inbound_address": None,  # no BILLIFY_INBOUND_DOMAIN here
        "home_currency": "EUR",  # the server's default: Ana chose none
        "locale": "en",
        "home_currencies": list(SUPPORTED_HOME_CURRENCIES),
        "locales": ["en", "de", "fr"],
        "categories": list(CATEGORIES),
    }
    again = TestClient(create_app(app)).get(link, follow_redirects=False)
    assert again.status_code == 400 and again.json()["error"] == "invalid_link"
    page = TestClient(create_app(app)).get(link, headers={"accept": "text/html"})
    assert page.status_code == 400 and "new sign-in link" in page.text
    assert app.repository.recipient_confirmed(ANA)  # signing in is the double opt-in


def test_the_cookie_is_secure_behind_https(tmp_path: Path) -> None:
    app = make_app(tmp_path, public_url="https://billify.example")
    client = browser(app)
    client.post("/auth/sign-in", json={"email": ANA})
    assert "https://billify.example/auth/link?token=" in sent(app).sent[-1].text
    opened = client.get(link_in(sent(app).sent[-1]), follow_redirects=False)
    assert "Secure" in opened.headers["set-cookie"]


def test_a_link_expires_after_15_minutes_and_a_tampered_one_never_works(app: Billify) -> None:
    client = browser(app)
    client.post("/auth/sign-in", json={"email": ANA})
    link = link_in(sent(app).sent[-1])
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.get(tampered, follow_redirects=False).status_code == 400
    clock(app).advance(minutes=15, seconds=1)
    assert client.get(link, follow_redirects=False).status_code == 400
    assert client.get("/me").status_code == 401


def test_signing_in_again_rotates_the_session_and_sign_out_ends_it(app: Billify) -> None:
    client = browser(app, ANA)
    first = client.cookies[SESSION_COOKIE]
    sign_in(client, sent(app).sent, ANA)
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    stale = TestClient(create_app(app), cookies={SESSION_COOKIE: first})
    assert stale.get("/me").status_code == 401  # the old session was ended at sign-in
    assert client.post("/auth/sign-out").status_code == 200
    replayed = TestClient(create_app(app), cookies={SESSION_COOKIE: second})
    assert replayed.get("/me").status_code == 401  # ended on the server, not just forgotten


def test_sessions_expire_on_the_server(app: Billify) -> None:
    client = browser(app, ANA)
    assert client.get("/me").status_code == 200
    clock(app).advance(days=30, seconds=1)
    assert client.get("/me").status_code == 401


def test_a_session_sees_only_its_own_invoices(app: Billify) -> None:
    anas, bos = uploaded(app, ANA, 1), uploaded(app, BO, 2)
    ana = browser(app, ANA)
    assert ana.get(f"/invoices/{anas}").status_code == 200
    for answer in (
        ana.get(f"/invoices/{bos}"),
        ana.get(f"/invoices/{bos}/thumbnail"),
        ana.patch(f"/invoices/{bos}", json={"vendor": "Mine now"}),
        ana.delete(f"/invoices/{bos}"),
        ana.get("/invoices/0123456789abcdef0123456789abcdef"),
    ):
        assert answer.status_code == 404 and answer.json() == {
            "error": "not_found",
            "detail": "no invoice with this id",
        }
    listed = ana.get("/invoices").json()  # this month, the session's own
    assert [row["id"] for row in listed["invoices"]] == [anas]
    other = ana.get("/invoices", params={"email": BO})
    assert other.status_code == 403
    assert app.repository.get(bos) is not None


def test_state_changes_on_a_session_need_the_pages_origin(app: Billify) -> None:
    invoice_id = uploaded(app, ANA)
    ana = browser(app, ANA)
    cookies = {SESSION_COOKIE: ana.cookies[SESSION_COOKIE]}
    forged = TestClient(create_app(app), cookies=cookies)
    for origin in (None, "https://evil.example", "null"):
        headers = {"origin": origin} if origin else {}
        answer = forged.patch(f"/invoices/{invoice_id}", json={"vendor": "X"}, headers=headers)
        assert answer.status_code == 403 and answer.json()["error"] == "cross_site"
        assert forged.delete(f"/invoices/{invoice_id}", headers=headers).status_code == 403
    same_page = forged.patch(
        f"/invoices/{invoice_id}",
        json={"vendor": "Shop"},
        headers={"referer": "http://testserver/"},
    )
    assert same_page.status_code == 200 and same_page.json()["vendor"] == "Shop"
    assert forged.get(f"/invoices/{invoice_id}").status_code == 200  # reading needs no Origin


def test_sign_in_requests_are_rate_limited_per_address_and_per_client(app: Billify) -> None:
    client = browser(app)
    answers = [client.post("/auth/sign-in", json={"email": ANA}) for _ in range(6)]
    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert int(answers[-1].headers["retry-after"]) > 0
    assert len(sent(app).sent) == 5
    others = [client.post("/auth/sign-in", json={"email": f"u{i}@example.com"}) for i in range(30)]
    assert others[-1].status_code == 429  # one client cycling through addresses
    clock(app).advance(hours=1)
    assert client.post("/auth/sign-in", json={"email": ANA}).status_code == 202


def test_signed_in_uploads_are_filed_under_the_session(app: Billify) -> None:
    ana = browser(app, ANA)
    files = {"file": ("r.jpg", jpeg_bytes(seed=3), "image/jpeg")}
    answer = ana.post("/upload-invoice", data={"email": BO, "name": ""}, files=files)
    assert answer.status_code == 202, answer.text
    record = ana.get(f"/invoices/{answer.json()['id']}").json()
    assert record["email"] == ANA and record["name"] == "ana"


def test_delete_and_replace(app: Billify) -> None:
    first, second = uploaded(app, ANA, 1), uploaded(app, ANA, 2)
    ana = browser(app, ANA)
    blob_key = app.repository.get(first).blob_key  # type: ignore[union-attr]
    assert ana.delete(f"/invoices/{first}").status_code == 204
    assert ana.get(f"/invoices/{first}").status_code == 404
    assert blob_key not in app.blobs.blobs  # type: ignore[attr-defined]
    files = {"file": ("better.jpg", jpeg_bytes(seed=9), "image/jpeg")}
    replaced = ana.post(f"/invoices/{second}/replace", files=files)
    assert replaced.status_code == 202, replaced.text
    new_id = replaced.json()["id"]
    assert new_id != second and ana.get(f"/invoices/{second}").status_code == 404
    record = ana.get(f"/invoices/{new_id}").json()
    assert record["status"] == "queued" and record["original_filename"] == "better.jpg"
    assert isinstance(app.queue, FakeQueue) and app.queue.messages[-1].invoice_id == new_id


def test_a_notice_link_opens_one_invoice_only(app: Billify) -> None:
    mine, other = uploaded(app, ANA, 1), uploaded(app, ANA, 2)
    url = action_url(
        app.links, app.settings.public_url, ANA, Scope(invoice_id=mine), "fix", clock(app).now()
    )
    client = browser(app)
    opened = client.get(url.split("8000", 1)[1], follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"../#invoice={mine}&do=fix"
    assert client.get("/me").json()["scope"] == f"invoice:{mine}"
    assert client.get(f"/invoices/{mine}").status_code == 200
    assert client.get(f"/invoices/{other}").status_code == 404  # for that purpose only
    assert client.get("/invoices").status_code == 403


def test_a_notice_link_keeps_a_full_session_of_its_owner(app: Billify) -> None:
    mine = uploaded(app, ANA, 1)
    client = browser(app, ANA)
    before = client.cookies[SESSION_COOKIE]
    url = action_url(
        app.links, app.settings.public_url, ANA, Scope(invoice_id=mine), "view", clock(app).now()
    )
    opened = client.get(url.split("8000", 1)[1], follow_redirects=False)
    assert opened.status_code == 303 and "set-cookie" not in opened.headers
    assert client.cookies[SESSION_COOKIE] == before
    assert client.get("/me").json()["scope"] is None


def test_action_links_are_signed_and_expire() -> None:
    links = ActionLinks(TEST_SECRET)
    now = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
    token = links.sign(ANA, Scope(month="2026-10"), now + dt.timedelta(days=30))
    assert links.verify(token, now) == (ANA, Scope(month="2026-10"))
    assert links.verify(token, now + dt.timedelta(days=31)) is None
    assert ActionLinks(b"another secret of thirty-two bytes!!").verify(token, now) is None
    body, _, mac = token.partition(".")
    assert links.verify(body[:-2] + "xx." + mac, now) is None
    assert links.verify("garbage", now) is None
    with pytest.raises(ValueError, match="32 bytes"):
        ActionLinks(b"short")


def test_auth_off_is_the_open_single_user_mode(tmp_path: Path) -> None:
    app = make_app(tmp_path, auth="off")
    invoice_id = uploaded(app, ANA)
    anyone = browser(app)
    assert anyone.get(f"/invoices/{invoice_id}").status_code == 200
    assert anyone.get("/me").json()["auth"] == "off"
    assert anyone.patch(f"/invoices/{invoice_id}", json={"vendor": "Shop"}).status_code == 200


def test_api_keys_keep_working_beside_sessions(tmp_path: Path) -> None:
    app = make_app(tmp_path, api_keys=f"script:{hash_key('s3cret')}")
    script = TestClient(create_app(app), headers={"x-api-key": "s3cret"})
    files = {"file": ("r.jpg", jpeg_bytes(seed=4), "image/jpeg")}
    answer = script.post("/upload-invoice", data={"name": "Ana", "email": ANA}, files=files)
    assert answer.status_code == 202
    invoice_id = answer.json()["id"]
    assert script.get(f"/invoices/{invoice_id}").status_code == 200
    assert script.get("/me").json()["key"] == "script"
    wrong = TestClient(create_app(app), headers={"x-api-key": "nope"})
    assert wrong.get(f"/invoices/{invoice_id}").status_code == 401
    anonymous = TestClient(create_app(app))
    refused = anonymous.post("/upload-invoice", data={"name": "Ana", "email": ANA}, files=files)
    assert refused.status_code == 401
    ana = browser(app, ANA)  # a person can still sign in on a server with keys
    # The script's upload carries the key as its owner: Ana's session sees her address's.
    assert ana.get(f"/invoices/{invoice_id}").status_code == 200


def test_signing_in_releases_notices_held_for_confirmation(tmp_path: Path) -> None:
    repository = FakeRepository()
    app = fake_app(Settings(data_dir=tmp_path, confirm_recipients=True), repository=repository)
    uploaded(app, ANA)
    assert [m.key.split(":")[0] for m in sent(app).sent] == ["confirm"]
    assert isinstance(app.access, FakeAccessStore)
    browser(app, ANA)
    assert isinstance(app.queue, FakeQueue)
    assert [m.reason for m in app.queue.messages] == ["confirmed"]


def test_a_sign_in_email_that_cannot_be_sent_is_a_503(app: Billify) -> None:
    sent(app).failures_left = 1
    answer = browser(app).post("/auth/sign-in", json={"email": ANA})
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert browser(app).post("/auth/sign-in", json={"email": ANA}).status_code == 202


def test_sign_in_is_off_in_open_mode(tmp_path: Path) -> None:
    app = make_app(tmp_path, auth="off")
    answer = browser(app).post("/auth/sign-in", json={"email": ANA})
    assert answer.status_code == 404 and not sent(app).sent


class RecordingDirectUploads:
    """A store that signs forms: what the direct-upload route asked it for."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, str]]] = []

    def presigned_post(
        self,
        key: str,
        max_bytes: int,
        expires: dt.timedelta,
        metadata: Mapping[str, str] | None = None,
    ) -> PresignedPost:
        self.asked.append((key, dict(metadata or {})))
        now = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
        return PresignedPost("https://bucket.example/", {"key": key}, key, max_bytes, now)


def test_a_direct_upload_is_signed_for_the_session_only_where_the_store_can(
    app: Billify,
) -> None:
    ana = browser(app, ANA)
    local = ana.post("/uploads/direct", json={"size": 5_000_000})
    assert local.status_code == 404  # the local folder needs no detour
    uploads = RecordingDirectUploads()
    app.direct_uploads = uploads
    form = ana.post("/uploads/direct", json={"email": BO, "size": 5_000_000, "filename": "a.pdf"})
    assert form.status_code == 200, form.text
    assert form.json()["key"].startswith("incoming/") and form.json()["fields"]
    assert uploads.asked[0][1]["email"] == ANA  # filed under the session, not the form
    too_big = ana.post("/uploads/direct", json={"size": 11 * 2**20})
    assert too_big.status_code == 413 and too_big.json()["detail"] == "file is larger than 10 MB"


def test_me_says_open_mode_even_to_a_caller_without_a_key(tmp_path: Path) -> None:
    app = make_app(tmp_path, auth="off", api_keys=f"script:{hash_key('s3cret')}")
    answer = browser(app).get("/me")
    assert answer.status_code == 200 and answer.json()["auth"] == "off"
    assert browser(app).get("/invoices", params={"email": ANA}).status_code == 401
