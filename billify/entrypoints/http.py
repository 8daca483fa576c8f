"""The HTTP API. Routes parse the request, call one use case, and answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import billify
from billify import accounts, inbox, profiles, services
from billify.accounts import SignedIn
from billify.adapters.aws import direct_upload
from billify.bootstrap import Billify
from billify.domain import notifications
from billify.domain.auth import Viewer
from billify.domain.corrections import InvalidCorrection
from billify.domain.profiles import LOCALES, SUPPORTED_HOME_CURRENCIES
from billify.domain.uploads import (
    MAX_REQUEST_BYTES,
    MAX_UPLOAD_BYTES,
    TOO_LARGE,
    UploadRejected,
    validate_email_address,
    validate_upload,
)
from billify.entrypoints import web
from billify.entrypoints.api_schema import (
    API_KEY_HEADER,
    SESSION_COOKIE,
    SIGNED_IN,
    DirectUploadForm,
    DirectUploadRequest,
    InboundAddress,
    InvoiceChange,
    InvoiceOut,
    Me,
    NotSignedIn,
    PreferencesChange,
    PreferencesOut,
    SignedOut,
    SignInRequest,
    SignInSent,
    UploadAccepted,
    error_answer,
    error_responses,
    signed_in,
)
from billify.ports import DuplicateUpload, StorageBusy
from billify.services import NotCorrectable

log = logging.getLogger(__name__)

# Reached without a key even when API keys are configured: the page, its files, sign-in.
_PUBLIC_PREFIXES = ("/static/",)
_PUBLIC_PATHS = frozenset(
    {
        "/",
        "/health",
        "/confirm",
        "/docs",
        "/docs/oauth2-redirect",
        "/openapi.json",
        "/auth/sign-in",
        "/auth/link",
        "/auth/open",
        "/auth/sign-out",
        "/me",
    }
)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The page, from /auth/...: relative, so it holds behind a path prefix (API Gateway's stage).
PAGE = "../"


def _not_found() -> JSONResponse:
    # Another person's invoice is answered exactly like a missing one: ids do not leak.
    return error_answer(404, "not_found", "no invoice with this id")


def _accepted(submitted: services.Submitted) -> JSONResponse:
    """202 for a new invoice queued; 200 with the existing id for the same file again."""
    body = UploadAccepted(
        id=submitted.invoice.id, status=submitted.invoice.status, duplicate=submitted.duplicate
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=200 if submitted.duplicate else 202
    )


def _uploader(
    viewer: Viewer | None, name: str | None, email: str | None
) -> tuple[str | None, str | None]:
    """Whose upload this is: a signed-in person's page files it as theirs, whatever the form
    says (their name defaults to their address's local part); otherwise the form's."""
    signed_in = viewer.may_upload_as if viewer else None
    if not signed_in:
        return name, email
    return (name or "").strip() or signed_in.split("@")[0], signed_in


def _who(viewer: Viewer | None) -> str | None:
    """The rate limiter's key for a caller (none for anonymous or open-mode callers)."""
    if viewer is None or viewer.everyone:
        return None
    return f"key:{viewer.key}" if viewer.key else f"session:{viewer.email}"


def _same_origin(request: Request, app: Billify) -> bool:
    """A state-changing request on a session cookie must come from our own page: its Origin
    (or, without one, its Referer) is this server or the public URL. Cross-site forms fail."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    origin = urlsplit(source)
    public = urlsplit(app.settings.public_url)
    if (origin.scheme, origin.netloc) == (public.scheme, public.netloc):
        return True
    return origin.netloc == request.headers.get("host", "")


def _with_session(response: Response, signed: SignedIn, app: Billify) -> Response:
    lifetime = signed.session.expires_at - signed.session.created_at
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=int(lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=app.settings.public_url.startswith("https://"),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_refused(request: Request, message: str) -> Response:
    """A dead link opened in a browser gets a page that says so and how to get another."""
    if "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(notifications.link_refused_page(message, PAGE), status_code=400)
    return error_answer(400, "invalid_link", message)


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
    sessions_on = app.settings.auth == "on"
    open_mode = not sessions_on and not keys.enabled

    async def guard(request: Request) -> Response | None:
        """Before any body is read: refuse oversized bodies, unknown keys, callers over limit,
        and cross-site requests riding on a session cookie; then say who is asking (None: the
        request goes on)."""
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_REQUEST_BYTES:
            return error_answer(413, "too_large", TOO_LARGE, "file")
        viewer: Viewer | None = Viewer(everyone=True) if open_mode else None
        presented = request.headers.get(API_KEY_HEADER)
        cookie = request.cookies.get(SESSION_COOKIE)
        path = request.url.path
        public = path in _PUBLIC_PATHS or path.startswith(_PUBLIC_PREFIXES)
        if presented and keys.enabled:
            caller = keys.identify(presented)
            if caller is None and not public:
                return error_answer(401, "unauthorized", f"this {API_KEY_HEADER} is not valid")
            viewer = Viewer(key=caller) if caller else viewer
        elif cookie and sessions_on:
            session = await run_in_threadpool(accounts.session_of, cookie, app.accounts)
            if session is not None:
                if request.method not in _SAFE_METHODS and not _same_origin(request, app):
                    return error_answer(
                        403, "cross_site", "this request must come from Billify's page"
                    )
                viewer = accounts.viewer_of(session, app.settings.tz)
        if viewer is None and keys.enabled and not public and not sessions_on:
            # Keys without sign-in: nothing but the public paths is read without a key.
            return error_answer(401, "unauthorized", f"a valid {API_KEY_HEADER} header is required")
        if viewer is None and keys.enabled and path == "/upload-invoice":
            return error_answer(
                401, "unauthorized", f"sign in or send a valid {API_KEY_HEADER} header"
            )
        request.state.viewer = viewer
        limited = _who(viewer)
        if limited and not limiter.hit(rate, limited):
            reset = limiter.get_window_stats(rate, limited).reset_time
            response = error_answer(429, "rate_limited", "too many requests; slow down")
            response.headers["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
            return response
        return None

    api.add_middleware(Guard, check=guard)

    @api.post(
        "/upload-invoice",
        status_code=202,
        response_model=UploadAccepted,
        dependencies=SIGNED_IN,
        responses={
            200: {"model": UploadAccepted, "description": "Same file already uploaded"},
            **error_responses(400, 401, 409, 413, 415, 422, 429, 503),
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
        viewer: Viewer | None = request.state.viewer
        name, email = _uploader(viewer, name, email)
        content = await file.read(MAX_UPLOAD_BYTES + 1)
        upload = validate_upload(name, email, content, file.filename)
        owner = viewer.key if viewer else None
        submitted = await run_in_threadpool(app.submit, upload, owner)
        return _accepted(submitted)

    @api.post(
        "/uploads/direct",
        response_model=DirectUploadForm,
        dependencies=SIGNED_IN,
        responses=error_responses(400, 401, 404, 413, 422, 429),
    )
    def start_direct_upload(request: Request, body: DirectUploadRequest) -> Any:
        """A file too large to pass through the API (AWS: over 4 MB) goes straight to storage:
        a signed form for one file, checked like any upload once it arrives."""
        if app.direct_uploads is None:
            return error_answer(404, "not_found", "direct uploads exist only on AWS here")
        viewer: Viewer | None = request.state.viewer
        name, email = _uploader(viewer, body.name, body.email)
        form = direct_upload.start_direct_upload(
            app.direct_uploads,
            name=name,
            email=email,
            owner=viewer.key if viewer else None,
            filename=body.filename,
            size=body.size,
        )
        return form.to_json()

    @api.get(
        "/invoices/{invoice_id}",
        response_model=InvoiceOut,
        dependencies=SIGNED_IN,
        responses=error_responses(401, 404, 413, 422, 429, 503),
    )
    def get_invoice(invoice_id: str, viewer: Viewer = Depends(signed_in)) -> Any:
        """The record of one invoice: its status and the fields read from it."""
        invoice = services.visible_invoice(invoice_id, viewer, app.repository)
        if invoice is None:
            return _not_found()
        return InvoiceOut.of(invoice)

    @api.patch(
        "/invoices/{invoice_id}",
        response_model=InvoiceOut,
        dependencies=SIGNED_IN,
        responses=error_responses(400, 401, 403, 404, 409, 413, 422, 429, 503),
    )
    def update_invoice(
        invoice_id: str, change: InvoiceChange, viewer: Viewer = Depends(signed_in)
    ) -> Any:
        """Correct an invoice: ``not_duplicate`` counts a likely duplicate as its own expense;
        field values fix what was read wrongly (stored as user-edited, used by the reports)."""
        invoice = services.visible_invoice(invoice_id, viewer, app.repository)
        if invoice is None:
            return _not_found()
        try:
            changed = services.change_invoice(
                invoice_id,
                app.repository,
                corrections=change.corrections(),
                not_duplicate=bool(change.not_duplicate),
                review=app.review,
                home=app.home,
            )
        except InvalidCorrection as error:
            return error_answer(400, "invalid_change", error.message, error.field)
        except NotCorrectable as error:
            return error_answer(409, "not_ready", str(error))
        return InvoiceOut.of(changed or invoice)

    @api.delete(
        "/invoices/{invoice_id}",
        status_code=204,
        dependencies=SIGNED_IN,
        response_class=Response,
        response_model=None,
        responses=error_responses(401, 403, 404, 413, 422, 429, 503),
    )
    def delete_invoice(invoice_id: str, viewer: Viewer = Depends(signed_in)) -> Any:
        """Delete an invoice and its file for good (it no longer counts in any report)."""
        invoice = services.visible_invoice(invoice_id, viewer, app.repository)
        if invoice is None:
            return _not_found()
        services.delete_invoice(invoice, repository=app.repository, blobs=app.blobs)
        return Response(status_code=204)

    @api.post(
        "/invoices/{invoice_id}/replace",
        status_code=202,
        response_model=UploadAccepted,
        dependencies=SIGNED_IN,
        responses={
            200: {"model": UploadAccepted, "description": "That file was already uploaded"},
            **error_responses(400, 401, 403, 404, 413, 415, 422, 429, 503),
        },
    )
    async def replace_invoice(
        invoice_id: str,
        file: UploadFile | None = File(None, description="A better photo or scan"),
        viewer: Viewer = Depends(signed_in),
    ) -> Any:
        """Replace an invoice's file (a clearer photo): the new file is read as a new invoice
        of the same person, and the old one is deleted once the new one is queued."""
        invoice = await run_in_threadpool(
            services.visible_invoice, invoice_id, viewer, app.repository
        )
        if invoice is None:
            return _not_found()
        if file is None:
            raise UploadRejected("file", "file is required")
        content = await file.read(MAX_UPLOAD_BYTES + 1)
        upload = validate_upload(
            invoice.uploader.name, invoice.uploader.email, content, file.filename
        )
        submitted = await run_in_threadpool(app.replace, invoice, upload)
        return _accepted(submitted)

    @api.get(
        "/confirm",
        responses={
            200: {"content": {"text/html": {"schema": {"type": "string"}}}},
            **error_responses(404, 422),
        },
    )
    def confirm(token: str = Query(max_length=128)) -> Any:
        """The link sent to a new address (double opt-in): confirms it, releases held notices."""
        confirmed = app.confirm_recipient(token)
        if confirmed is None:
            return error_answer(404, "not_found", "this link is unknown or was already used")
        return HTMLResponse(notifications.confirmation_page(confirmed.email, confirmed.released))

    @api.post(
        "/auth/sign-in",
        status_code=202,
        response_model=SignInSent,
        responses=error_responses(400, 404, 413, 422, 429, 503),
    )
    def request_sign_in(request: Request, body: SignInRequest) -> Any:
        """Email a one-time sign-in link (valid 15 minutes). The answer is the same for any
        address, used before or not."""
        if not sessions_on:
            return error_answer(404, "sign_in_off", "sign-in is off here (BILLIFY_AUTH=off)")
        try:
            address = validate_email_address(body.email)
        except UploadRejected as error:
            return error_answer(400, "invalid_request", error.message, "email")
        client = request.client.host if request.client else "unknown"
        try:
            accounts.request_sign_in(address, body.name, client, app.accounts)
        except accounts.TooManyAttempts as error:
            response = error_answer(429, "rate_limited", str(error))
            response.headers["Retry-After"] = str(error.retry_after)
            return response
        except accounts.SignInNotSent as error:
            return error_answer(503, "unavailable", str(error))
        return JSONResponse({"status": "sent"}, status_code=202)

    @api.get(
        "/auth/link",
        response_class=RedirectResponse,
        status_code=303,
        responses={303: {"description": "Signed in: to the page"}, **error_responses(400, 422)},
    )
    def open_sign_in_link(request: Request, token: str = Query(max_length=128)) -> Any:
        """The emailed sign-in link: signs this browser in (a new session) and opens the page."""
        signed = accounts.sign_in(
            token,
            app.accounts,
            replacing=request.cookies.get(SESSION_COOKIE),
            accept_language=request.headers.get("accept-language"),
        )
        if signed is None:
            return _link_refused(request, "This sign-in link has expired or was already used.")
        return _with_session(RedirectResponse(PAGE, status_code=303), signed, app)

    @api.get(
        "/auth/open",
        response_class=RedirectResponse,
        status_code=303,
        responses={303: {"description": "To the invoice or month"}, **error_responses(400, 422)},
    )
    def open_action_link(
        request: Request,
        token: str = Query(max_length=1024),
        do: str | None = Query(None, max_length=32, description="view, fix, confirm..."),
    ) -> Any:
        """A link from a notice or report: opens the page at that invoice (or month), signed in
        for that purpose only unless this browser is already signed in as its owner."""
        opened = accounts.open_action_link(token, app.accounts, request.cookies.get(SESSION_COOKIE))
        if opened is None:
            return _link_refused(request, "This link has expired or is not valid.")
        response = RedirectResponse(PAGE + accounts.landing(opened.scope, do), 303)
        return _with_session(response, opened.signed_in, app) if opened.signed_in else response

    @api.post(
        "/auth/sign-out",
        response_model=SignedOut,
        responses=error_responses(403, 413, 422, 429),
    )
    def sign_out(request: Request) -> Any:
        """End this browser's session (server-side) and forget its cookie."""
        accounts.sign_out(request.cookies.get(SESSION_COOKIE), app.accounts)
        response = JSONResponse({"status": "signed_out"})
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
        return response

    @api.get(
        "/me",
        response_model=Me,
        dependencies=SIGNED_IN,
        responses=error_responses(401, 413, 422, 429),
    )
    def me(request: Request) -> Any:
        """Who this session (or API key) is; ``auth`` is ``off`` in open mode (then answered
        even to a caller without a key, so the page knows to ask for one, not to sign in).
        A signed-in user's ``home_currency`` and ``locale`` are the ones in effect (their
        choice, else the server's defaults); ``home_currencies`` and ``locales`` are what
        ``PUT /me/preferences`` accepts."""
        viewer: Viewer | None = request.state.viewer
        if viewer is None and not sessions_on:
            return Me(email=None, name=None, auth="off")
        if viewer is None:
            raise NotSignedIn
        return Me(
            email=viewer.email,
            name=viewer.name,
            key=viewer.key,
            scope=viewer.scope.text() if viewer.scope else None,
            auth=app.settings.auth,
            inbound_address=_inbound_of(viewer, inbox.inbound_address),
            **_choices_of(viewer),
        )

    def _choices_of(viewer: Viewer) -> dict[str, Any]:
        if viewer.email is None:
            return {}
        chosen = profiles.preferences_of(viewer.email, app.profiles, app.settings)
        return {
            "home_currency": chosen.home_currency,
            "locale": chosen.locale,
            "home_currencies": list(SUPPORTED_HOME_CURRENCIES),
            "locales": list(LOCALES),
        }

    @api.put(
        "/me/preferences",
        response_model=PreferencesOut,
        dependencies=SIGNED_IN,
        responses=error_responses(400, 401, 403, 413, 422, 429, 503),
    )
    def change_preferences(change: PreferencesChange, viewer: Viewer = Depends(signed_in)) -> Any:
        """Choose your home currency (reports and totals are converted to it; one of
        ``GET /me``'s ``home_currencies``) and the language of your emails (``en``, ``de``,
        ``fr``). Either may be left out. Only a full session (not a link's, not an API key)."""
        if viewer.email is None or viewer.scope is not None:
            return error_answer(403, "forbidden", "sign in to change your preferences")
        try:
            chosen = profiles.change_preferences(
                viewer.email, app.profiles, change.home_currency, change.locale
            )
        except profiles.InvalidPreference as error:
            return error_answer(400, "invalid_preference", error.message, error.field)
        preferences = profiles.effective(chosen, app.settings)
        return PreferencesOut(home_currency=preferences.home_currency, locale=preferences.locale)

    @api.post(
        "/me/inbound-address",
        response_model=InboundAddress,
        dependencies=SIGNED_IN,
        responses=error_responses(401, 403, 404, 413, 422, 429),
    )
    def new_inbound_address(viewer: Viewer = Depends(signed_in)) -> Any:
        """A new forwarding address for this session's user: mail to the old one is refused
        from now on. Only a full session (not a link's, not an API key) may ask."""
        if viewer.email is None or viewer.scope is not None:
            return error_answer(403, "forbidden", "sign in to change your forwarding address")
        address = _inbound_of(viewer, inbox.new_inbound_address)
        if address is None:
            return error_answer(404, "not_found", "invoices by email are not set up here")
        return InboundAddress(inbound_address=address)

    def _inbound_of(viewer: Viewer, make: Callable[[str, inbox.Inbox], str | None]) -> str | None:
        if viewer.email is None or viewer.scope is not None or not app.settings.inbound_domain:
            return None
        return make(viewer.email, app.inbox)

    @api.get("/health")
    def health() -> dict[str, Any]:
        """Liveness and queue depth."""
        depth = getattr(app.queue, "depth", None)
        return {"status": "ok", "version": billify.__version__, "queue": depth() if depth else None}

    web.register(api, app)  # the web page, the month's list and export, thumbnails
    return api


class Guard:
    """Runs ``check`` on each HTTP request before the app: its answer, if any, is sent instead.
    Plain ASGI, as BodyDeadline: Starlette's ``BaseHTTPMiddleware`` runs the app in a task
    group of its own and relays the body through streams, a third of an upload's CPU."""

    def __init__(
        self, app: ASGIApp, check: Callable[[Request], Awaitable[Response | None]]
    ) -> None:
        self.app = app
        self.check = check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = await self.check(Request(scope))
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


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
                    await error_answer(408, "timeout", detail)(scope, receive, send)
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
        return error_answer(error.status, "invalid_upload", error.message, error.field)

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
            for e in error.errors()
        )
        return error_answer(422, "invalid_request", problems or "invalid request")

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        response = error_answer(error.status_code, "http_error", str(error.detail))
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            # Starlette lists only the first route's methods; a path may have several routes.
            response.headers["Allow"] = ", ".join(_methods_for(api, request.url.path))
        return response

    @api.exception_handler(DuplicateUpload)
    async def in_flight(_: Request, error: DuplicateUpload) -> JSONResponse:
        detail = "the same file is being uploaded right now; retry"
        return error_answer(409, "conflict", detail, "file")

    @api.exception_handler(NotSignedIn)
    async def not_signed_in(_: Request, error: NotSignedIn) -> JSONResponse:
        detail = "sign in first (POST /auth/sign-in), or send an x-api-key header"
        return error_answer(401, "unauthorized", detail)

    @api.exception_handler(StorageBusy)
    async def busy(_: Request, error: StorageBusy) -> JSONResponse:
        # The database stayed locked past the busy timeout: ask the client to retry.
        log.warning("database unavailable: %s", error)
        return error_answer(503, "unavailable", "storage is busy, retry shortly")
