"""``billify serve`` and ``billify worker``: the long-running processes."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from billify.entrypoints.cli.common import configure_logging, load_app

commands = typer.Typer()


@commands.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0, max=64, help="Worker processes (default BILLIFY_WORKERS, else one per core)"
        ),
    ] = None,
) -> None:
    """Run the HTTP API, with supervised worker processes (extraction and reports) and the
    monthly scheduler beside it."""
    import uvicorn

    from billify.entrypoints.http import create_app
    from billify.entrypoints.runtime import background_services

    configure_logging()
    app = load_app()
    count = app.settings.worker_count if workers is None else workers
    api = create_app(app, background=lambda: background_services(app, workers=count))
    uvicorn.run(api, host=host, port=port, log_level="info")


@commands.command()
def worker() -> None:
    """Run an extraction worker alone (several may run beside one API)."""
    from billify.entrypoints.worker import Worker

    configure_logging()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    Worker(load_app(), stop).run()
