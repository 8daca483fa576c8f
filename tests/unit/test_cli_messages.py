"""What a person reads from the command line: settings named by their variable, plain help."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from billify.entrypoints.cli import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_an_invalid_setting_is_named_by_its_variable(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLIFY_TIMEZONE", "Mars/Nowhere")
    monkeypatch.setenv("BILLIFY_SMTP_PORT", "abc")
    result = runner.invoke(cli, ["export", "--month", "2026-11"])
    assert result.exit_code == 2
    assert "BILLIFY_TIMEZONE: unknown time zone 'Mars/Nowhere'" in result.stderr
    assert "BILLIFY_SMTP_PORT:" in result.stderr
    assert "pydantic" not in result.stderr and "http" not in result.stderr


def test_help_shows_flags_without_type_noise(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["extract", "--help"])
    assert result.exit_code == 0
    assert "--json  One JSON object per line" in result.stdout
    assert "<bool>" not in result.stdout


def test_every_command_is_listed(runner: CliRunner) -> None:
    listed = runner.invoke(cli, ["--help"]).stdout
    for command in ("serve", "worker", "extract", "eval", "report", "import", "export"):
        assert f"  {command} " in listed
    assert "dead-letters" in listed and "api-key" in listed
