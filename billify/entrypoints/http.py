"""The HTTP API. Routes parse the request, call one use case, and answer."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from typing import Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

import billify
from billify.bootstrap import Billify
from billify.domain.models import Invoice, InvoiceStatus
from billify.domain.uploads import MAX_UPLOAD_BYTES, UploadRejected, validate_upload

log = logging.getLogger(__name__)

# Room for the name, email and multipart framing around a file of the maximum size.
_MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024


class ErrorBody(BaseModel):
    error: str
    detail: str
    field: str | None = None


class UploadAccepted(BaseModel):
    id: str
    status: InvoiceStatus
    duplicate: bool = False


class LineItemOut(BaseModel):
    description: str
    quantity: str | None
    unit_price: str | None
    amount: str | None


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
    source: str | None
    error: str | None
    media_type: str
    file_size: int
    original_filename: str | None

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
        fields.update(line_items=[], confidence={})
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
            media_type=invoice.media_type,
            file_size=invoice.file_size,
            original_filename=invoice.original_filename,
            **fields,
        )


def _error(status: int, error: str, detail: str, field: str | None = None) -> JSONResponse:
    body = ErrorBody(error=error, detail=detail, field=field).model_dump(exclude_none=True)
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(
    app: Billify,
    background: Callable[[], AbstractContextManager[object]] | None = None,
) -> FastAPI:
    """The FastAPI application. ``background`` runs beside it (``serve``: workers, scheduler)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        with (background or nullcontext)():
            yield

    api = FastAPI(
        title="Billify",
        version=billify.__version__,
        description="Upload invoices and receipts; get told what you spent.",
        lifespan=lifespan,
    )
    _add_error_handlers(api)

    @api.middleware("http")
    async def refuse_oversized_bodies(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > _MAX_BODY_BYTES:
            return _error(413, "too_large", f"file is larger than {MAX_UPLOAD_BYTES} bytes", "file")
        return await call_next(request)

    @api.post(
        "/upload-invoice",
        status_code=202,
        response_model=UploadAccepted,
        responses={
            200: {"model": UploadAccepted, "description": "Same file already uploaded"},
            400: {"model": ErrorBody},
            413: {"model": ErrorBody},
            415: {"model": ErrorBody},
            422: {"model": ErrorBody},
            503: {"model": ErrorBody},
        },
    )
    async def upload_invoice(
        file: UploadFile | None = File(None, description="PNG, JPEG, WEBP, TIFF or PDF"),
        name: str | None = Form(None, description="Your name"),
        email: str | None = Form(None, description="Where to send the result"),
    ) -> Any:
        """Accept an invoice; answers once the file is stored and queued for processing."""
        if file is None:
            raise UploadRejected("file", "file is required")
        content = await file.read(MAX_UPLOAD_BYTES + 1)
        upload = validate_upload(name, email, content, file.filename)
        submitted = await run_in_threadpool(app.submit, upload)
        body = UploadAccepted(
            id=submitted.invoice.id, status=submitted.invoice.status, duplicate=submitted.duplicate
        )
        return JSONResponse(
            body.model_dump(mode="json"), status_code=200 if submitted.duplicate else 202
        )

    @api.get(
        "/invoices/{invoice_id}", response_model=InvoiceOut, responses={404: {"model": ErrorBody}}
    )
    def get_invoice(invoice_id: str) -> Any:
        """The record of one invoice: its status and the fields read from it."""
        invoice = app.repository.get(invoice_id) if len(invoice_id) <= 64 else None
        if invoice is None:
            return _error(404, "not_found", "no invoice with this id")
        return InvoiceOut.of(invoice)

    @api.get("/health")
    def health() -> dict[str, Any]:
        """Liveness and queue depth."""
        depth = getattr(app.queue, "depth", None)
        return {"status": "ok", "version": billify.__version__, "queue": depth() if depth else None}

    return api


def _add_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(UploadRejected)
    async def rejected(_: Request, error: UploadRejected) -> JSONResponse:
        return _error(error.status, "invalid_upload", error.message, error.field)

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
            for e in error.errors()
        )
        return _error(422, "invalid_request", problems or "invalid request")

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return _error(error.status_code, "http_error", str(error.detail))

    @api.exception_handler(sqlite3.OperationalError)
    async def busy(_: Request, error: sqlite3.OperationalError) -> JSONResponse:
        # The database stayed locked past the busy timeout: ask the client to retry.
        log.warning("database unavailable: %s", error)
        return _error(503, "unavailable", "storage is busy, retry shortly")
