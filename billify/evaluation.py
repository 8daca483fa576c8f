"""Measure an extractor against labelled documents, scored exactly like
``shared/tools/score.py`` (rules in ``shared/data/README.md``).

``evaluate(manifest, extractor)`` runs the extractor on every document the manifest lists (paths
relative to the manifest's folder) and returns an :class:`EvaluationReport`: per-field accuracy,
median seconds per document, and the predictions as ``billify extract --json`` lines.

Line items are scored too wherever the document's line items are known (score.py does not know
them; only this module scores them): ``line_items_count`` is right when as many items were read
as the label has, ``line_items_amount`` when the multiset of the items' amounts equals the
label's (as ``Decimal``). The labels are looked up, in this order, from the manifest row's own
``line_items`` list, from the e-invoice XML embedded in the PDF, or, for a set whose folder is
named ``<name>-text`` (PDFs with the XML removed), from the XML of the same-named PDF in the
sibling folder ``<name>``. A document without any of these has no line-item label and is not
scored for them.

Every document belongs to a *layout group* (:func:`layout_group`): the manifest's
``layout_group``, else its normalised vendor label. :meth:`EvaluationReport.by_group` splits a
report by it, and :func:`evaluate_leave_one_group_out` measures each group with an extractor
made from the documents of all the other groups (a rule that learns from examples is then
measured on layouts it has not seen).

The expense ``category`` is scored only where a hand label exists (``bench/category_labels.jsonl``,
loaded by :func:`load_category_labels`): right when the prediction is the label's category or one
of its acceptable alternatives (``also``), reported over the labelled documents only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from billify.domain.categories import CATEGORIES
from billify.domain.models import Extraction, LineItem, UnreadableDocument
from billify.ports import Extractor

DEFAULT_FIELDS = ("total", "date", "vendor", "currency", "invoice_number", "amount_due")
# Scored by this module only (shared/tools/score.py does not know line items).
LINE_ITEM_FIELDS = ("line_items_count", "line_items_amount")
# Scored only with hand labels (``evaluate(..., category_labels=...)``).
CATEGORY_FIELD = "category"
# A set named "<name>-text" holds the PDFs of "<name>" with their e-invoice XML removed.
TWIN_SUFFIX = "-text"
# The attachment names the extractor reads first (as billify's PDF reader does): the label is
# the XML the extractor would read.
# The group of a document with neither a layout_group nor a vendor label.
NO_GROUP = "(no vendor)"
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
        "category",
        "confidence",
    )
    return {"file": file, **{k: data[k] for k in keys}, "seconds": round(seconds, 3)}


@dataclass(frozen=True)
class TrainingDocument:
    """One labelled document of a manifest: what a trainer may learn from (the file's pages
    through :meth:`read_bytes`, its labels) and what an evaluation scores."""

    path: Path
    media_type: str
    labels: dict[str, Any]  # the manifest row, as stored
    group: str
    set_name: str

    @property
    def file(self) -> str:
        """The path as the manifest gives it (relative to the set's folder)."""
        return str(self.labels["file"])

    @property
    def root(self) -> Path:
        """The set's folder (the manifest's)."""
        return self.path.parents[len(Path(self.file).parts) - 1]

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def label(self, name: str) -> Any:
        return label_of(self.labels, name)

    def line_items(self) -> tuple[LineItem, ...] | None:
        """The document's line-item labels, None when not known (see the module's doc)."""
        return line_item_labels(self.root, self.labels)


def load_documents(manifest: Path, limit: int | None = None) -> list[TrainingDocument]:
    """The manifest's documents (the first ``limit``), each with its layout group."""
    entries = [json.loads(line) for line in manifest.read_text("utf-8").splitlines() if line]
    entries = entries[:limit] if limit is not None else entries
    root = manifest.parent
    documents = []
    for entry in entries:
        path = root / str(entry["file"])
        media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        documents.append(TrainingDocument(path, media_type, entry, layout_group(entry), root.name))
    return documents


def layout_group(entry: dict[str, Any]) -> str:
    """The manifest's ``layout_group``, else the vendor label normalised (``norm_vendor``)."""
    if group := entry.get("layout_group"):
        return str(group)
    return norm_vendor(label_of(entry, "vendor")) or NO_GROUP


@dataclass(frozen=True)
class DocumentResult:
    file: str
    prediction: dict[str, Any] | None
    seconds: float
    correct: dict[str, bool | None]
    error: str | None = None
    group: str = ""
    set_name: str = ""


@dataclass(frozen=True)
class EvaluationReport:
    manifest: Path  # of a pooled report: the first of ``sources``
    fields: tuple[str, ...]
    results: tuple[DocumentResult, ...] = field(default_factory=tuple)
    # The manifests whose documents the report holds, when more than ``manifest``.
    sources: tuple[Path, ...] = ()
    title: str = ""  # shown instead of the manifest's path

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
        """One row per field with a label on some document (line items: over the documents
        whose line items are known)."""
        lines = [f"{self.title or self.manifest}  ({len(self.results)} documents)"]
        lines.append(f"{'field':<18}{'correct':>9}{'scored':>8}{'accuracy':>10}")
        for name in self.fields:
            right, scored = self.counts(name)
            if scored:
                lines.append(f"{name:<18}{right:>9}{scored:>8}{right / scored:>10.3f}")
        lines.append(f"median seconds per document: {self.median_seconds:.3f}")
        if self.errors:
            lines.append(f"errors: {len(self.errors)} (first: {self.errors[0].error})")
        return "\n".join(lines)

    def by_group(self) -> dict[str, EvaluationReport]:
        """The report split by layout group, groups in name order."""
        groups: dict[str, list[DocumentResult]] = {}
        for result in self.results:
            groups.setdefault(result.group, []).append(result)
        return {
            name: replace(self, results=tuple(groups[name]), title=f"group {name}")
            for name in sorted(groups)
        }

    def by_set(self) -> dict[str, EvaluationReport]:
        """The report split by the set (manifest) each document came from, in the order the
        manifests were given; each part has its own manifest (to score its predictions)."""
        parts = {}
        for manifest in self.sources or (self.manifest,):
            name = manifest.parent.name
            results = tuple(r for r in self.results if r.set_name == name)
            parts[name] = EvaluationReport(manifest, self.fields, results)
        return parts

    def format_groups(self) -> str:
        """One line per layout group: the group, its number of documents and the accuracy of
        each field (``-``: no document of the group has that label)."""
        groups = self.by_group()
        shown = [name for name in self.fields if self.counts(name)[1]]
        width = min(40, max([5, *(len(g) for g in groups)])) + 2
        header = f"{'group':<{width}}{'n':>4}" + "".join(f"{n:>{len(n) + 2}}" for n in shown)
        lines = [f"per group: {self.title or self.manifest}  ({len(groups)} groups)", header]
        for name, report in groups.items():
            label = name if len(name) <= width - 2 else name[: width - 3] + "~"
            cells = []
            for field_name in shown:
                right, scored = report.counts(field_name)
                cell = f"{right / scored:.2f}" if scored else "-"
                cells.append(f"{cell:>{len(field_name) + 2}}")
            lines.append(f"{label:<{width}}{len(report.results):>4}" + "".join(cells))
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
    category_labels: Mapping[str, CategoryLabel] | None = None,
) -> EvaluationReport:
    """Run ``extractor`` over the manifest's documents and score the predictions.

    ``fields`` None: the manifest's fields and the line items (where known); given, only
    those (``LINE_ITEM_FIELDS`` may be among them). ``category_labels`` (keyed by the file's
    path relative to the manifest's folder, as :func:`load_category_labels` gives them) adds
    the ``category`` field, scored on the labelled documents only."""
    documents = load_documents(manifest, limit)
    chosen = tuple(fields) if fields else _fields_of([d.labels for d in documents])
    if category_labels is not None and CATEGORY_FIELD not in chosen:
        chosen = (*chosen, CATEGORY_FIELD)
    labels = category_labels or {}
    results = [_run_one(document, extractor, chosen, labels) for document in documents]
    return EvaluationReport(manifest=manifest, fields=chosen, results=tuple(results))


