"""Signing a test client in the way a person does: ask for the link, open it from the email."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from billify.domain.emails import OutgoingEmail

_LINK = re.compile(r"https?://[^/\s]+(/auth/(?:link|open)\?[^\s\"'<>]+)")


def link_in(email: OutgoingEmail | str) -> str:
    """The path and query of the sign-in (or action) link in an email's text."""
    text = email if isinstance(email, str) else email.text
    found = _LINK.search(text)
    assert found, f"no link in {text!r}"
    return found[1].replace("&amp;", "&")


def sign_in(client: TestClient, sent: list[OutgoingEmail], email: str) -> None:
    """Sign ``client`` in as ``email``: its cookie jar holds the session afterwards, and its
    requests carry the page's Origin (state-changing requests need it)."""
    answer = client.post("/auth/sign-in", json={"email": email})
    assert answer.status_code == 202, answer.text
    opened = client.get(link_in(sent[-1]), follow_redirects=False)
    assert opened.status_code == 303, opened.text
    client.headers["origin"] = str(client.base_url).rstrip("/")
