"""Who may see what: sign-in links, sessions, signed action links, and the one visibility rule.

A person signs in by a one-time link emailed to them (no passwords): the link's token and the
session's are random, and only their SHA-256 hashes are stored, so a leaked database opens no
session. Links in notices and reports are signed instead (HMAC with the server's secret, no
storage per email sent); opening one signs the browser in for that purpose only: one invoice, or
one month's list.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from billify.domain.models import Invoice

SIGN_IN_LINK_LIFETIME = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(days=30)
# A session opened from a notice or report link: long enough to read and fix, then gone.
SCOPED_SESSION_LIFETIME = dt.timedelta(days=1)
# How long a link in a notice or a report opens the page (emails are read late).
ACTION_LINK_LIFETIME = dt.timedelta(days=30)


def new_token() -> str:
    """256 random bits, URL-safe: a sign-in link's or a session's secret."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Scope:
    """What a session opened from an emailed link may reach: one invoice (``invoice_id``) or
    the invoices received in one month (``month``, YYYY-MM). A full sign-in has no scope."""

    invoice_id: str | None = None
    month: str | None = None

    def text(self) -> str:
        return f"invoice:{self.invoice_id}" if self.invoice_id else f"month:{self.month}"

    @classmethod
    def parse(cls, text: str | None) -> Scope | None:
        kind, _, value = (text or "").partition(":")
        if kind == "invoice" and value:
            return cls(invoice_id=value)
        if kind == "month" and value:
            return cls(month=value)
        return None


@dataclass(frozen=True)
class SignInLink:
    """A pending sign-in: the emailed token's hash, for whom, until when. Used once."""

    token_hash: str
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    name: str | None = None


@dataclass(frozen=True)
class Session:
    """A signed-in browser: the cookie's token hash, whose, until when, and for what."""

    token_hash: str
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    name: str | None = None
    scope: Scope | None = None

    def live(self, now: dt.datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True)
class Viewer:
    """Who is asking, as the API sees it: a signed-in person (``email``, maybe ``scope``d), a
    script with an API key (``key``, its label), or anyone at all in open mode (``everyone``:
    ``BILLIFY_AUTH=off`` and no API keys). The one place that decides what each may see."""

    email: str | None = None
    name: str | None = None  # a signed-in person's, as given at sign-in
    key: str | None = None
    scope: Scope | None = None
    # With a month scope: the month's bounds, [start, end), as the invoices' received_at.
    month_bounds: tuple[dt.datetime, dt.datetime] | None = None
    everyone: bool = False

    def may_see(self, invoice: Invoice) -> bool:
        """Read, correct, delete: one rule. Anything else is answered like a missing id."""
        if self.everyone:
            return True
        if self.key is not None:
            return invoice.owner == self.key
        if self.email is None or invoice.uploader.email != self.email:
            return False
        if self.scope and self.scope.invoice_id:
            return invoice.id == self.scope.invoice_id
        if self.month_bounds:
            start, end = self.month_bounds
            return start <= invoice.received_at < end
        return True

    def may_list(self, email: str, month: str) -> bool:
        """Whether this viewer may list ``email``'s invoices of ``month`` (each listed invoice
        is still filtered by ``may_see``)."""
        if self.everyone or self.key is not None:
            return True
        if self.email != email:
            return False
        if self.scope is None:
            return True
        return self.scope.month == month

    @property
    def may_upload_as(self) -> str | None:
        """The address a signed-in person's uploads are filed under (None: the form's)."""
        return self.email if self.key is None and not self.everyone else None


class ActionLinks:
    """Signed, expiring links that open the page for one purpose (an invoice, a month). Signed,
    not stored: a notice or report costs no write, and the server's secret is the only key."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the secret key must be at least 32 bytes")
        self._secret = secret

    def sign(self, email: str, scope: Scope, expires_at: dt.datetime) -> str:
        payload = json.dumps(
            {"e": email, "s": scope.text(), "x": int(expires_at.timestamp())},
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def verify(self, token: str, now: dt.datetime) -> tuple[str, Scope] | None:
        """The address and scope a valid, unexpired token was signed for; else None."""
        encoded, _, mac = token.partition(".")
        try:
            payload = _unb64(encoded)
            if not hmac.compare_digest(_unb64(mac), self._mac(payload)):
                return None
            data = json.loads(payload)
            email, scope, expiry = str(data["e"]), Scope.parse(data["s"]), int(data["x"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if scope is None or now.timestamp() >= expiry:
            return None
        return email, scope

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, b"billify-action-link\x00" + payload, "sha256").digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
