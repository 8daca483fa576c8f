"""What a label next to an amount means: total, subtotal, tax, cash tendered, change, ..."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    TOTAL = "total"
    DUE = "due"
    SUBTOTAL = "subtotal"
    TAX = "tax"
    ROUNDING = "rounding"
    TENDERED = "tendered"
    CHANGE = "change"
    DISCOUNT = "discount"
    COUNT = "count"
    PREPAID = "prepaid"


@dataclass(frozen=True)
class Label:
    kind: Kind
    strength: float


# "Total after rounding" beats every other total label: it is what was paid.
ROUNDED_TOTAL_STRENGTH = 1.15


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_TOTAL_WORD = (
    r"t\s?[o0]\s?t\s?a\s?[l1it]|\b[i1]\s?[u0]\s?[i1]\s?a\s?[l1]\b|\b[lf1][o0]tal\b|"
    r"totaal|gesamt|summe|montant|jumlah|betrag|importe|importo"
)
_INCL = r"[il1]ncl|inkl|inclusive|including|inc\.|ttc|after|w/\s?(?:gst|tax)|with\s+(?:gst|tax)"
_EXCL = (
    r"excl(?:uded|uding|usive|usief)?\b|exkl|before|w/o|without|ht\b|net\s+of|sans|zonder|ohne|"
    r"sin\s+iva|senza\s+iva|sebelum\s+cukai"
)
_TAX_WORD = (
    r"gst|vat|tax|sst|btw|mwst|m\.?w\.?st|ust\b|umsatzsteuer|mehrwertsteuer|tva|cukai|pajak|"
    r"\biva\b|impuesto|imposta"
)

_COUNT = _rx(
    r"\b(?:qty|quantity|items?|pcs|units?|no\.?\s*of|item\s*count|bil\.?\s*item|menge|aantal)\b"
    r"|\bitem\(s\)|qty\(s\)"
)
_CHANGE = _rx(
    # ``Baki`` is the change on a Malay receipt, but ``Baki perlu dibayar`` the balance due
    r"\bchange\b|\bchg\b|^\W*ch\W*$|\bbaki\b(?!\s+(?:perlu|tertunggak|akaun))|kembali|"
    r"r[üu]ckgeld|wisselgeld|rendu|"
    r"\bcambio\b|\bresto\b|\bvuelto\b"
)
_TENDERED = _rx(
    r"\b(?:cash|tunai|tendered|tender|paid|payment|bayar|card|visa|master\s?card|mastercard|"
    r"amex|debit|credit\s*card|e-?wallet|received|bezahlt|betaald|esp[eè]ces|pay[eé]|"
    r"gegeben|contant|pin|accepted|pagado|pagato|efectivo|contanti|tarjeta|carta|kad)\b"
)
_PREPAID = _rx(
    r"\b(?:prepaid|paid\s+amount|amount\s+paid|already\s+paid|deposit|anzahlung|"
    r"bereits\s+(?:bezahlt|gezahlt)|vorauszahlung|acompte|d[ée]j[àa]\s+(?:pay[ée]|r[ée]gl[ée])|"
    r"reeds\s+betaald|vooruitbetaald|aanbetaling|anticipo|pagado\s+a\s+cuenta|a\s+cuenta|"
    r"acconto|gi[àa]\s+pagato|wang\s+pendahuluan|sudah\s+dibayar)\b"
)
_ROUNDED_TOTAL = _rx(
    rf"(?:{_TOTAL_WORD})\W*(?:after\s+)?round|round(?:ed|ing)?\W*(?:{_TOTAL_WORD})"
    rf"|(?:{_TOTAL_WORD}).*\bafter\s+(?:adj|round)"
    rf"|\bnett?\W*(?:{_TOTAL_WORD})|(?:{_TOTAL_WORD})\W*nett?\b"
)
# "Amount paid incl. GST": the total, not the cash handed over
_PAID_INCL_TAX = _rx(rf"\b(?:amt|amount)\s+paid\b.*(?:{_INCL})\W*(?:{_TAX_WORD})")
_ROUNDING = _rx(r"round|\badj(?:ustment)?\b|pembundaran|rundung|afronding|arrondi")
_DISCOUNT = _rx(
    r"disc|saving|rabatt|korting|remise|voucher|coupon|promo|allowance|abschl[äa]g|"
    r"zuschl[äa]g"  # ``Gesamtbetrag der Zuschläge``: the sum of the surcharges, not a total
)
_SUBTOTAL = _rx(
    rf"sub\W?[ti1]\s?[o0u]\s?[ti1]\s?al|sub\W?totaal|zwischensumme|\bsubtot"
    rf"|(?:{_TOTAL_WORD})[^0-9]*(?:{_EXCL})"
    r"|nettobetrag|\bnetto\b|taxable|tax\s*base|steuerbasis|montant\s+ht|total\s+ht"
    r"|positionssumme|summe\s+(?:der\s+)?positionen|warenwert"
    r"|imponibile|base\s+imponible|importe\s+neto|total\s+neto|totale\s+netto|nettobedrag"
    r"|jumlah\s+kecil|subjumlah|jumlah\s+sebelum"
    rf"|(?:{_EXCL})\.?\s*(?:{_TAX_WORD})"
)
_TAX = _rx(_TAX_WORD)
_PARTIAL_TOTAL = _rx(rf"(?:{_TOTAL_WORD})\s*\d+(?:[.,]\d+)?\s*%")
_TAX_ID = _rx(
    r"tax\s+invoice|(?:gst|tax|vat|btw|ust|tva|sst)\W*(?:id|no|nr|reg|number|registration|summary)"
    r"\b|\bgstin\b|\bust-?id"
)
_STRONG_TOTAL = _rx(
    rf"grand\W*(?:{_TOTAL_WORD})|(?:{_TOTAL_WORD})\W*(?:amount|amt|payable|due|sales|to\s+pay)"
    rf"|(?:{_TOTAL_WORD})[^0-9]*(?:{_INCL})|gesamtbetrag|endbetrag|rechnungsbetrag|bruttobetrag"
    r"|bruttosumme|gesamtsumme|endsumme|rechnungssumme"
    rf"|(?:{_TOTAL_WORD})\s*brutto|totaal\s*(?:te\s+betalen)?|montant\s+ttc|total\s+ttc|"
    r"invoice\s+total|total\s+(?:for|of)\s+this|amount\s+payable"
    r"|importe\s+total|total\s+factura|totale\s+(?:fattura|documento|complessivo)"
    r"|jumlah\s+(?:besar|keseluruhan)|totaalbedrag"
    rf"|\ba[mn]ount\s+(?:{_INCL})\.?\s*(?:{_TAX_WORD})"  # ``Amount incl. GST``
)
_DUE = _rx(
    r"amount\s+due|balance\s+due|\bdue\b|payable|to\s+pay|te\s+betalen|zu\s+zahlen|[àa]\s+payer"
    r"|zahlbetrag|restbetrag|openstaand|balance\s+to|residual|reste\s+[àa]\s+payer|"
    r"remaining\s+(?:balance|amount)|a\s+pagar|da\s+pagare|a\s+pagare|perlu\s+dibayar|"
    r"jumlah\s+(?:perlu\s+)?dibayar"
)
_TOTAL = _rx(rf"\b(?:{_TOTAL_WORD})")
_NET_AMOUNT = _rx(r"\bnett?\s*am(?:oun)?t\b")


def classify(label: str) -> Label | None:
    """The meaning of an amount's label, checked from the most to the least specific."""
    text = " ".join(label.split())
    if not text:
        return None
    if _ROUNDED_TOTAL.search(text):
        return Label(Kind.TOTAL, ROUNDED_TOTAL_STRENGTH)
    if _PAID_INCL_TAX.search(text):
        return Label(Kind.TOTAL, 1.0)
    for pattern, kind in _SIMPLE_KINDS:
        if pattern.search(text):
            return Label(kind, 1.0)
    if _SUBTOTAL.search(text):
        return Label(Kind.SUBTOTAL, 0.9)
    if _PARTIAL_TOTAL.search(text):
        return Label(Kind.SUBTOTAL, 0.6)
    return _classify_total_or_tax(text)


