"""The `billify` command's contract: output formats, exit codes, messages."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from billify import bootstrap
from billify.bootstrap import build_local
from billify.config import Settings
from billify.domain.access import ApiKeys
from billify.domain.models import Extraction
from billify.domain.uploads import validate_upload
from billify.entrypoints.cli import cli
from tests.conftest import png_bytes
from tests.fakes import FakeExtractor, FakeMailer

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_billify_settings: None) -> Path:
    monkeypatch.setenv("BILLIFY_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.slow
def test_extract_json_prints_one_object_per_file_and_fails_on_bad_ones(
    shared_data: Path, tmp_path: Path
) -> None:
    receipt = shared_data / "sroie-train/images/000.jpg"
    bogus = tmp_path / "notes.png"
    bogus.write_text("not an image")
    result = runner.invoke(cli, ["extract", "--json", str(receipt), str(bogus)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    record = lines[0]
    for key in (
        "file",
        "total",
        "subtotal",
        "tax",
        "currency",
        "vendor",
        "date",
        "invoice_number",
        "line_items",
        "confidence",
        "seconds",
    ):
        assert key in record
    assert record["total"] == "9.00" and record["currency"] == "MYR"
    assert record["date"] == "2018-12-25"
    assert all(0 <= value <= 1 for value in record["confidence"].values())
    assert f"error: {bogus}" in result.stderr


def test_extract_json_amounts_have_two_decimals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credit = Extraction(total=Decimal("-1939"), amount_due=Decimal("-8.7"), tax=Decimal("0.125"))
    monkeypatch.setattr(bootstrap, "build_extractor", lambda: FakeExtractor(credit))
    receipt = tmp_path / "r.png"
    receipt.write_bytes(png_bytes())
    result = runner.invoke(cli, ["extract", "--json", str(receipt)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert (record["total"], record["amount_due"], record["tax"]) == ("-1939.00", "-8.70", "0.125")


def test_dead_letters_listed_and_retried(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, max_attempts=1)
    app = build_local(
        settings, extractor=FakeExtractor(error=RuntimeError("boom")), mailer=FakeMailer()
    )
    invoice = app.submit(validate_upload("Ana", "ana@example.com", png_bytes())).invoice
    message = app.queue.receive()
    assert message is not None
    app.queue.fail(message, "RuntimeError: boom")

    listed = runner.invoke(cli, ["dead-letters"])
    assert listed.exit_code == 0
    assert f"invoice={invoice.id}" in listed.stdout and "boom" in listed.stdout
    retried = runner.invoke(cli, ["dead-letters", "--retry"])
    assert retried.exit_code == 0 and "re-queued 1" in retried.stdout
    assert runner.invoke(cli, ["dead-letters"]).stdout.strip() == "no dead letters"


def test_report_rejects_a_malformed_month(data_dir: Path) -> None:
    result = runner.invoke(cli, ["report", "--month", "2026-13"])
    assert result.exit_code == 2 and "YYYY-MM" in result.stderr


def test_report_by_hand_sends_once(data_dir: Path) -> None:
    build_local(Settings(data_dir=data_dir), extractor=FakeExtractor())  # creates the schema
    first = runner.invoke(cli, ["report", "--month", "2026-10"])
    assert first.exit_code == 0 and "0 sent" in first.stdout


def test_invalid_configuration_is_a_clear_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLIFY_TIMEZONE", "Mars/Olympus_Mons")
    result = runner.invoke(cli, ["report", "--month", "2026-10"])
    assert result.exit_code == 2
    assert "invalid configuration" in result.stderr and "time zone" in result.stderr


def test_api_key_prints_a_usable_entry() -> None:
    result = runner.invoke(cli, ["api-key", "ana"])
    assert result.exit_code == 0
    key = result.stdout.split("): ", 1)[1].split()[0]
    entry = result.stdout.rsplit(": ", 1)[1].strip()
    assert ApiKeys.parse(entry).identify(key) == "ana"
    assert runner.invoke(cli, ["api-key", "bad label"]).exit_code == 2
