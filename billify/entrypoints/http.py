"""The HTTP API. Routes parse the request, call one use case, and answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from typing import Any

from fastapi import FastAPI, File, Form, Query, Request, Security, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import billify
from billify.bootstrap import Billify
from billify.domain import notifications
from billify.domain.corrections import CORRECTABLE_FIELDS, InvalidCorrection
from billify.domain.models import Invoice, InvoiceStatus
from billify.domain.uploads import (
    MAX_REQUEST_BYTES,
    MAX_UPLOAD_BYTES,
    UploadRejected,
    validate_upload,
)
from billify.entrypoints import web
from billify.services import NotCorrectable, correct_invoice

log = logging.getLogger(__name__)

API_KEY_HEADER = "x-api-key"
# Declared on the routes for the OpenAPI document; the ``guard`` middleware enforces it.
_api_key = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="Required when BILLIFY_API_KEYS is set"
)
_PUBLIC_PATHS = frozenset(
    {"/health", "/confirm", "/docs", "/docs/oauth2-redirect", "/openapi.json"}
)


class ErrorBody(BaseModel):
    error: str
    detail: str
    field: str | None = None


class UploadAccepted(BaseModel):
    id: str
    status: InvoiceStatus
    duplicate: bool = False


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


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations: every error answer carries an ``ErrorBody``."""
    return {status: {"model": ErrorBody} for status in statuses}


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
    api.add_middleware(BodyDeadline, seconds=app.settings.body_timeout)

    keys = app.settings.keys
    limiter = MovingWindowRateLimiter(MemoryStorage())
    rate = parse(app.settings.rate_limit)

    @api.middleware("http")
    async def guard(request: Request, call_next: Any) -> Any:
        """Before any body is read: refuse oversized bodies, unknown keys, callers over limit."""
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_REQUEST_BYTES:
            return _error(413, "too_large", f"file is larger than {MAX_UPLOAD_BYTES} bytes", "file")
        request.state.caller = None
        if keys.enabled and request.url.path not in _PUBLIC_PATHS:
            caller = keys.identify(request.headers.get(API_KEY_HEADER))
            if caller is None:
                return _error(401, "unauthorized", f"a valid {API_KEY_HEADER} header is required")
            if not limiter.hit(rate, caller):
                reset = limiter.get_window_stats(rate, caller).reset_time
                retry_after = str(max(1, math.ceil(reset - time.time())))
                response = _error(429, "rate_limited", "too many requests for this API key")
                response.headers["Retry-After"] = retry_after
                return response
            request.state.caller = caller
        return await call_next(request)

    @api.post(
        "/upload-invoice",
        status_code=202,
        response_model=UploadAccepted,
        dependencies=[Security(_api_key)],
        responses={
            200: {"model": UploadAccepted, "description": "Same file already uploaded"},
            **_errors(400, 401, 413, 415, 422, 429, 503),
        },
    )
    async def upload_invoice(
        request: Request,
        file: UploadFile | None = File(None, description="PNG, JPEG, WEBP, TIFF or PDF"),
        name: str | None = Form(None, description="Your name"),
        email: str | None = Form(None, description="Where to send the result"),
    ) -> Any:
        """Accept an invoice; answers once the file is stored and queued for processing."""
        if file is None:
            raise UploadRejected("file", "file is required")
        content = await file.read(MAX_UPLOAD_BYTES + 1)
        upload = validate_upload(name, email, content, file.filename)
        submitted = await run_in_threadpool(app.submit, upload, request.state.caller)
        body = UploadAccepted(
            id=submitted.invoice.id, status=submitted.invoice.status, duplicate=submitted.duplicate
        )
        return JSONResponse(
            body.model_dump(mode="json"), status_code=200 if submitted.duplicate else 202
        )

    @api.get(
        "/invoices/{invoice_id}",
        response_model=InvoiceOut,
        dependencies=[Security(_api_key)],
        responses=_errors(401, 404, 413, 422, 429, 503),
    )
    def get_invoice(request: Request, invoice_id: str) -> Any:
        """The record of one invoice: its status and the fields read from it."""
        invoice = _visible(request, invoice_id)
        if invoice is None:
            return _error(404, "not_found", "no invoice with this id")
        return InvoiceOut.of(invoice)

    def _visible(request: Request, invoice_id: str) -> Invoice | None:
        invoice = app.repository.get(invoice_id) if len(invoice_id) <= 64 else None
        if invoice is None or (keys.enabled and invoice.owner != request.state.caller):
            # Another key's invoice is answered exactly like a missing one: ids do not leak.
            return None
        return invoice

    @api.patch(
        "/invoices/{invoice_id}",
        response_model=InvoiceOut,
        dependencies=[Security(_api_key)],
        responses=_errors(400, 401, 404, 409, 413, 422, 429, 503),
    )
    def update_invoice(request: Request, invoice_id: str, change: InvoiceChange) -> Any:
        """Correct an invoice: ``not_duplicate`` counts a likely duplicate as its own expense;
        field values fix what was read wrongly (stored as user-edited, used by the reports)."""
        invoice = _visible(request, invoice_id)
        if invoice is None:
            return _error(404, "not_found", "no invoice with this id")
        if change.not_duplicate:
            invoice = app.mark_not_duplicate(invoice_id) or invoice
        try:
            corrections = change.corrections()
            corrected = correct_invoice(invoice_id, corrections, app.repository, app.review)
        except InvalidCorrection as error:
            return _error(400, "invalid_change", error.message, error.field)
        except NotCorrectable as error:
            return _error(409, "not_ready", str(error))
        return InvoiceOut.of(corrected or invoice)

    @api.get(
        "/confirm",
        responses={
            200: {"content": {"text/html": {"schema": {"type": "string"}}}},
            **_errors(404, 422),
        },
    )
    def confirm(token: str = Query(max_length=128)) -> Any:
        """The link sent to a new address (double opt-in): confirms it, releases held notices."""
        confirmed = app.confirm_recipient(token)
        if confirmed is None:
            return _error(404, "not_found", "this link is unknown or was already used")
        return HTMLResponse(notifications.confirmation_page(confirmed.email, confirmed.released))

    @api.get("/health")
    def health() -> dict[str, Any]:
        """Liveness and queue depth."""
        depth = getattr(app.queue, "depth", None)
        return {"status": "ok", "version": billify.__version__, "queue": depth() if depth else None}

    web.register(api, app)  # the web page, the month's list and export, thumbnails
    return api


