"""The API's schema: request and answer models, the error body, and how a caller is named
(API key header, session cookie). Shared by the API routes (``http``) and the page's (``web``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyCookie, APIKeyHeader
from pydantic import BaseModel, Field

from billify.domain import export
from billify.domain.auth import Viewer
from billify.domain.categories import CATEGORIES
from billify.domain.corrections import CORRECTABLE_FIELDS
from billify.domain.models import Invoice, InvoiceStatus
from billify.domain.reports import counts

API_KEY_HEADER = "x-api-key"
SESSION_COOKIE = "billify_session"
# Declared on the routes for the OpenAPI document; the ``guard`` middleware reads them.
_api_key = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="A script's key (BILLIFY_API_KEYS)"
)
_session_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="Set by opening a sign-in link"
)
SIGNED_IN = [Security(_api_key), Security(_session_cookie)]


class ErrorBody(BaseModel):
    error: str
    detail: str
    field: str | None = None


class UploadAccepted(BaseModel):
    id: str
    status: InvoiceStatus
    duplicate: bool = False


class DirectUploadRequest(BaseModel):
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    filename: str | None = Field(None, max_length=255)
    size: int | None = Field(None, ge=0, description="The file's size in bytes, if known")


class DirectUploadForm(BaseModel):
    url: str
    fields: dict[str, str]  # POST these, then the file last as ``file``, to ``url``
    key: str
    max_bytes: int
    expires_at: str


class SignInRequest(BaseModel):
    email: str = Field(max_length=320)
    name: str | None = Field(None, max_length=200)


class SignInSent(BaseModel):
    status: Literal["sent"]


class SignedOut(BaseModel):
    status: Literal["signed_out"]


class Me(BaseModel):
    email: str | None  # the signed-in address (None for an API key or in open mode)
    name: str | None
    key: str | None = None  # the API key's label
    scope: str | None = None  # a link's session: ``invoice:<id>`` or ``month:YYYY-MM``
    auth: Literal["on", "off"]
    # Where to forward invoices by email (a full session's, when BILLIFY_INBOUND_DOMAIN is set).
    inbound_address: str | None = None
    # A signed-in user's choices, the defaults applied, and what they may choose from.
    home_currency: str | None = None
    locale: str | None = None
    home_currencies: list[str] = []
    locales: list[str] = []
    # What an invoice's ``category`` may be corrected to (PATCH /invoices/{id}).
    categories: list[str] = Field(default_factory=lambda: list(CATEGORIES))


class PreferencesChange(BaseModel):
    """Either or both; a choice left out stays as it was."""

    home_currency: str | None = Field(None, max_length=16, description="e.g. MYR (ISO 4217)")
    locale: str | None = Field(None, max_length=16, description="en, de or fr")


class PreferencesOut(BaseModel):
    home_currency: str
    locale: str


class InboundAddress(BaseModel):
    inbound_address: str


class InvoiceChange(BaseModel):
    not_duplicate: bool | None = None
    # Corrections typed by the user (amounts as text like "12.50", date YYYY-MM-DD, currency
    # ISO 4217); an empty string clears vendor, invoice_number, subtotal or tax.
    total: str | None = None
    subtotal: str | None = None
    tax: str | None = None
    currency: str | None = None
    vendor: str | None = None
    date: str | None = None
    invoice_number: str | None = None
    category: str | None = None  # one of billify.domain.categories.CATEGORIES

    def corrections(self) -> dict[str, str]:
        return {f: v for f in CORRECTABLE_FIELDS if (v := getattr(self, f)) is not None}


class LineItemOut(BaseModel):
    description: str
    quantity: str | None
    unit_price: str | None
    amount: str | None


class EvidenceOut(BaseModel):
    page: int
    box: list[float] | None  # (x0, y0, x1, y1) as fractions of the page, y downwards


class InvoiceRow(BaseModel):
    """One invoice in a list: ``export.record``'s shape (the CSV's columns, confidences and
    where each field was read)."""

    id: str
    received_at: str
    status: InvoiceStatus
    counted: bool  # in the totals (processed, with a total, not a likely duplicate)
    date: str | None
    vendor: str | None
    total: str | None
    currency: str | None
    subtotal: str | None
    tax: str | None
    invoice_number: str | None
    user_edited: list[str]
    duplicate_of: str | None
    original_filename: str | None
    name: str
    email: str
    category: str | None = None  # one of billify.domain.categories.CATEGORIES
    net: str | None = None  # total minus tax; the subtotal when only that was read
    home_amount: str | None = None  # the total in the home currency, at the ECB rate
    home_currency: str | None = None
    rate: str | None = None
    rate_date: str | None = None
    file: str | None = None  # the original's name in the month's pack (the list only)
    confidence: dict[str, float]
    evidence: dict[str, EvidenceOut] = {}  # where each field was read
    error: str | None = None


class InvoiceOut(InvoiceRow):
    """One invoice, whole: its row, and what only its own page shows."""

    processed_at: str | None
    notified: bool
    amount_due: str | None
    vendor_address: str | None
    line_items: list[LineItemOut]
    source: str | None
    media_type: str
    file_size: int

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceOut:
        extracted = invoice.extraction.to_json() if invoice.extraction else {}
        return cls(
            **export.record(invoice, counts(invoice)),
            processed_at=invoice.processed_at.isoformat() if invoice.processed_at else None,
            notified=invoice.notice_sent_at is not None,
            amount_due=extracted.get("amount_due"),
            vendor_address=extracted.get("vendor_address"),
            line_items=extracted.get("line_items", []),
            source=extracted.get("source"),
            media_type=invoice.media_type,
            file_size=invoice.file_size,
        )


class NotSignedIn(Exception):
    pass


def signed_in(request: Request) -> Viewer:
    """The route's caller: a session, an API key, or anyone in open mode; else 401."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if viewer is None:
        raise NotSignedIn
    return viewer


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations: every error answer carries an ``ErrorBody``."""
    return {status: {"model": ErrorBody} for status in statuses}


def error_answer(status: int, code: str, detail: str, field: str | None = None) -> JSONResponse:
    body = ErrorBody(error=code, detail=detail, field=field).model_dump(exclude_none=True)
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(body, status_code=status, headers=headers)


class InvoiceList(BaseModel):
    month: str
    count: int
    totals: dict[str, str]
    invoices: list[InvoiceRow]
