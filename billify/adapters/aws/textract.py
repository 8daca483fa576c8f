"""Amazon Textract AnalyzeExpense as an ``Extractor``.

Images and single-page PDFs go through the synchronous ``AnalyzeExpense`` (document bytes, at
most 5 MB); multi-page or larger PDFs are copied to a scratch prefix of the invoice bucket and
read with ``StartExpenseAnalysis``/``GetExpenseAnalysis``. The mapping from Textract's answer
to an ``Extraction`` (``extraction_from_expense``) is pure and uses the same normalisers as the
bundled engine, so both engines read ``1.234,50`` or ``05/03/2018`` the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from billify.adapters.aws.clients import client, error_code
from billify.domain.extraction.amounts import parse_amount
from billify.domain.extraction.currency import ISO_CODES, detect_currency
from billify.domain.extraction.dates import find_dates, infer_order, month_first_locale
from billify.domain.models import Extraction, LineItem, UnreadableDocument

log = logging.getLogger(__name__)

SYNC_MAX_BYTES = 5 * 1024 * 1024  # AnalyzeExpense's limit for document bytes
SCRATCH_PREFIX = "textract-input/"  # expired by the bucket's lifecycle rule

# Textract's answers that retrying the same bytes cannot change.
_PERMANENT = frozenset(
    {
        "BadDocumentException",
        "UnsupportedDocumentException",
        "DocumentTooLargeException",
        "InvalidParameterException",
    }
)
_SUMMARY_TYPES = {
    "TOTAL": "total",
    "SUBTOTAL": "subtotal",
    "TAX": "tax",
    "AMOUNT_DUE": "amount_due",
    "VENDOR_NAME": "vendor",
    "VENDOR_ADDRESS": "vendor_address",
    "INVOICE_RECEIPT_DATE": "date",
    "INVOICE_RECEIPT_ID": "invoice_number",
}


class TextractExtractor:
    source = "textract"

    def __init__(
        self,
        bucket: str,
        textract: Any | None = None,
        s3: Any | None = None,
        poll_seconds: float = 1.0,
        max_wait_seconds: float = 240.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bucket = bucket
        self._textract = textract or client("textract")
        self._s3 = s3 or client("s3")
        self.poll_seconds = poll_seconds
        self.max_wait_seconds = max_wait_seconds
        self._sleep = sleep

    def extract(self, document: bytes, media_type: str) -> Extraction:
        if media_type == "image/webp":  # Textract reads PNG, JPEG, TIFF and PDF only
            document, media_type = _webp_to_png(document), "image/png"
        try:
            if media_type == "application/pdf" and (
                _pdf_pages(document) > 1 or len(document) > SYNC_MAX_BYTES
            ):
                response = self._analyze_async(document)
            elif media_type == "image/tiff" or len(document) > SYNC_MAX_BYTES:
                response = self._analyze_async(document)  # Bytes take PNG, JPEG, 1-page PDF
            else:
                response = self._textract.analyze_expense(Document={"Bytes": document})
        except ClientError as error:
            if error_code(error) in _PERMANENT:
                raise UnreadableDocument(f"Textract cannot read this document: {error}") from error
            raise
        return extraction_from_expense(response)

    def _analyze_async(self, document: bytes) -> dict[str, Any]:
        digest = hashlib.sha256(document).hexdigest()
        key = f"{SCRATCH_PREFIX}{digest}"
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=document)
        try:
            job = self._textract.start_expense_analysis(
                DocumentLocation={"S3Object": {"Bucket": self.bucket, "Name": key}},
                # Same document, same job: a retried message does not pay for a second analysis.
                ClientRequestToken=digest[:64],
            )
            return self._wait_for(str(job["JobId"]))
        finally:
            self._s3.delete_object(Bucket=self.bucket, Key=key)

    def _wait_for(self, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.max_wait_seconds
        while True:
            page = self._textract.get_expense_analysis(JobId=job_id)
            status = page.get("JobStatus")
            if status in ("SUCCEEDED", "PARTIAL_SUCCESS"):
                break
            if status == "FAILED":
                raise UnreadableDocument(f"Textract failed: {page.get('StatusMessage', '')}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"Textract job {job_id} still {status}")  # retried
            self._sleep(self.poll_seconds)
        documents = list(page.get("ExpenseDocuments", []))
        while page.get("NextToken"):
            page = self._textract.get_expense_analysis(JobId=job_id, NextToken=page["NextToken"])
            documents.extend(page.get("ExpenseDocuments", []))
        metadata = page.get("DocumentMetadata") or {}
        return {"DocumentMetadata": metadata, "ExpenseDocuments": documents}


def extraction_from_expense(response: Mapping[str, Any]) -> Extraction:
    """Map an AnalyzeExpense/GetExpenseAnalysis answer to an ``Extraction``.

    Per field the most confident detection wins; amounts, dates and currency go through the
    domain normalisers; confidence is Textract's (0..100) divided by 100."""
    fields: list[Mapping[str, Any]] = []
    groups: list[Mapping[str, Any]] = []
    for document in response.get("ExpenseDocuments") or ():
        fields.extend(document.get("SummaryFields") or ())
        groups.extend(document.get("LineItemGroups") or ())
    best: dict[str, tuple[str, float]] = {}
    for item in fields:
        name = _SUMMARY_TYPES.get(_type_of(item))
        text, confidence = _value_of(item)
        if name and text and confidence > best.get(name, ("", -1.0))[1]:
            best[name] = (text, confidence)

    currency, currency_confidence = _currency(fields)
    values: dict[str, Any] = {}
    scores: dict[str, float] = {}
    for name, (text, score) in best.items():
        value: object
        if name in ("total", "subtotal", "tax", "amount_due"):
            value = parse_amount(text)
        elif name == "date":
            texts = [printed for printed, _ in best.values()]
            value = _date(text, month_first_hint=month_first_locale(texts, currency))
        else:
            value = " ".join(text.split())
        if value is not None:
            values[name] = value
            scores[name] = score
    if currency:
        scores["currency"] = currency_confidence
    items = _line_items(groups)
    if items:
        scores["line_items"] = min(
            _value_of(cell)[1]
            for group in groups
            for line in group.get("LineItems") or ()
            for cell in line.get("LineItemExpenseFields") or ()
        )
    pages = int((response.get("DocumentMetadata") or {}).get("Pages") or 1)
    return Extraction(
        currency=currency,
        line_items=items,
        confidence=scores,
        source="textract",
        pages=max(pages, 1),
        **values,
    )


