"""The web page and the routes it needs beside the API: the month's list (also the export, as
JSON or CSV, and the accountant's pack, a ZIP) and thumbnails. Registered by ``create_app``;
routes parse, call a use case, answer.

The page itself (``/`` and ``/static/...``) is public, static and carries no data: it is served
before the API key check, and sends the key the user pasted with every API call it makes.
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterator
from typing import IO, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from billify import packing, services
from billify.bootstrap import Billify
from billify.domain import export, pack
from billify.domain.auth import Viewer
from billify.domain.models import Invoice
from billify.domain.reports import Month
from billify.domain.uploads import UploadRejected, validate_email_address
from billify.entrypoints.api_schema import (
    SIGNED_IN,
    InvoiceList,
    error_answer,
    error_responses,
    signed_in,
)
from billify.ports import BlobNotFound

log = logging.getLogger(__name__)

STATIC_PACKAGE = ("billify.entrypoints", "static")
THUMBNAIL_SIZE = (320, 320)
# Larger images are not thumbnailed (decompression bombs are refused by the extractor anyway).
_MAX_THUMBNAIL_PIXELS = 60_000_000
_PACK_IN_MEMORY = 8 * 1024 * 1024  # a larger pack is spooled to a temporary file
_PACK_CHUNK = 256 * 1024
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self';"
        " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def register(api: FastAPI, app: Billify) -> None:
    """Add the page and its routes to the API (called once, at the end of ``create_app``).
    The page and its files are public paths of the API's guard: the page is static, and all it
    shows comes from API calls that carry the user's session or key."""
    api.mount("/static", PageFiles(packages=[STATIC_PACKAGE]), name="static")

    @api.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(
            _static_dir() + "/index.html",
            media_type="text/html",
            headers={"Cache-Control": "no-cache", **_PAGE_HEADERS},
        )

    @api.get(
        "/invoices",
        response_model=InvoiceList,
        dependencies=SIGNED_IN,
        responses={
            200: {
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/zip": {"schema": {"type": "string", "format": "binary"}},
                },
                "description": (
                    "The month's invoices (CSV with ?format=csv or Accept: text/csv; with"
                    " ?format=zip the accountant's pack: the CSV and every original file)"
                ),
            },
            303: {"description": "AWS: the accountant's pack, at a presigned S3 link"},
            **error_responses(400, 401, 413, 422, 429, 503),
        },
    )
    def list_invoices(
        request: Request,
        email: str | None = Query(
            None, max_length=320, description="Whose invoices (default: the signed-in person)"
        ),
        month: str | None = Query(
            None, max_length=7, description="YYYY-MM; default: this month (BILLIFY_TIMEZONE)"
        ),
        format: Literal["json", "csv", "zip"] | None = Query(
            None, description="Default: JSON, or CSV when the Accept header asks for text/csv"
        ),
        viewer: Viewer = Depends(signed_in),
    ) -> Any:
        """One person's invoices received in a month, with the month's totals: the list of the
        web page, and the export. A session lists its own; an API key those it uploaded."""
        try:
            address = validate_email_address(email or viewer.email)
        except UploadRejected as error:
            return error_answer(400, "invalid_request", error.message, "email")
        try:
            chosen = (
                Month.parse(month) if month else Month.containing(app.clock.now(), app.settings.tz)
            )
        except ValueError as error:
            return error_answer(400, "invalid_request", str(error), "month")
        if not viewer.may_list(address, str(chosen)):
            return error_answer(403, "forbidden", "you can list only your own invoices", "email")
        invoices = services.invoices_of_month(
            chosen, address, viewer, repository=app.repository, timezone=app.settings.tz
        )
        if format == "zip":
            return _pack_answer(chosen, invoices, app)
        wants_csv = format == "csv" or (
            format is None and "text/csv" in request.headers.get("accept", "")
        )
        if wants_csv:
            return Response(
                export.to_csv(invoices, app.settings.tz),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="billify-{chosen}.csv"'},
            )
        return InvoiceList.model_validate(export.month_export(chosen, invoices, app.settings.tz))

    @api.get(
        "/invoices/{invoice_id}/thumbnail",
        dependencies=SIGNED_IN,
        response_class=Response,
        responses={
            200: {"content": {"image/jpeg": {}}, "description": "A small JPEG of the first page"},
            **error_responses(401, 404, 413, 422, 429, 503),
        },
    )
    def thumbnail(invoice_id: str, viewer: Viewer = Depends(signed_in)) -> Any:
        """A small picture of the uploaded file, for whoever may see the invoice."""
        invoice = services.visible_invoice(invoice_id, viewer, app.repository)
        if invoice is None:
            return error_answer(404, "not_found", "no invoice with this id")
        try:
            picture = render_thumbnail(app.blobs.get(invoice.blob_key), invoice.media_type)
        except BlobNotFound:  # deleted meanwhile
            picture = None
        if picture is None:
            return error_answer(404, "no_preview", "no preview can be made of this file")
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


def _pack_answer(month: Month, invoices: list[Invoice], app: Billify) -> Response:
    """The month's pack, built in a spooled temporary file (on disk once it grows), then
    streamed from it: neither the originals nor the ZIP are held in memory whole. Where
    answers are capped (AWS: 6 MB), it is stored instead and the answer is a redirect to it."""
    spool = tempfile.SpooledTemporaryFile(max_size=_PACK_IN_MEMORY)  # noqa: SIM115 (closed below)
    try:
        packing.write_pack(month, invoices, blobs=app.blobs, out=spool, timezone=app.settings.tz)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    if app.downloads is not None:
        with spool:
            url = app.downloads.offer(spool, pack.zip_name(month), "application/zip")
        return RedirectResponse(url, status_code=303)
    return StreamingResponse(
        _chunks_then_close(spool),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{pack.zip_name(month)}"'},
    )


def _chunks_then_close(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(_PACK_CHUNK):
            yield chunk


class PageFiles(StaticFiles):
    """The page's files (``/static/...``), with the page's security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        for name, value in _PAGE_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _static_dir() -> str:
    from importlib.resources import files

    return str(files(STATIC_PACKAGE[0]) / STATIC_PACKAGE[1])
