"""What every command shares: the settings (an invalid one named by its variable), the app
wired from them, and logging."""

from __future__ import annotations

import logging

import typer
from pydantic import ValidationError

from billify.bootstrap import LocalBillify, build_local
from billify.config import Settings, describe_invalid
from billify.ports import Extractor


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        typer.echo(f"error: invalid configuration:\n{describe_invalid(error)}", err=True)
        raise typer.Exit(2) from error


def load_app(extractor: Extractor | None = None) -> LocalBillify:
    """The app of the settings; ``extractor``: for commands that never read a document
    (``NoExtractor``), so the OCR engine is not loaded."""
    return build_local(load_settings(), extractor=extractor)


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def fail(message: str, code: int = 2) -> typer.Exit:
    """Say what is wrong on stderr; the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)
