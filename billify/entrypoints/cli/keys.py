"""``billify api-key``: keys for scripts."""

from __future__ import annotations

from typing import Annotated

import typer

from billify.entrypoints.cli.common import fail

commands = typer.Typer()


@commands.command("api-key")
def api_key(
    label: Annotated[
        str, typer.Argument(help="Who the key is for (letters, digits, _.@-)", metavar="LABEL")
    ],
) -> None:
    """Make a new API key. Give the key to its user; add the entry to BILLIFY_API_KEYS."""
    from billify.domain.access import ApiKeys, hash_key, new_key

    key = new_key()
    entry = f"{label}:{hash_key(key)}"
    try:
        ApiKeys.parse(entry)
    except ValueError as error:
        raise fail(f"invalid label {label!r}: {error}") from error
    typer.echo(f"key (shown once, give it to {label}): {key}")
    typer.echo(f"entry for BILLIFY_API_KEYS (only the hash is stored): {entry}")
