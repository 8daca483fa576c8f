"""The ``billify`` command."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from billify.bootstrap import LocalBillify, NoExtractor, build_local
from billify.config import Settings
from billify.domain.reports import Month
from billify.domain.uploads import UploadRejected, detect_media_type
from billify.entrypoints.cli_extra import register as register_extra_commands
from billify.services import ReportRun

cli = typer.Typer(
    help="Billify: upload invoices, get told what you spent.",
    no_args_is_help=True,
    add_completion=False,
)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        typer.echo(f"error: invalid configuration:\n{error}", err=True)
        raise typer.Exit(2) from error


def _app(**overrides: Any) -> LocalBillify:
    return build_local(_settings(), **overrides)


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@cli.command()
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

    _logging()
    app = _app()
    count = app.settings.worker_count if workers is None else workers
    api = create_app(app, background=lambda: background_services(app, workers=count))
    uvicorn.run(api, host=host, port=port, log_level="info")


@cli.command()
def worker() -> None:
    """Run an extraction worker alone (several may run beside one API)."""
    from billify.entrypoints.worker import Worker

    _logging()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    Worker(_app(), stop).run()


@cli.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="Invoices or receipts to read")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """Read invoices and print what was found (nothing is stored or sent)."""
    from billify.bootstrap import build_extractor

    extractor = build_extractor()
    failures = 0
    for path in files:
        started = time.perf_counter()
        try:
            content = path.read_bytes()
            media_type, _ = detect_media_type(content)
            result = extractor.extract(content, media_type).to_json()
        except (OSError, UploadRejected, ValueError) as error:
            failures += 1
            message = getattr(error, "message", None) or str(error)
            typer.echo(f"error: {path}: {message}", err=True)
            continue
        record = {"file": str(path), **result, "seconds": round(time.perf_counter() - started, 3)}
        typer.echo(json.dumps(record) if as_json else _describe(record))
    if failures:
        raise typer.Exit(1)


def _describe(record: dict[str, Any]) -> str:
    confidence = record["confidence"]
    lines = [f"{record['file']}  ({record['seconds']} s, {record['source']})"]
    for field in ("vendor", "date", "total", "subtotal", "tax", "currency", "invoice_number"):
        value = record.get(field)
        shown = "-" if value is None else value
        lines.append(f"  {field:<15} {shown!s:<40} {confidence.get(field, 0):.2f}")
    lines.append(f"  {'line_items':<15} {len(record['line_items'])}")
    return "\n".join(lines)


@cli.command()
def report(
    month: Annotated[
        str | None, typer.Option(help="YYYY-MM; default: last month in BILLIFY_TIMEZONE")
    ] = None,
    preview: Annotated[
        Path | None,
        typer.Option(help="Write the report as HTML here instead of sending it (one per user)"),
    ] = None,
    email: Annotated[str | None, typer.Option(help="With --preview: only this user's")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Processes building and sending (default: one per core)"),
    ] = None,
) -> None:
    """Send the monthly reports by hand: queue one job per user, send them with worker
    processes, return when each is sent or failed (users already sent theirs are skipped)."""
    _logging()
    app = _app(extractor=_no_extractor())
    if preview is not None:
        from billify.entrypoints.cli_extra import write_previews

        write_previews(app, month, preview, email)
        return
    try:
        chosen = Month.parse(month) if month else app.last_month()
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    run = _send_reports(app, chosen, workers or os.cpu_count() or 1)
    others = len(run.in_progress)
    typer.echo(
        f"{run.month}: {len(run.sent)} sent, {len(run.already_sent)} already sent, "
        f"{others} being sent by another run, {len(run.failed)} failed"
        + (f", {len(run.unconfirmed)} not confirmed" if run.unconfirmed else "")
    )
    for address, reason in run.failed.items():
        typer.echo(f"  failed: {address}: {reason}", err=True)
    if run.failed:
        raise typer.Exit(1)


def _send_reports(app: LocalBillify, month: Month, workers: int) -> ReportRun:
    from rich.progress import Progress

    from billify.entrypoints.runtime import work_reports

    queued = app.queue_monthly_reports(month)
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task(f"reports for {month}", total=queued)
        return work_reports(app, month, workers, lambda _: progress.advance(task))


@cli.command("dead-letters")
def dead_letters(
    retry: Annotated[bool, typer.Option("--retry", help="Re-queue them")] = False,
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="Only this dead letter (repeatable)")
    ] = None,
) -> None:
    """List messages that failed every attempt, or re-queue them with --retry."""
    app = _app(extractor=_no_extractor())
    if retry:
        count = app.queue.retry_dead_letters(ids or None)
        typer.echo(f"re-queued {count} message(s)")
        return
    letters = [d for d in app.queue.dead_letters() if not ids or d.id in ids]
    if not letters:
        typer.echo("no dead letters")
    for letter in letters:
        failed = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(letter.failed_at))
        typer.echo(
            f"{letter.id}\t{failed}Z\tattempts={letter.attempts}\t"
            f"invoice={letter.body.get('invoice_id')}\t{letter.last_error}"
        )


@cli.command("api-key")
def api_key(
    label: Annotated[str, typer.Argument(help="Who the key is for (letters, digits, _.@-)")],
) -> None:
    """Make a new API key. Give the key to its user; add the entry to BILLIFY_API_KEYS."""
    from billify.domain.access import ApiKeys, hash_key, new_key

    key = new_key()
    entry = f"{label}:{hash_key(key)}"
    try:
        ApiKeys.parse(entry)
    except ValueError as error:
        typer.echo(f"error: invalid label {label!r}: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"key (shown once, give it to {label}): {key}")
    typer.echo(f"entry for BILLIFY_API_KEYS (only the hash is stored): {entry}")


@cli.command("eval")
def evaluate(
    manifests: Annotated[
        list[Path],
        typer.Argument(help="manifest.jsonl of labelled sets, one or more", metavar="MANIFEST"),
    ],
    limit: Annotated[int | None, typer.Option(help="Only the first N documents of each")] = None,
    predictions: Annotated[
        Path | None,
        typer.Option(
            help="Also write predictions (JSON lines) here; of several manifests, PATH is a "
            "folder holding one SET.jsonl per manifest (SET: the manifest's folder name)"
        ),
    ] = None,
    by_group: Annotated[
        bool, typer.Option("--by-group", help="Also one line per layout group of each set")
    ] = False,
) -> None:
    """Measure extraction accuracy and speed on labelled manifests (line items too, where
    the manifest or the PDFs' e-invoice XML give them), one table per manifest."""
    from billify.bootstrap import build_extractor
    from billify.evaluation import evaluate as run_evaluation

    for manifest in manifests:
        if not manifest.is_file():
            typer.echo(f"error: no such manifest: {manifest}", err=True)
            raise typer.Exit(2)
    extractor = build_extractor()
    written: set[str] = set()
    for index, manifest in enumerate(manifests):
        report = run_evaluation(manifest, extractor, limit=limit)
        if index:
            typer.echo("")
        typer.echo(report.format())
        if by_group:
            typer.echo("")
            typer.echo(report.format_groups())
        if predictions is None:
            continue
        if len(manifests) == 1:
            report.write_predictions(predictions)
            continue
        predictions.mkdir(parents=True, exist_ok=True)
        name = manifest.parent.name or "manifest"
        stem, suffix = name, 2
        while name in written:
            name, suffix = f"{stem}-{suffix}", suffix + 1
        written.add(name)
        report.write_predictions(predictions / f"{name}.jsonl")


def _no_extractor() -> NoExtractor:
    return NoExtractor()


register_extra_commands(cli)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
