"""``billify extract`` and ``billify eval``: reading documents, and measuring how well."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from billify.domain.uploads import UploadRejected, detect_media_type
from billify.entrypoints.cli.common import fail

commands = typer.Typer()


@commands.command()
def extract(
    files: Annotated[
        list[Path], typer.Argument(help="Invoices or receipts to read", metavar="FILE")
    ],
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
    category = record.get("category") or "-"
    lines.append(f"  {'category':<15} {category!s:<40} {confidence.get('category', 0):.2f}")
    return "\n".join(lines)


class Split(StrEnum):
    DEV = "dev"
    HELDOUT = "heldout"


@commands.command("eval")
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
    categories: Annotated[
        Path | None,
        typer.Option(
            "--categories",
            help="Hand labels of the expense category (bench/category_labels.jsonl): also "
            "score the category, on the labelled documents of each set",
            metavar="PATH",
        ),
    ] = None,
    split: Annotated[
        Split | None,
        typer.Option(help="With --categories, score the category on this split only"),
    ] = None,
) -> None:
    """Measure extraction accuracy and speed on labelled manifests (line items too, where
    the manifest or the PDFs' e-invoice XML give them; the expense category with
    --categories), one table per manifest."""
    from billify.bootstrap import build_extractor
    from billify.evaluation import evaluate as run_evaluation
    from billify.evaluation import load_category_labels

    for manifest in manifests:
        if not manifest.is_file():
            raise fail(f"no such manifest: {manifest}")
    if categories is not None and not categories.is_file():
        raise fail(f"no such category labels file: {categories}")
    if split is not None and categories is None:
        raise fail("--split needs --categories")
    extractor = build_extractor()
    written: set[str] = set()
    for index, manifest in enumerate(manifests):
        labels = None
        if categories is not None:
            try:
                chosen = split.value if split else None
                labels = load_category_labels(categories, manifest.parent.name, chosen)
            except (ValueError, KeyError) as error:
                raise fail(f"{categories}: {error}") from error
        report = run_evaluation(manifest, extractor, limit=limit, category_labels=labels)
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
