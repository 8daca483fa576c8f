"""bench/synth_invoices.py: labels that match the printed pages, every family and language,
the same bytes for the same seed."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pypdfium2 as pdfium
import pytest

from billify.evaluation import score_amount

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "synth_invoices.py"
LANGUAGES = {"en", "de", "fr", "nl", "es", "it", "ms"}


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synth_invoices", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


synth = _load()


def _rows(manifest: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in manifest.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def default_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    manifest: Path = synth.generate(tmp_path_factory.mktemp("synth"))
    return manifest


def _text(pdf: Path) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_rows_are_complete_and_consistent(default_set: Path) -> None:
    for row in _rows(default_set):
        assert (default_set.parent / row["file"]).is_file()
        assert re.fullmatch(r"pdf/\d{3}-[a-z]+-[a-z]{2}\.pdf", row["file"])
        assert re.fullmatch(r"20\d{6}", row["date"])
        assert row["currency"] in {"EUR", "USD", "GBP", "MYR", "CHF"}
        assert row["layout_group"].startswith("synth-") and row["language"] in LANGUAGES
        assert row["vendor"] and row["invoice_number"] and row["buyer"]
        total, due = Decimal(row["total"]), Decimal(row["amount_due"])
        credit = row["document_type_code"] == "381"
        assert (total < 0) == credit and row["document_type_code"] in {"380", "381"}
        assert abs(due) <= abs(total)
        amounts = Decimal(0)
        for item in row["line_items"]:
            amount = Decimal(item["amount"])
            assert Decimal(item["quantity"]) * Decimal(item["unit_price"]) == amount
            amounts += amount
        assert 1 <= len(row["line_items"]) <= 8
        assert 0 < abs(amounts) < abs(total)  # the net; VAT comes on top


def test_text_layer_prints_the_labels(default_set: Path) -> None:
    for row in _rows(default_set):
        text = _text(default_set.parent / row["file"])
        printed = row["printed"]
        for name in ("vendor", "invoice_number"):
            assert printed[name] == row[name]
        for name in ("vendor", "invoice_number", "total", "date"):
            assert printed[name] in text, (row["file"], name, printed[name])
        number = re.sub(r"[^\d,. -]", "", printed["total"]).strip()
        total = Decimal(row["total"])
        assert score_amount(number) in {total, abs(total)}, (row["file"], printed["total"])
        if "amount_due" in printed:
            assert printed["amount_due"] in text


def test_the_default_set_covers_every_family_and_language(default_set: Path) -> None:
    rows = _rows(default_set)
    assert len({r["layout_group"] for r in rows}) >= 8
    assert {r["language"] for r in rows} == LANGUAGES
    credits = [r for r in rows if r["document_type_code"] == "381"]
    assert credits and any(not r["printed"]["total"].startswith("-") for r in credits)
    assert any(r["printed"]["total"].startswith("-") for r in credits)
    assert any(Decimal(r["amount_due"]) < Decimal(r["total"]) for r in rows)  # prepaid
    assert any(r["pages"] == 2 for r in rows)


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first = synth.generate(tmp_path / "a", per_family=1, seed=7)
    second = synth.generate(tmp_path / "b", per_family=1, seed=7)
    other = synth.generate(tmp_path / "c", per_family=1, seed=8)
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()
    for row in _rows(first):
        a, b = (m.parent / row["file"] for m in (first, second))
        assert a.read_bytes() == b.read_bytes(), row["file"]


def test_command_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), "--per-family", "1", "--seed", "3"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "manifest.jsonl" in done.stdout
    rows = _rows(tmp_path / "manifest.jsonl")
    assert len(rows) == len(synth.FAMILIES) and len(list((tmp_path / "pdf").iterdir())) == len(rows)
