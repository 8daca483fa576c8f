"""Measure an extractor against labelled documents, scored exactly like
``shared/tools/score.py`` (rules in ``shared/data/README.md``).

``evaluate(manifest, extractor)`` runs the extractor on every document the manifest lists (paths
relative to the manifest's folder) and returns an :class:`EvaluationReport`: per-field accuracy,
median seconds per document, and the predictions as ``billify extract --json`` lines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
import re
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from billify.domain.models import Extraction
from billify.ports import Extractor

DEFAULT_FIELDS = ("total", "date", "vendor", "currency", "invoice_number", "amount_due")
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
_MONTH_NAMES = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC"
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES.split(), 1)}


def prediction_json(file: str, extraction: Extraction, seconds: float) -> dict[str, Any]:
    """One ``billify extract --json`` record: amounts as decimal strings, ISO date, null when
    unknown."""
    data = extraction.to_json()
    keys = (
        "total",
        "subtotal",
        "tax",
        "amount_due",
        "currency",
        "vendor",
        "date",
        "invoice_number",
        "line_items",
        "confidence",
    )
    return {"file": file, **{k: data[k] for k in keys}, "seconds": round(seconds, 3)}


@dataclass(frozen=True)
class DocumentResult:
    file: str
    prediction: dict[str, Any] | None
    seconds: float
    correct: dict[str, bool | None]
    error: str | None = None


@dataclass(frozen=True)
class EvaluationReport:
    manifest: Path
    fields: tuple[str, ...]
    results: tuple[DocumentResult, ...] = field(default_factory=tuple)

    def counts(self, name: str) -> tuple[int, int]:
        """(correct, scored): documents whose label is missing are not scored."""
        marks = [r.correct.get(name) for r in self.results]
        scored = [m for m in marks if m is not None]
        return sum(scored), len(scored)

    def accuracy(self, name: str) -> float:
        right, scored = self.counts(name)
        return right / scored if scored else 0.0

    @property
    def median_seconds(self) -> float:
        return statistics.median(r.seconds for r in self.results) if self.results else 0.0

    @property
    def errors(self) -> list[DocumentResult]:
        return [r for r in self.results if r.error]

    def failures(self, name: str) -> list[DocumentResult]:
        return [r for r in self.results if r.correct.get(name) is False]

    def format(self) -> str:
        lines = [f"{self.manifest}  ({len(self.results)} documents)"]
        lines.append(f"{'field':<16}{'correct':>9}{'scored':>8}{'accuracy':>10}")
        for name in self.fields:
            right, scored = self.counts(name)
            if scored:
                lines.append(f"{name:<16}{right:>9}{scored:>8}{right / scored:>10.3f}")
        lines.append(f"median seconds per document: {self.median_seconds:.3f}")
        if self.errors:
            lines.append(f"errors: {len(self.errors)} (first: {self.errors[0].error})")
        return "\n".join(lines)

    def prediction_lines(self) -> Iterator[str]:
        """The predictions as JSON lines (``billify extract --json`` format)."""
        for result in self.results:
            record = result.prediction or {"file": result.file, "error": result.error}
            yield json.dumps(record, ensure_ascii=False)

    def write_predictions(self, path: Path) -> None:
        path.write_text("".join(line + "\n" for line in self.prediction_lines()), "utf-8")


def evaluate(
    manifest: Path,
    extractor: Extractor,
    fields: Sequence[str] | None = None,
    limit: int | None = None,
) -> EvaluationReport:
    """Run ``extractor`` over the manifest's documents and score the predictions."""
    entries = [json.loads(line) for line in manifest.read_text("utf-8").splitlines() if line]
    entries = entries[:limit] if limit is not None else entries
    chosen = tuple(fields) if fields else _fields_of(entries)
    results = [_run_one(manifest.parent, entry, extractor, chosen) for entry in entries]
    return EvaluationReport(manifest=manifest, fields=chosen, results=tuple(results))


def _fields_of(entries: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    if not entries:
        return ()
    keys = set(entries[0]) | ({"vendor"} if "company" in entries[0] else set())
    return tuple(f for f in DEFAULT_FIELDS if f in keys)


def _run_one(
    root: Path, entry: dict[str, Any], extractor: Extractor, fields: Sequence[str]
) -> DocumentResult:
    file = str(entry["file"])
    path = root / file
    media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    started = time.perf_counter()
    try:
        extraction = extractor.extract(path.read_bytes(), media_type)
    except (ValueError, OSError) as exc:
        seconds = time.perf_counter() - started
        marks = {name: score_field(name, label_of(entry, name), None) for name in fields}
        return DocumentResult(file, None, seconds, marks, error=f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    prediction = prediction_json(file, extraction, seconds)
    marks = {n: score_field(n, label_of(entry, n), prediction.get(n)) for n in fields}
    return DocumentResult(file, prediction, seconds, marks)


def label_of(entry: dict[str, Any], name: str) -> Any:
    """The manifest's label for a field (SROIE calls the vendor ``company``)."""
    if name == "vendor" and "company" in entry:
        return entry["company"]
    return entry.get(name)


# -- scoring rules (kept identical to shared/tools/score.py) ----------------------------


def score_field(name: str, label: Any, predicted: Any) -> bool | None:
    """True/False when the label exists, None when the document has no label for it."""
    if label in (None, ""):
        return None
    if name in ("total", "amount_due"):
        expected = score_amount(label)
        return expected is not None and score_amount(predicted) == expected
    if name == "date":
        try:
            value = dt.date.fromisoformat(str(predicted)[:10])
        except (TypeError, ValueError):
            return False
        return value in label_dates(str(label))
    if name == "vendor":
        ratio = difflib.SequenceMatcher(None, norm_vendor(str(label)), norm_vendor(predicted))
        return ratio.ratio() >= 0.8
    if name == "currency":
        return str(predicted or "").upper() == str(label).upper()
    return str(predicted or "").strip() == str(label).strip()


def score_amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    s = re.sub(r"(?i)rm|\$|€|£|eur|usd|myr|\s", "", str(value))
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", s):
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d+,\d{1,2}", s):
        s = s.replace(",", ".")
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def label_dates(text: str) -> set[dt.date]:
    """The date a printed label means (day-first preferred; month-first only if day-first is
    impossible)."""
    s = text.strip().strip("()").upper()
    candidates = _label_candidates(s)
    out: list[dt.date] = []
    for year, month, day in candidates:
        with contextlib.suppress(ValueError):
            out.append(dt.date(year, month, day))
    return set(out[:1])


def _label_candidates(s: str) -> list[tuple[int, int, int]]:
    def y4(y: str) -> int:
        return int(y) + (2000 if len(y) == 2 else 0)

    if m := re.fullmatch(r"(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})", s):
        return [(int(m[1]), int(m[2]), int(m[3]))]
    if m := re.fullmatch(r"(\d{1,2})[-/. ]([A-Z]{3})[A-Z]*[-/. ,]+(\d{2,4})", s):
        return [(y4(m[3]), _MONTHS[m[2]], int(m[1]))] if m[2] in _MONTHS else []
    if m := re.fullmatch(r"([A-Z]{3})[A-Z]* (\d{1,2}),? (\d{4})", s):
        return [(int(m[3]), _MONTHS[m[1]], int(m[2]))] if m[1] in _MONTHS else []
    if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})", s):
        return [(y4(m[3]), int(m[2]), int(m[1])), (y4(m[3]), int(m[1]), int(m[2]))]
    return []


def norm_vendor(value: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z0-9 ]", " ", str(value or "").upper())).strip()
