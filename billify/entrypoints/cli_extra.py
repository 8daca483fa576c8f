"""``billify import`` and ``billify export``: bulk upload a folder, and a month's invoices out."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from billify import services
from billify.domain import export as exporting
from billify.domain import notifications
from billify.domain.auth import Viewer
from billify.domain.reports import Month
from billify.domain.uploads import (
    MAX_UPLOAD_BYTES,
    TOO_LARGE,
    UploadRejected,
    validate_email_address,
    validate_upload,
)

if TYPE_CHECKING:
    from billify.bootstrap import LocalBillify


def register(cli: typer.Typer) -> None:
    cli.command("import")(import_folder)
    cli.command("export")(export_month)


def import_folder(
    folder: Annotated[
        Path, typer.Argument(help="Folder of invoices (files directly inside it)", file_okay=False)
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

    from billify.entrypoints.cli import _app, _no_extractor

    if not folder.is_dir():
        typer.echo(f"error: no such folder: {folder}", err=True)
        raise typer.Exit(2)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    app = _app(extractor=_no_extractor())
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
                    typer.echo(f"error: {error.message}", err=True)
                    raise typer.Exit(2) from error
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


def export_month(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    format: Annotated[Literal["csv", "json"], typer.Option(help="csv or json")] = "csv",
    email: Annotated[str | None, typer.Option(help="Only this user's invoices")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: stdout)")
    ] = None,
) -> None:
    """Print (or write) the invoices received in a month, as CSV or JSON."""
    from billify.entrypoints.cli import _app, _no_extractor

    try:
        chosen = Month.parse(month)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    try:
        address = validate_email_address(email) if email else None
    except UploadRejected as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from error
    app = _app(extractor=_no_extractor())
    # The CLI runs on the server's own data folder: its operator sees every invoice.
    invoices = services.invoices_of_month(
        chosen, address, Viewer(everyone=True), repository=app.repository, timezone=app.settings.tz
    )
    if format == "csv":
        text = exporting.to_csv(invoices)
    else:
        text = json.dumps(exporting.month_export(chosen, invoices), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        typer.echo(f"{len(invoices)} invoice(s) written to {output}", err=True)


def write_previews(app: LocalBillify, month: str | None, path: Path, email: str | None) -> None:
    """``billify report --preview``: the reports as HTML files (chart inline), nothing sent.
    One user's goes to ``path``; with several, ``path`` gets each user's address appended."""
    try:
        chosen = Month.parse(month) if month else app.last_month()
        address = validate_email_address(email) if email else None
    except (ValueError, UploadRejected) as error:
        typer.echo(f"error: {getattr(error, 'message', error)}", err=True)
        raise typer.Exit(2) from error
    reports = services.preview_monthly_reports(
        chosen, repository=app.repository, timezone=app.settings.tz, email=address
    )
    if not reports:
        typer.echo(f"{chosen}: no invoices received, no report", err=True)
        raise typer.Exit(1)
    for report in reports:
        target = path
        if len(reports) > 1:
            safe = re.sub(r"[^A-Za-z0-9@._-]", "_", report.to.email)
            target = path.with_name(f"{path.stem}-{safe}{path.suffix or '.html'}")
        target.write_text(notifications.preview_html(report), encoding="utf-8")
        attached = ", ".join(a.filename for a in report.attachments if not a.content_id)
        typer.echo(f"{target}: {report.subject} (attached: {attached or 'nothing'})")
