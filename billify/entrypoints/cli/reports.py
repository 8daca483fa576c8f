"""``billify report``: the monthly reports sent by hand, or previewed as HTML."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from billify import services
from billify.bootstrap import LocalBillify, NoExtractor
from billify.domain import notifications
from billify.domain.reports import Month
from billify.domain.uploads import UploadRejected, validate_email_address
from billify.entrypoints.cli.common import configure_logging, fail, load_app
from billify.services import ReportRun

commands = typer.Typer()


@commands.command()
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
    configure_logging()
    app = load_app(extractor=NoExtractor())
    if preview is not None:
        write_previews(app, month, preview, email)
        return
    try:
        chosen = Month.parse(month) if month else app.last_month()
    except ValueError as error:
        raise fail(str(error)) from error
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


def write_previews(app: LocalBillify, month: str | None, path: Path, email: str | None) -> None:
    """``billify report --preview``: the reports as HTML files (chart inline), nothing sent.
    One user's goes to ``path``; with several, ``path`` gets each user's address appended."""
    try:
        chosen = Month.parse(month) if month else app.last_month()
        address = validate_email_address(email) if email else None
    except (ValueError, UploadRejected) as error:
        raise fail(str(getattr(error, "message", error))) from error
    reports = services.preview_monthly_reports(
        chosen, repository=app.repository, timezone=app.settings.tz, email=address, home=app.home
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