_SIMPLE_KINDS = (
    (_COUNT, Kind.COUNT),
    (_CHANGE, Kind.CHANGE),
    (_PREPAID, Kind.PREPAID),
    (_ROUNDING, Kind.ROUNDING),  # before tendered: "Cash Rounding" is an adjustment
    (_TENDERED, Kind.TENDERED),
    (_DISCOUNT, Kind.DISCOUNT),
)


_TAX_INCLUDED = _rx(
    rf"includ(?:es|ed)\b.*(?:{_TAX_WORD})|%.*(?:{_TAX_WORD})\s+includ"
    rf"|\binc\.?\s*\d+(?:\.\d+)?\s*%\s*(?:{_TAX_WORD})"  # ``INC 6% GST``
)


def _classify_total_or_tax(text: str) -> Label | None:
    if _TAX_INCLUDED.search(text):
        return Label(Kind.TAX, 0.8)
    has_incl = re.search(_INCL, text, re.IGNORECASE) is not None
    if _TAX.search(text) and not has_incl:
        if _TAX_ID.search(text) and not _TOTAL.search(text):
            return None
        return Label(Kind.TAX, 0.9)
    if _STRONG_TOTAL.search(text):
        return Label(Kind.TOTAL, 1.0)
    if _NET_AMOUNT.search(text):
        return Label(Kind.TOTAL, 0.85)
    if _DUE.search(text):
        return Label(Kind.DUE, 0.9)
    if _TOTAL.search(text):
        return Label(Kind.TOTAL, 0.8)
    return None
