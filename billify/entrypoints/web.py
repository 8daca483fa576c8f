"""The web page and the routes it needs beside the API: the month's list (also the export, as
JSON or CSV) and thumbnails. Registered by ``create_app``; routes parse, call a use case, answer.

The page itself (``/`` and ``/static/...``) is public, static and carries no data: it is served
before the API key check, and sends the key the user pasted with every API call it makes.
"""

from __future__ import annotations

import io
import logging
from typing import Any, Literal

from fastapi import FastAPI, Query, Request, Security
from fastapi.responses import Response
from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billify import services
from billify.bootstrap import Billify
from billify.domain import export
from billify.domain.models import InvoiceStatus
from billify.domain.reports import Month
from billify.domain.uploads import UploadRejected, validate_email_address

log = logging.getLogger(__name__)

STATIC_PACKAGE = ("billify.entrypoints", "static")
THUMBNAIL_SIZE = (320, 320)
# Larger images are not thumbnailed (decompression bombs are refused by the extractor anyway).
_MAX_THUMBNAIL_PIXELS = 60_000_000
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self';"
        " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class InvoiceRow(BaseModel):
    id: str
    received_at: str
    status: InvoiceStatus
    counted: bool
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
    confidence: dict[str, float]


class InvoiceList(BaseModel):
    month: str
    count: int
    totals: dict[str, str]
    invoices: list[InvoiceRow]


def register(api: FastAPI, app: Billify) -> None:
    """Add the page and its routes to the API (called once, at the end of ``create_app``)."""
    from billify.entrypoints.http import _api_key, _error, _errors

    keys = app.settings.keys
    api.add_middleware(PublicPage)

    @api.get(
        "/invoices",
        response_model=InvoiceList,
        dependencies=[Security(_api_key)],
        responses={
            200: {
                "content": {"text/csv": {"schema": {"type": "string"}}},
                "description": "The month's invoices (CSV with ?format=csv or Accept: text/csv)",
            },
            **_errors(400, 401, 413, 422, 429, 503),
        },
    )
    def list_invoices(
        request: Request,
        email: str = Query(max_length=320, description="Whose invoices"),
        month: str | None = Query(
            None, max_length=7, description="YYYY-MM; default: this month (BILLIFY_TIMEZONE)"
        ),
        format: Literal["json", "csv"] | None = Query(
            None, description="Default: JSON, or CSV when the Accept header asks for text/csv"
        ),
    ) -> Any:
        """One user's invoices received in a month, with the month's totals: the list of the web
        page, and the export. With API keys, only the invoices uploaded with the caller's key."""
        try:
            address = validate_email_address(email)
        except UploadRejected as error:
            return _error(400, "invalid_request", error.message, "email")
        try:
            chosen = (
                Month.parse(month) if month else Month.containing(app.clock.now(), app.settings.tz)
            )
        except ValueError as error:
            return _error(400, "invalid_request", str(error), "month")
        invoices = services.invoices_of_month(
            chosen,
            address,
            repository=app.repository,
            timezone=app.settings.tz,
            owner=request.state.caller if keys.enabled else None,
        )
        wants_csv = format == "csv" or (
            format is None and "text/csv" in request.headers.get("accept", "")
        )
        if wants_csv:
            return Response(
                export.to_csv(invoices),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="billify-{chosen}.csv"'},
            )
        return InvoiceList.model_validate(export.month_export(chosen, invoices))

    @api.get(
        "/invoices/{invoice_id}/thumbnail",
        dependencies=[Security(_api_key)],
        response_class=Response,
        responses={
            200: {"content": {"image/jpeg": {}}, "description": "A small JPEG of the first page"},
            **_errors(401, 404, 413, 422, 429, 503),
        },
    )
    def thumbnail(request: Request, invoice_id: str) -> Any:
        """A small picture of the uploaded file, for the key that uploaded it."""
        invoice = app.repository.get(invoice_id) if len(invoice_id) <= 64 else None
        if invoice is None or (keys.enabled and invoice.owner != request.state.caller):
            return _error(404, "not_found", "no invoice with this id")
        picture = render_thumbnail(app.blobs.get(invoice.blob_key), invoice.media_type)
        if picture is None:
            return _error(404, "no_preview", "no preview can be made of this file")
        return Response(
            picture, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"}
        )


def render_thumbnail(document: bytes, media_type: str) -> bytes | None:
    """A JPEG at most ``THUMBNAIL_SIZE`` of an image or of a PDF's first page; None if the file
    cannot be pictured."""
    try:
        image = _first_page(document) if media_type == "application/pdf" else _image(document)
        if image is None:
            return None
        image.thumbnail(THUMBNAIL_SIZE)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=80, optimize=True)
        return buffer.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        log.info("no thumbnail: %s", error)
        return None


def _image(document: bytes) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(document))
    except UnidentifiedImageError:
        return None
    if image.width * image.height > _MAX_THUMBNAIL_PIXELS:
        return None
    image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a reduced size, much faster
    return ImageOps.exif_transpose(image)


def _first_page(document: bytes) -> Image.Image | None:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(document)
    except pdfium.PdfiumError:
        return None
    try:
        if len(pdf) == 0:
            return None
        page = pdf[0]
        width, height = page.get_size()
        scale = min(THUMBNAIL_SIZE[0] / max(width, 1), THUMBNAIL_SIZE[1] / max(height, 1), 2.0)
        image: Image.Image = page.render(scale=scale).to_pil()
        return image
    finally:
        pdf.close()


class PublicPage:
    """Serves ``/`` and ``/static/...`` (GET and HEAD) ahead of the API's key check: the page is
    static and public; everything it shows comes from API calls that carry the user's key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        static = StaticFiles(packages=[STATIC_PACKAGE])
        self.page = Starlette(
            routes=[Route("/", self.index, methods=["GET", "HEAD"]), Mount("/static", static)]
        )

    async def index(self, _: Any) -> FileResponse:
        index = _static_dir() + "/index.html"
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") not in ("GET", "HEAD")
            or not (path == "/" or path.startswith("/static/"))
        ):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _PAGE_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.page(scope, receive, with_headers)


def _static_dir() -> str:
    from importlib.resources import files

    return str(files(STATIC_PACKAGE[0]) / STATIC_PACKAGE[1])
