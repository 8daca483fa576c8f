"""Use cases of signing in: ask for a link, open it, open a link from a notice, sign out, and
who a session cookie belongs to. The HTTP app calls these; no transport detail lives here."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from billify import profiles, services
from billify.domain import notifications
from billify.domain.action_links import ACTIONS
from billify.domain.auth import (
    SCOPED_SESSION_LIFETIME,
    SESSION_LIFETIME,
    SIGN_IN_LINK_LIFETIME,
    ActionLinks,
    Scope,
    Session,
    SignInLink,
    Viewer,
    hash_token,
    new_token,
)
from billify.domain.models import Uploader
from billify.domain.reports import Month
from billify.ports import (
    AccessStore,
    Clock,
    InvoiceQueue,
    InvoiceRepository,
    Mailer,
    ProfileStore,
)

log = logging.getLogger(__name__)

ATTEMPT_WINDOW = dt.timedelta(hours=1)


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("too many sign-in requests; try again later")
        self.retry_after = retry_after


class SignInNotSent(Exception):
    pass


@dataclass(frozen=True)
class Accounts:
    """What signing in needs: the ports, the server's address, and the limits."""

    store: AccessStore
    repository: InvoiceRepository
    queue: InvoiceQueue
    mailer: Mailer
    clock: Clock
    links: ActionLinks
    timezone: ZoneInfo
    public_url: str
    # Sign-in emails per address, and sign-in requests per client (IP), per hour.
    per_address: int = 5
    per_client: int = 30
    # Where a first sign-in remembers the browser's language (none: not remembered).
    profiles: ProfileStore | None = None


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's token (shown once, stored hashed) and what it allows."""

    token: str
    session: Session


def request_sign_in(email: str, name: str | None, client: str, deps: Accounts) -> None:
    """Email a one-time sign-in link to ``email``: the same answer whether or not the address
    has ever uploaded, so nobody learns who uses Billify. Raises ``TooManyAttempts``."""
    now = deps.clock.now()
    window = _window_start(now)
    limits = ((f"client:{client}", deps.per_client), (f"address:{email}", deps.per_address))
    for key, limit in limits:
        if deps.store.count_attempt(key, window, ATTEMPT_WINDOW) > limit:
            retry_after = math.ceil((window + ATTEMPT_WINDOW - now).total_seconds())
            raise TooManyAttempts(max(1, retry_after))
    token = new_token()
    link = SignInLink(
        token_hash=hash_token(token),
        email=email,
        name=name,
        created_at=now,
        expires_at=now + SIGN_IN_LINK_LIFETIME,
    )
    deps.store.add_sign_in_link(link)
    url = f"{_base(deps)}/auth/link?{urlencode({'token': token})}"
    minutes = int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)
    uploader = Uploader(name or "", email)
    try:
        deps.mailer.send(notifications.sign_in_email(uploader, url, link.token_hash[:24], minutes))
    except Exception as error:  # any transport's failure: the person is told to retry
        log.warning("sign-in email to %s not sent: %s", email, error)
        raise SignInNotSent("the sign-in email could not be sent; try again shortly") from error


def sign_in(
    token: str,
    deps: Accounts,
    replacing: str | None = None,
    accept_language: str | None = None,
) -> SignedIn | None:
    """Open an emailed sign-in link (once): a new session, the old one (``replacing``, the
    browser's previous cookie) ended; the address counts as confirmed from now on, and the
    browser's language (its ``Accept-Language``) is theirs unless they chose one."""
    now = deps.clock.now()
    link = deps.store.use_sign_in_link(hash_token(token), now)
    if link is None:
        return None
    if replacing:
        deps.store.end_session(hash_token(replacing))
    _confirmed(link.email, now, deps)
    if deps.profiles is not None:
        profiles.remember_browser_locale(link.email, accept_language, deps.profiles)
    return _new_session(link.email, link.name, None, now + SESSION_LIFETIME, deps)


@dataclass(frozen=True)
class Opened:
    """An action link opened: the link's purpose, and the new session if one was made (None
    when the browser was already signed in as the link's owner)."""

    scope: Scope
    signed_in: SignedIn | None


def open_action_link(token: str, deps: Accounts, current: str | None = None) -> Opened | None:
    """Open a link from a notice or a report. A browser already signed in as that address keeps
    its session; otherwise a session limited to the link's invoice or month is made. None for
    a link that is forged, altered or expired."""
    now = deps.clock.now()
    verified = deps.links.verify(token, now)
    if verified is None:
        return None
    email, scope = verified
    existing = session_of(current, deps) if current else None
    if existing is not None and existing.email == email and existing.scope is None:
        return Opened(scope, None)
    if current:
        deps.store.end_session(hash_token(current))
    _confirmed(email, now, deps)
    return Opened(scope, _new_session(email, None, scope, now + SCOPED_SESSION_LIFETIME, deps))


def landing(scope: Scope, action: str | None) -> str:
    """Where the page opens after a link, as the fragment of the page's URL: the invoice (and
    what to offer first) or the month (and, from a report's pack link, its download)."""
    chosen = action if action in ACTIONS else "view"
    if scope.invoice_id:
        return f"#invoice={quote(scope.invoice_id)}&do={chosen}"
    month = f"#month={quote(scope.month or '')}"
    return f"{month}&do=export" if chosen == "export" else month


def session_of(token: str | None, deps: Accounts) -> Session | None:
    if not token or len(token) > 128:
        return None
    return deps.store.session(hash_token(token), deps.clock.now())


def sign_out(token: str | None, deps: Accounts) -> None:
    if token and len(token) <= 128:
        deps.store.end_session(hash_token(token))


def viewer_of(session: Session, timezone: ZoneInfo) -> Viewer:
    bounds = None
    if session.scope and session.scope.month:
        bounds = Month.parse(session.scope.month).bounds(timezone)
    return Viewer(email=session.email, name=session.name, scope=session.scope, month_bounds=bounds)


def _new_session(
    email: str, name: str | None, scope: Scope | None, expires_at: dt.datetime, deps: Accounts
) -> SignedIn:
    token = new_token()
    session = Session(
        token_hash=hash_token(token),
        email=email,
        name=name,
        scope=scope,
        created_at=deps.clock.now(),
        expires_at=expires_at,
    )
    deps.store.add_session(session)
    return SignedIn(token, session)


def _confirmed(email: str, now: dt.datetime, deps: Accounts) -> None:
    """Opening a link sent to an address proves it is theirs: the double opt-in is done, and
    notices held until then are released."""
    if deps.repository.confirm_address(email, now):
        released = services.release_held_notices(email, now, deps.repository, deps.queue)
        if released:
            log.info("address confirmed by sign-in; %d held notice(s) released", released)


def _window_start(now: dt.datetime) -> dt.datetime:
    utc = now.astimezone(dt.UTC)
    return utc.replace(minute=0, second=0, microsecond=0)


def _base(deps: Accounts) -> str:
    return deps.public_url.rstrip("/")
