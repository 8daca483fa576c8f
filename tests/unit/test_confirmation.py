"""Double opt-in: nothing but one confirmation link reaches a new address until it confirms."""

import re
from pathlib import Path

from fastapi.testclient import TestClient

from billify import services
from billify.bootstrap import Billify
from billify.config import Settings
from billify.domain.reports import Month
from billify.entrypoints.http import create_app
from tests.conftest import png_bytes
from tests.fakes import (
    FakeMailer,
    FakeQueue,
    FakeRepository,
    fake_app,
    run_reports,
)

FORM = {"name": "Ana", "email": "ana@example.com"}


def make(tmp_path: Path) -> tuple[Billify, TestClient]:
    settings = Settings(
        data_dir=tmp_path, confirm_recipients=True, public_url="https://billify.example.org/"
    )
    app = fake_app(settings)
    return app, TestClient(create_app(app))


def upload_and_process(app: Billify, client: TestClient, seed: int) -> str:
    response = client.post(
        "/upload-invoice", data=FORM, files={"file": ("a.png", png_bytes(seed, seed), "image/png")}
    )
    assert response.status_code == 202
    assert isinstance(app.queue, FakeQueue)
    for message in app.queue.messages:
        app.process(message)
    app.queue.messages.clear()
    return str(response.json()["id"])


def sent(app: Billify) -> FakeMailer:
    assert isinstance(app.mailer, FakeMailer)
    return app.mailer


def test_new_address_gets_one_link_and_no_notice_until_it_confirms(tmp_path: Path) -> None:
    app, client = make(tmp_path)
    first = upload_and_process(app, client, 8)
    second = upload_and_process(app, client, 9)
    assert [m.key for m in sent(app).sent] == ["confirm:ana@example.com"]
    link = re.search(r"https://billify\.example\.org/confirm\?token=(\S+)", sent(app).sent[0].text)
    assert link is not None

    assert client.get("/confirm", params={"token": "forged"}).status_code == 404
    page = client.get("/confirm", params={"token": link[1]})
    assert page.status_code == 200 and "2 held notice(s)" in page.text
    assert client.get("/confirm", params={"token": link[1]}).status_code == 404  # used once

    assert isinstance(app.queue, FakeQueue)
    for message in app.queue.messages:
        app.process(message)
    keys = sorted(m.key for m in sent(app).sent)
    assert keys == sorted(["confirm:ana@example.com", f"notice:{first}", f"notice:{second}"])
    upload_and_process(app, client, 10)  # confirmed now: the notice goes straight out
    assert len(sent(app).sent) == 4


def test_failed_link_email_is_asked_again_on_retry(tmp_path: Path) -> None:
    app, client = make(tmp_path)
    sent(app).failures_left = 1
    response = client.post(
        "/upload-invoice", data=FORM, files={"file": ("a.png", png_bytes(), "image/png")}
    )
    assert isinstance(app.queue, FakeQueue)
    message = app.queue.messages[0]
    try:
        app.process(message)
    except ConnectionRefusedError:
        pass
    else:
        raise AssertionError("the mail failure must propagate so the queue retries")
    app.process(message)
    assert [m.key for m in sent(app).sent] == ["confirm:ana@example.com"]
    assert response.status_code == 202


def test_unconfirmed_addresses_get_no_monthly_report(tmp_path: Path) -> None:
    app, client = make(tmp_path)
    upload_and_process(app, client, 8)
    run = run_reports(Month(2026, 11), app.reporting)
    assert run.unconfirmed == ["ana@example.com"] and run.sent == []
    assert isinstance(app.repository, FakeRepository)
    token_hash = next(iter(app.repository.pending_confirmations))
    app.repository.confirm_recipient(token_hash, app.clock.now())
    assert run_reports(Month(2026, 11), app.reporting).sent == ["ana@example.com"]


def test_confirmation_is_off_by_default(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).confirm_recipients is False
    assert services.Processing.__dataclass_fields__["confirm_recipients"].default is False
