"""The API's schema: request and answer models, the error body, and how a caller is named
(API key header, session cookie). Shared by the API routes (``http``) and the page's (``web``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyCookie, APIKeyHeader
from pydantic import BaseModel, Field

from billify.domain.auth import Viewer
from billify.domain.corrections import CORRECTABLE_FIELDS
from billify.domain.models import Invoice, InvoiceStatus

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


class InvoiceOut(BaseModel):
    id: str
    status: InvoiceStatus
    name: str
    email: str
    received_at: str
    processed_at: str | None
    notified: bool
    total: str | None
    subtotal: str | None
    tax: str | None
    amount_due: str | None
    currency: str | None
    vendor: str | None
    vendor_address: str | None
    date: str | None
    invoice_number: str | None
    line_items: list[LineItemOut]
    confidence: dict[str, float]
    evidence: dict[str, EvidenceOut] = {}  # where each field was read
    source: str | None
    error: str | None
    duplicate_of: str | None
    media_type: str
    file_size: int
    original_filename: str | None
    user_edited: list[str] = []

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceOut:
        fields: dict[str, Any] = dict.fromkeys(
            (
                "total",
                "subtotal",
                "tax",
                "amount_due",
                "currency",
                "vendor",
                "vendor_address",
                "date",
                "invoice_number",
                "source",
            ),
        )
        fields.update(line_items=[], confidence={}, evidence={})
        if invoice.extraction:
            extracted = invoice.extraction.to_json()
            fields.update({k: extracted[k] for k in fields})
        return cls(
            id=invoice.id,
            status=invoice.status,
            name=invoice.uploader.name,
            email=invoice.uploader.email,
            received_at=invoice.received_at.isoformat(),
            processed_at=invoice.processed_at.isoformat() if invoice.processed_at else None,
            notified=invoice.notice_sent_at is not None,
            error=invoice.error,
            duplicate_of=invoice.duplicate_of,
            media_type=invoice.media_type,
            file_size=invoice.file_size,
            original_filename=invoice.original_filename,
            user_edited=sorted(invoice.extraction.user_edited) if invoice.extraction else [],
            **fields,
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
