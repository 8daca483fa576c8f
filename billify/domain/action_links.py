"""The signed links in notices and reports: URLs that open the page at one invoice (or one
month) for one action. Pure: the signer, the server's address and the time come in.

The token signs who and what (the address and the ``Scope``) until when; the action (``do=``)
only says what the page offers first, so every link of one email shares one token: one HMAC per
email, however many buttons it has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from billify.domain.auth import ACTION_LINK_LIFETIME, ActionLinks, Scope
from billify.domain.models import Invoice, InvoiceStatus

# What a page opened from an emailed link offers first (its ``do=``).
# ``export``: a month's page that downloads the accountant's ZIP (the report's pack link).
ACTIONS = frozenset({"view", "fix", "confirm", "not-duplicate", "export"})


def action_url(
    links: ActionLinks, public_url: str, email: str, scope: Scope, action: str, now: dt.datetime
) -> str:
    """The URL in an email that opens the page at one invoice (or month) for ``action``,
    signed for ``email`` and ``scope`` until ``ACTION_LINK_LIFETIME`` after ``now``."""
    return _url(public_url, links.sign(email, scope, now + ACTION_LINK_LIFETIME), action)


def _url(public_url: str, token: str, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    query = urlencode({"token": token, "do": action})
    return f"{public_url.rstrip('/')}/auth/open?{query}"


@dataclass(frozen=True)
class NoticeLinks:
    """The buttons of one invoice's notice, each opening the page at that invoice:
    ``not_duplicate`` only for a likely duplicate."""

    view: str
    fix: str
    confirm: str
    not_duplicate: str | None = None


def notice_links(
    links: ActionLinks, public_url: str, invoice: Invoice, now: dt.datetime
) -> NoticeLinks:
    """The links of ``invoice``'s notice, signed for its uploader and that invoice only."""
    token = links.sign(
        invoice.uploader.email, Scope(invoice_id=invoice.id), now + ACTION_LINK_LIFETIME
    )
    duplicate = invoice.duplicate_of is not None and invoice.status != InvoiceStatus.FAILED
    return NoticeLinks(
        view=_url(public_url, token, "view"),
        fix=_url(public_url, token, "fix"),
        confirm=_url(public_url, token, "confirm"),
        not_duplicate=_url(public_url, token, "not-duplicate") if duplicate else None,
    )


def month_link(
    links: ActionLinks, public_url: str, email: str, month: str, now: dt.datetime
) -> str:
    """The monthly report's link: the page at ``month`` (YYYY-MM) for ``email``."""
    return action_url(links, public_url, email, Scope(month=month), "view", now)


def pack_link(links: ActionLinks, public_url: str, email: str, month: str, now: dt.datetime) -> str:
    """The monthly report's link to the accountant's ZIP: the page at ``month`` (YYYY-MM) for
    ``email``, which starts the download once opened."""
    return action_url(links, public_url, email, Scope(month=month), "export", now)


@dataclass(frozen=True)
class ReportLinks:
    """The monthly report's links, sharing one token: the month on the page, and the same
    page starting the download of the month's ZIP for the accountant."""

    month: str
    pack: str


def report_links(
    links: ActionLinks, public_url: str, email: str, month: str, now: dt.datetime
) -> ReportLinks:
    token = links.sign(email, Scope(month=month), now + ACTION_LINK_LIFETIME)
    return ReportLinks(_url(public_url, token, "view"), _url(public_url, token, "export"))
