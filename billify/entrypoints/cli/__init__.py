"""The ``billify`` command: its sub-commands grouped by what they serve (``running``: serve
and worker; ``reading``: extract and eval; ``reports``; ``data``: import, export and dead
letters; ``keys``)."""

from __future__ import annotations

import typer

from billify.entrypoints.cli import data, keys, reading, reports, running

cli = typer.Typer(
    help="Billify: upload invoices, get told what you spent.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: `--json`, not `--json <bool>`
)
for group in (running, reading, reports, data, keys):
    cli.add_typer(group.commands)


def main() -> None:
    cli()
