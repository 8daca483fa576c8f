"""``billify import``, ``billify export`` and ``billify dead-letters``: invoices in bulk, a
month's invoices out, and the messages that failed every attempt."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Literal

import typer

from billify import services
from billify.bootstrap import LocalBillify, NoExtractor
from billify.domain import export as exporting
from billify.domain.auth import Viewer
from billify.domain.models import Invoice
from billify.domain.reports import Month
from billify.domain.uploads import (
    MAX_UPLOAD_BYTES,
    TOO_LARGE,
    UploadRejected,
    validate_email_address,
    validate_upload,
)
from billify.entrypoints.cli.common import fail, load_app
from billify.packing import write_pack

commands = typer.Typer()


@commands.command("import")
def import_folder(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Folder of invoices (files directly inside it)", file_okay=False, metavar="FOLDER"
        ),
    ],
    name: Annotated[str, typer.Option(help="Your name")],
    email: Annotated[str, typer.Option(help="Where the results are sent")],
    owner: Annotated[
        str | None,
        typer.Option(help="Label of the API key the invoices belong to (when keys are in use)"),
    ] = None,
) -> None:
    """Upload every invoice in a folder through the same checks and queue as the API.

    The running `serve` or `worker` reads them."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    if not folder.is_dir():
        raise fail(f"no such folder: {folder}")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    app = load_app(extractor=NoExtractor())
    outcome: Counter[str] = Counter()
    rejected: list[tuple[str, str]] = []
    columns = (
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("", total=len(files))
        for path in files:
            progress.update(task, description=path.name)
            try:
                if path.stat().st_size > MAX_UPLOAD_BYTES:
                    raise UploadRejected("file", TOO_LARGE)
                upload = validate_upload(name, email, path.read_bytes(), path.name)
                submitted = app.submit(upload, owner)
            except UploadRejected as error:
                if error.field in ("name", "email"):  # the same for every file: stop now
                    raise fail(error.message) from error
                rejected.append((path.name, error.message))
            except OSError as error:
                rejected.append((path.name, str(error)))
            else:
                outcome["duplicates" if submitted.duplicate else "accepted"] += 1
            progress.advance(task)
    typer.echo(
        f"{len(files)} file(s): {outcome['accepted']} accepted, "
        f"{outcome['duplicates']} already uploaded, {len(rejected)} rejected"
    )
    for filename, reason in rejected:
        typer.echo(f"  rejected: {filename}: {reason}")
    if rejected:
        raise typer.Exit(1)


@commands.command("export")
def export_month(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    format: Annotated[
        Literal["csv", "json", "zip"],
        typer.Option(help="csv, json, or zip: the CSV and every original file (needs --output)"),
    ] = "csv",
    email: Annotated[str | None, typer.Option(help="Only this user's invoices")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: stdout)")
    ] = None,
) -> None:
    """Print (or write) the invoices received in a month, as CSV or JSON, or write the
    accountant's pack: a ZIP of the CSV and every original file of the month."""
    try:
        chosen = Month.parse(month)
    except ValueError as error:
        raise fail(str(error)) from error
    try:
        address = validate_email_address(email) if email else None
    except UploadRejected as error:
        raise fail(error.message) from error
    if format == "zip" and output is None:
        raise fail("--format zip needs --output FILE (a ZIP is not printed)")
    app = load_app(extractor=NoExtractor())
    # The CLI runs on the server's own data folder: its operator sees every invoice.
    invoices = services.invoices_of_month(
        chosen, address, Viewer(everyone=True), repository=app.repository, timezone=app.settings.tz
    )
    if format == "zip":
        assert output is not None  # checked above, before any work
        _write_pack(chosen, invoices, app, output)
        return
    if format == "csv":
        text = exporting.to_csv(invoices, app.settings.tz)
    else:
        text = json.dumps(exporting.month_export(chosen, invoices, app.settings.tz), indent=2)
        text += "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        typer.echo(f"{len(invoices)} invoice(s) written to {output}", err=True)


def _write_pack(month: Month, invoices: list[Invoice], app: LocalBillify, output: Path) -> None:
    """The pack goes to a file beside ``output`` first: a failure leaves no half ZIP behind."""
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("wb") as out:
            summary = write_pack(
                month, invoices, blobs=app.blobs, out=out, timezone=app.settings.tz
            )
        partial.replace(output)
    except OSError as error:
        raise fail(f"the pack could not be written to {output}: {error}", code=1) from error
    finally:
        partial.unlink(missing_ok=True)  # gone already once it became ``output``
    typer.echo(
        f"{summary.invoices} invoice(s), {summary.files} file(s) written to {output}", err=True
    )
    for invoice_id in summary.missing:
        typer.echo(f"  missing: the original of invoice {invoice_id} (left out)", err=True)


@commands.command("dead-letters")
def dead_letters(
    retry: Annotated[bool, typer.Option("--retry", help="Re-queue them")] = False,
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="Only this dead letter (repeatable)")
    ] = None,
) -> None:
    """List messages that failed every attempt, or re-queue them with --retry."""
    app = load_app(extractor=NoExtractor())
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