MakeExtractor = Callable[[Sequence[TrainingDocument]], Extractor]


def same_extractor(extractor: Extractor) -> MakeExtractor:
    """A ``make_extractor`` for rules that learn nothing: ``extractor`` whatever the training
    documents. With it, leave-one-group-out measures exactly what in-sample evaluation does."""

    def make(training: Sequence[TrainingDocument]) -> Extractor:
        return extractor

    return make


def evaluate_leave_one_group_out(
    manifests: Sequence[Path],
    make_extractor: MakeExtractor,
    fields: Sequence[str] | None = None,
    limit: int | None = None,
) -> EvaluationReport:
    """Pool the documents of ``manifests`` (the first ``limit`` of each), and score each layout
    group with ``make_extractor(documents of all the other groups)``.

    The report holds every document once, in manifest order; ``by_set()`` splits it back into
    the sets. ``make_extractor`` is called once per group and never sees that group's
    documents. For an extractor that learns nothing, pass :func:`same_extractor`: held-out then
    equals in-sample."""
    if not manifests:
        raise ValueError("no manifests to evaluate")
    names = [m.parent.name for m in manifests]
    if len(set(names)) != len(names):
        raise ValueError(f"two sets share a folder name: {names}")
    documents = [d for manifest in manifests for d in load_documents(manifest, limit)]
    chosen = tuple(fields) if fields else _fields_of([d.labels for d in documents])
    results: list[DocumentResult | None] = [None] * len(documents)
    for group in sorted({d.group for d in documents}):
        extractor = make_extractor([d for d in documents if d.group != group])
        for index, document in enumerate(documents):
            if document.group == group:
                results[index] = _run_one(document, extractor, chosen)
    title = f"leave-one-group-out over {' + '.join(names)}"
    return EvaluationReport(
        manifest=manifests[0],
        fields=chosen,
        results=tuple(r for r in results if r is not None),
        sources=tuple(manifests),
        title=title,
    )


