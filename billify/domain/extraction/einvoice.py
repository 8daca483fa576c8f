"""Structured e-invoices: ZUGFeRD / Factur-X / XRechnung (UN/CEFACT CII) and OASIS UBL.

Read with the standard library only; element names are matched by local name so every
ZUGFeRD version (1.0 ``CrossIndustryDocument``, 2.x ``CrossIndustryInvoice``) works.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from billify.domain.models import Extraction, LineItem

Element = ET.Element


class NotAnEInvoice(ValueError):
    """The XML is not a CII or UBL invoice."""


# UNTDID 1001 document types that are credit notes (the EN 16931 / Peppol credit note list).
# 384 (corrected invoice) is not among them: a correction may charge more or credit, and its
# XML says which by the sign of its amounts.
CREDIT_NOTE_TYPES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)


def parse_einvoice(xml: bytes) -> Extraction:
    """The fields of a CII or UBL invoice as the XML states them; a credit note's amounts
    are negative (EN 16931 writes them positive, the document type saying it is a credit)."""
    if b"<!DOCTYPE" in xml[:2048] or b"<!ENTITY" in xml:
        raise NotAnEInvoice("XML with a DTD is not accepted")
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise NotAnEInvoice(f"malformed XML: {exc}") from exc
    name = _local(root.tag)
    cii_trade = ("SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction")
    if name.startswith("CrossIndustry") or _first(root, *cii_trade) is not None:
        result = _from_cii(root)
        header = _first(root, "ExchangedDocument", "HeaderExchangedDocument")
        credit = _text(_find(header, "TypeCode")) in CREDIT_NOTE_TYPES
    elif _find(root, "AccountingSupplierParty") is not None:
        result = _from_ubl(root)
        type_code = _text(_first(root, "InvoiceTypeCode", "CreditNoteTypeCode"))
        credit = name == "CreditNote" or type_code in CREDIT_NOTE_TYPES
    else:
        raise NotAnEInvoice(f"unknown root element {name!r}")
    if result.total is None and result.vendor is None:
        raise NotAnEInvoice("no total and no seller in the XML")
    return _as_credit(result) if credit else result


def _as_credit(result: Extraction) -> Extraction:
    """A credit note with negative amounts. Stated positive (the EN 16931 way), every amount
    changes sign; already negative (how many German senders write them), it is kept as is."""
    stated = next((v for v in (result.total, result.amount_due, result.subtotal) if v), None)
    if stated is None or stated < 0:
        return result
    items = tuple(replace(item, amount=_negated(item.amount)) for item in result.line_items)
    return replace(
        result,
        total=_negated(result.total),
        subtotal=_negated(result.subtotal),
        tax=_negated(result.tax),
        amount_due=_negated(result.amount_due),
        line_items=items,
    )


def _negated(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(0) - value  # 0 - 0.00 is 0.00, never -0.00


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: Element, name: str) -> Iterator[Element]:
    return (child for child in node if _local(child.tag) == name)


def _find(node: Element | None, *path: str) -> Element | None:
    for name in path:
        if node is None:
            return None
        node = next(_children(node, name), None)
    return node


def _first(node: Element | None, *names: str) -> Element | None:
    """The first child of ``node`` named any of ``names`` (tried in order)."""
    for name in names:
        found = _find(node, name)
        if found is not None:
            return found
    return None


def _descendant(node: Element, name: str) -> Element | None:
    return next((el for el in node.iter() if _local(el.tag) == name), None)


def _text(node: Element | None) -> str | None:
    """The element's text on one line: a seller name written over several lines in the XML
    (``GLN 4333741000005\nLief-Nr: 549910\nMUSTERLIEFERANT GMBH``) reads as one."""
    if node is None or node.text is None:
        return None
    parts = (" ".join(line.split()) for line in node.text.splitlines())
    return ", ".join(part for part in parts if part) or None


# A line of a party's name element that only identifies it: ``GLN 4333741000005``,
# ``Lief-Nr: 549910``, ``Kunden-Nr. 009420``.
_IDENTIFIER_LINE = re.compile(
    r"^(?:GLN|ILN|DUNS|EAN|ID|USt|VAT|Lief\w*|Kunden\w*|Supplier|Customer)\b[\s.:#-]*"
    r"(?:nr\.?|no\.?|id)?[\s.:#-]*[\w./-]*\d[\w./-]*$",
    re.IGNORECASE,
)


def _party_name(name: str | None) -> str | None:
    """The name without the identifier lines some generators write into the name element
    (``GLN 4333741000005, Lief-Nr: 549910, MUSTERLIEFERANT GMBH`` -> the last part)."""
    if name is None:
        return None
    parts = [part for part in name.split(", ") if not _IDENTIFIER_LINE.match(part.strip())]
    return ", ".join(parts) or name


def _decimal(node: Element | None) -> Decimal | None:
    text = _text(node)
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    digits = re.sub(r"\D", "", text)[:8]
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _from_cii(root: Element) -> Extraction:
    header = _first(root, "ExchangedDocument", "HeaderExchangedDocument")
    trade = _first(root, "SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction")
    if trade is None:
        raise NotAnEInvoice("CII without a trade transaction")
    agreement = _first(
        trade, "ApplicableHeaderTradeAgreement", "ApplicableSupplyChainTradeAgreement"
    )
    settlement = _first(
        trade, "ApplicableHeaderTradeSettlement", "ApplicableSupplyChainTradeSettlement"
    )
    seller = _find(agreement, "SellerTradeParty")
    sums = _first(
        settlement,
        "SpecifiedTradeSettlementHeaderMonetarySummation",
        "SpecifiedTradeSettlementMonetarySummation",
    )
    issue = _find(header, "IssueDateTime")
    return _extraction(
        total=_decimal(_find(sums, "GrandTotalAmount")),
        subtotal=_decimal(_find(sums, "TaxBasisTotalAmount")),
        tax=_decimal(_find(sums, "TaxTotalAmount")),
        amount_due=_decimal(_find(sums, "DuePayableAmount")),
        currency=_text(_find(settlement, "InvoiceCurrencyCode")),
        vendor=_party_name(_text(_find(seller, "Name"))),
        vendor_address=_cii_address(_find(seller, "PostalTradeAddress")),
        date=_issue_date(issue),
        invoice_number=_text(_find(header, "ID")),
        line_items=tuple(_cii_items(trade)),
    )


def _issue_date(issue: Element | None) -> dt.date | None:
    """``<IssueDateTime><DateTimeString format="102">`` or, in early drafts, the bare text."""
    if issue is None:
        return None
    nested = _descendant(issue, "DateTimeString")
    return _date(_text(nested if nested is not None else issue))


def _cii_address(node: Element | None) -> str | None:
    if node is None:
        return None
    names = ("LineOne", "LineTwo", "LineThree", "PostcodeCode", "CityName", "CountryID")
    parts = [_text(_find(node, name)) for name in names]
    return ", ".join(p for p in parts if p) or None


def _cii_items(trade: Element) -> Iterator[LineItem]:
    for line in _children(trade, "IncludedSupplyChainTradeLineItem"):
        name = _text(_descendant(line, "Name")) or ""
        price = _descendant(line, "NetPriceProductTradePrice")
        yield LineItem(
            description=" ".join(name.split()),
            quantity=_decimal(_descendant(line, "BilledQuantity")),
            unit_price=_decimal(_descendant(price, "ChargeAmount")) if price is not None else None,
            amount=_decimal(_descendant(line, "LineTotalAmount")),
        )


def _from_ubl(root: Element) -> Extraction:
    supplier = _find(root, "AccountingSupplierParty", "Party")
    totals = _find(root, "LegalMonetaryTotal")
    vendor = _text(_find(supplier, "PartyName", "Name")) or _text(
        _find(supplier, "PartyLegalEntity", "RegistrationName")
    )
    tax_total = _find(root, "TaxTotal")
    return _extraction(
        total=_decimal(_find(totals, "TaxInclusiveAmount")),
        subtotal=_decimal(_find(totals, "TaxExclusiveAmount")),
        tax=_decimal(_find(tax_total, "TaxAmount")),
        amount_due=_decimal(_find(totals, "PayableAmount")),
        currency=_text(_find(root, "DocumentCurrencyCode")),
        vendor=_party_name(vendor),
        vendor_address=_ubl_address(_find(supplier, "PostalAddress")),
        date=_date(_text(_find(root, "IssueDate"))),
        invoice_number=_text(_find(root, "ID")),
        line_items=tuple(_ubl_items(root)),
    )


def _ubl_address(node: Element | None) -> str | None:
    if node is None:
        return None
    parts = [_text(_find(node, n)) for n in ("StreetName", "PostalZone", "CityName")]
    parts.append(_text(_find(node, "Country", "IdentificationCode")))
    return ", ".join(p for p in parts if p) or None


def _ubl_items(root: Element) -> Iterator[LineItem]:
    for tag in ("InvoiceLine", "CreditNoteLine"):
        for line in _children(root, tag):
            name = _text(_find(line, "Item", "Name")) or ""
            yield LineItem(
                description=" ".join(name.split()),
                quantity=_decimal(_first(line, "InvoicedQuantity", "CreditedQuantity")),
                unit_price=_decimal(_find(line, "Price", "PriceAmount")),
                amount=_decimal(_find(line, "LineExtensionAmount")),
            )


def _extraction(**fields: object) -> Extraction:
    present = [name for name, value in fields.items() if value not in (None, ())]
    confidence = dict.fromkeys(present, 0.99)
    return Extraction(**fields, confidence=confidence, source="e-invoice")  # type: ignore[arg-type]