class BodyDeadline:
    """The whole request body must arrive within ``seconds``: a client trickling bytes cannot
    hold a connection (and a worker thread) for ever. Past the deadline it gets a 408."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.seconds
        state = {"started": False, "timed_out": False}

        async def receive_before_deadline() -> Message:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                async with asyncio.timeout(max(remaining, 0)):
                    return await receive()
            except TimeoutError:
                # Answer here: the framework would turn the error into a generic 400.
                if not state["started"]:
                    detail = f"the request body did not arrive within {self.seconds:g} s"
                    await _error(408, "timeout", detail)(scope, receive, send)
                state["started"] = state["timed_out"] = True
                raise _BodyTooSlow from None

        async def tracking_send(message: Message) -> None:
            if state["timed_out"]:
                return  # the 408 has been sent; drop whatever the app answers after it
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_BodyTooSlow):
            await self.app(scope, receive_before_deadline, tracking_send)


class _BodyTooSlow(Exception):
    pass


def _methods_for(api: FastAPI, path: str) -> list[str]:
    methods: set[str] = set()
    for route in api.routes:
        if isinstance(route, APIRoute) and route.path_regex.match(path):
            methods |= route.methods or set()
    return sorted(methods)


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
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        response = _error(error.status_code, "http_error", str(error.detail))
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            # Starlette lists only the first route's methods; a path may have several routes.
            response.headers["Allow"] = ", ".join(_methods_for(api, request.url.path))
        return response

    @api.exception_handler(sqlite3.OperationalError)
    async def busy(_: Request, error: sqlite3.OperationalError) -> JSONResponse:
        # The database stayed locked past the busy timeout: ask the client to retry.
        log.warning("database unavailable: %s", error)
        return _error(503, "unavailable", "storage is busy, retry shortly")