def _fields_of(entries: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """The scored fields of a manifest (of pooled manifests: of any of them) and the line
    items."""
    keys: set[str] = set()
    for entry in entries:
        keys |= set(entry) | ({"vendor"} if "company" in entry else set())
    if not keys:
        return ()
    return (*(f for f in DEFAULT_FIELDS if f in keys), *LINE_ITEM_FIELDS)


def _run_one(
    document: TrainingDocument,
    extractor: Extractor,
    fields: Sequence[str],
    category_labels: Mapping[str, CategoryLabel] | None = None,
) -> DocumentResult:
    entry, file = document.labels, document.file
    category = (category_labels or {}).get(file)
    items = document.line_items() if set(fields) & set(LINE_ITEM_FIELDS) else None
    started = time.perf_counter()
    try:
        extraction = extractor.extract(document.read_bytes(), document.media_type)
    except (ValueError, OSError) as exc:
        seconds = time.perf_counter() - started
        marks = _marks(entry, items, None, fields, category)
        error = f"{type(exc).__name__}: {exc}"
        return DocumentResult(file, None, seconds, marks, error, document.group, document.set_name)
    seconds = time.perf_counter() - started
    prediction = prediction_json(file, extraction, seconds)
    marks = _marks(entry, items, prediction, fields, category)
    return DocumentResult(file, prediction, seconds, marks, None, document.group, document.set_name)


def _marks(
    entry: dict[str, Any],
    items: Sequence[LineItem] | None,
    prediction: dict[str, Any] | None,
    fields: Sequence[str],
    category: CategoryLabel | None = None,
) -> dict[str, bool | None]:
    predicted = prediction or {}
    item_marks = score_line_items(items, predicted.get("line_items") or [])
    item_marks[CATEGORY_FIELD] = score_category(category, predicted.get(CATEGORY_FIELD))
    return {
        name: item_marks[name]
        if name in item_marks
        else score_field(name, label_of(entry, name), predicted.get(name))
        for name in fields
    }


def label_of(entry: dict[str, Any], name: str) -> Any:
    """The manifest's label for a field (SROIE calls the vendor ``company``)."""
    if name == "vendor" and "company" in entry:
        return entry["company"]
    return entry.get(name)


# -- expense categories (hand labels, scored by this module only) -------------------------


@dataclass(frozen=True)
class CategoryLabel:
    """A document's hand-labelled expense category, the alternatives also accepted (e.g. a
    pharmacy's receipt for groceries), the split it belongs to and why it was so labelled."""

    category: str
    also: tuple[str, ...] = ()
    split: str = ""
    why: str = ""

    def accepts(self, predicted: Any) -> bool:
        return predicted == self.category or predicted in self.also


def load_category_labels(
    path: Path, set_name: str, split: str | None = None
) -> dict[str, CategoryLabel]:
    """The labels of one set (the ``set`` of each JSON line, the manifest's folder name) keyed
    by the file's path in it; only those of ``split`` when given. Unknown categories raise
    ``ValueError`` (a typo would silently count as a miss)."""
    labels: dict[str, CategoryLabel] = {}
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("set") != set_name or (split is not None and row.get("split") != split):
            continue
        label = CategoryLabel(
            category=str(row["category"]),
            also=tuple(str(c) for c in row.get("also") or ()),
            split=str(row.get("split") or ""),
            why=str(row.get("why") or ""),
        )
        unknown = {label.category, *label.also} - set(CATEGORIES)
        if unknown:
            raise ValueError(f"{path}:{number}: unknown categories {sorted(unknown)}")
        labels[str(row["file"])] = label
    return labels


def score_category(label: CategoryLabel | None, predicted: Any) -> bool | None:
    """None without a label; else whether ``predicted`` is the label's category or an
    accepted alternative."""
    return None if label is None else label.accepts(predicted)


# -- line items (scored by this module only) ---------------------------------------------


def score_line_items(
    labels: Sequence[LineItem] | None, predicted: Sequence[LineItem | dict[str, Any]]
) -> dict[str, bool | None]:
    """``line_items_count`` and ``line_items_amount`` marks (None without labels). Predicted
    items are ``LineItem``s or their JSON (``billify extract --json``)."""
    if labels is None:
        return dict.fromkeys(LINE_ITEM_FIELDS, None)
    expected = Counter(item.amount for item in labels)
    amounts = Counter(_item_amount(item) for item in predicted)
    return {
        "line_items_count": len(predicted) == len(labels),
        "line_items_amount": amounts == expected,
    }


def _item_amount(item: LineItem | dict[str, Any]) -> Decimal | None:
    if isinstance(item, LineItem):
        return item.amount
    return score_amount(item.get("amount"))


def line_item_labels(root: Path, entry: dict[str, Any]) -> tuple[LineItem, ...] | None:
    """The line items of a manifest row's document, None when not known: the row's own
    ``line_items`` list; else the PDF's embedded e-invoice XML; else, in a ``<name>-text`` set,
    the XML of the same-named PDF of the set ``<name>`` beside it. An XML without line items
    (e.g. a MINIMUM profile) gives no label."""
    listed = entry.get("line_items")
    if isinstance(listed, list):
        return tuple(_label_item(item) for item in listed)
    file = str(entry["file"])
    if not file.lower().endswith(".pdf"):
        return None
    items = _xml_line_items(root / file)
    if items is None and root.name.endswith(TWIN_SUFFIX):
        twin = root.with_name(root.name.removesuffix(TWIN_SUFFIX))
        items = _xml_line_items(twin / file)
    return items


def _label_item(item: dict[str, Any]) -> LineItem:
    def number(value: Any) -> Decimal | None:
        return None if value in (None, "") else score_amount(value)

    return LineItem(
        description=str(item.get("description") or ""),
        quantity=number(item.get("quantity")),
        unit_price=number(item.get("unit_price")),
        amount=number(item.get("amount")),
    )


def _xml_line_items(path: Path) -> tuple[LineItem, ...] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return _cached_xml_line_items(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _cached_xml_line_items(path: str, mtime_ns: int, size: int) -> tuple[LineItem, ...] | None:
    """Parsed once per file version (keyed by path, modification time and size), by the
    reading pipeline's own e-invoice step."""
    from billify.adapters.local.documents import PDF_TYPE, Documents
    from billify.reading import einvoice_of

    try:
        opened = Documents().open(Path(path).read_bytes(), PDF_TYPE)
    except (UnreadableDocument, OSError):
        return None
    try:
        structured = einvoice_of(opened)
    finally:
        opened.close()
    return (structured.line_items or None) if structured is not None else None


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