def _type_of(field: Mapping[str, Any]) -> str:
    return str((field.get("Type") or {}).get("Text") or "").upper()


def _value_of(field: Mapping[str, Any]) -> tuple[str, float]:
    detection = field.get("ValueDetection") or {}
    return str(detection.get("Text") or "").strip(), float(detection.get("Confidence") or 0) / 100


def _currency(fields: Sequence[Mapping[str, Any]]) -> tuple[str | None, float]:
    """The Currency block Textract attaches to amounts; else what the printed values say."""
    codes: dict[str, float] = {}
    for item in fields:
        block = item.get("Currency") or {}
        code = str(block.get("Code") or "").upper()
        if code in ISO_CODES:
            codes[code] = max(codes.get(code, 0.0), float(block.get("Confidence") or 0) / 100)
    if codes:
        code = max(codes, key=lambda c: codes[c])
        return code, codes[code]
    return detect_currency(_value_of(item)[0] for item in fields)


def _date(text: str, month_first_hint: bool) -> dt.date | None:
    matches = find_dates(text)
    if not matches:
        return None
    return matches[0].read(infer_order(matches, month_first_hint))


def _line_items(groups: Iterable[Mapping[str, Any]]) -> tuple[LineItem, ...]:
    items = []
    for group in groups:
        for line in group.get("LineItems") or ():
            cells = {_type_of(f): _value_of(f)[0] for f in line.get("LineItemExpenseFields") or ()}
            description = " ".join((cells.get("ITEM") or cells.get("EXPENSE_ROW") or "").split())
            amount = _amount(cells.get("PRICE"))
            if not description and amount is None:
                continue
            items.append(
                LineItem(
                    description=description,
                    quantity=_amount(cells.get("QUANTITY")),
                    unit_price=_amount(cells.get("UNIT_PRICE")),
                    amount=amount,
                )
            )
    return tuple(items)


def _amount(text: str | None) -> Decimal | None:
    return parse_amount(text) if text else None


def _pdf_pages(document: bytes) -> int:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(document)
    except pypdfium2.PdfiumError as error:
        raise UnreadableDocument(f"the PDF cannot be opened: {error}") from error
    try:
        return len(pdf)
    finally:
        pdf.close()


def _webp_to_png(document: bytes) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(document)) as image:
            out = io.BytesIO()
            image.save(out, format="PNG")
    except (UnidentifiedImageError, OSError) as error:
        raise UnreadableDocument(f"the WEBP image cannot be read: {error}") from error
    return out.getvalue()
