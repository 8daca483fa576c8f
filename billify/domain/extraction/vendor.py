"""Who issued the document: the shop on a receipt, the seller (not the customer) on an invoice."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from billify.domain.extraction.dates import find_dates
from billify.domain.extraction.lines import Row

_SUFFIX = re.compile(
    r"\b(?:SDN\.?\s*BHD|BHD|BERHAD|ENTERPRISE|ENTERPRISES|TRADING|RESTAURANT|RESTORAN|"
    r"PLT|LTD|LIMITED|LLC|LLP|INC|CORP|CORPORATION|COMPANY|GMBH|AG|KG|SARL|SAS|SA|"
    r"B\.?\s?V|N\.?\s?V|S\.?A\.?S|S\.?A\.?R\.?L|PTE|PTY|PVT|CO|S/B|HARDWARE|MART|MARKET|"
    r"SUPERMARKET|STORE|STORES|BAKERY|CAFE|KEDAI|PHARMACY|FARMASI|STATIONERY|BOOKSTORE|"
    r"MINIMARKET|HOTEL|SERVICES|SOLUTIONS|INDUSTRIES)\b\.?",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"tax\s*invoice|\binvoice\b|\breceipt\b|cash\s*bill|\bbill\b|welcome|thank|"
    r"tel\b|\btel[:.]|phone|fax|e-?mail|@|www\.|http|\.com\b|"
    r"gst|\bsst\b|\bvat\b|\bbtw\b|reg\b|\bno\s*[:.]|\bdate\b|\btime\b|cashier|counter|"
    r"\bpage\b|seite|factuur|rechnung|facture|\border\b|table\b|hours|opening|"
    r"copy|original|duplicate|member|customer|kunde|klant|\bcash\b|change|total|rounding|"
    r"amount|\bqty\b|discount|subtotal|\bitem|\bprice\b|\bRM\b",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"\bjalan\b|\bjln\b|\blot\b|\btaman\b|\bstreet\b|\broad\b|\bavenue\b|stra(?:ss|ß)e|"
    r"\bstr\.|\brue\b|postfach|\bfloor\b|\blevel\b|\bbatu\b|\bkm\b|\d{5}",
    re.IGNORECASE,
)
_REGISTRATION = re.compile(r"\bco\.?\s*reg|company\s*no|\bco\.?\s*no\b", re.IGNORECASE)
_REG_NUMBER = re.compile(r"\(?\b[A-Z]{0,3}\d{4,}[-\s]?[A-Z]\b\)?|\(\s*\d{5,}[^)]*\)")
_CUSTOMER_LABEL = re.compile(
    r"bill(?:ed)?\s*to|ship(?:ped)?\s*to|sold\s*to|invoice\s*to|deliver(?:y|ed)?\s*to|"
    r"customer|client|kunde|rechnungsempf|lieferadresse|factur[ée]\s*[àa]|adresse\s+de\s+"
    r"(?:facturation|livraison)|factuuradres|afleveradres|attn|t\.a\.v\.|buyer|recipient|"
    r"billing\s+address|shipping\s+address|nom\s+de\s+l",
    re.IGNORECASE,
)
_SELLER_LABEL = re.compile(
    r"^\s*(?:sold\s*by|seller|vendor|supplier|from|service\s*provider|issued\s*by|"
    r"verk[äa]ufer|lieferant|leverancier|fournisseur|vendeur|titulaire\s+du\s+compte|"
    r"payable\s+to|in\s+favou?r\s+of)\s*:?\s*",
    re.IGNORECASE,
)
_LEGAL = re.compile(
    r"capital|\brcs\b|siret|siège|handelsregister|registergericht|\bhrb\b|vorstand|"
    r"gesch[äa]ftsf[üu]hr|\bkvk\b|registered\s+office|regd\.?|copyright|©|all\s+rights",
    re.IGNORECASE,
)
_HEADER_END = re.compile(
    r"\b(?:tax\s+invoice|invoice|receipt|cash\s*bill|bill\s*no|date|qty|description)\b",
    re.IGNORECASE,
)
_DOMAIN = re.compile(r"(?:www\.|@|https?://)([A-Za-z0-9-]+)\.", re.IGNORECASE)
_TITLE_WORDS = re.compile(
    r"\s*\b(?:tax\s+invoice|invoice|receipt|factuur|rechnung|facture)\b\s*$", re.IGNORECASE
)
_GENERIC = re.compile(
    r"^(?:(?:simplified|official|retail|payment|sales|cash|tax|kopie|copy|original|full|"
    r"proforma|pro-forma|commercial|credit|debit)(?:\s+|$))*(?:tax\s+)?(?:invoices?|receipts?|bills?|"
    r"factuur|rechnung|facture|note|memo)?(?:/\w+)?$",
    re.IGNORECASE,
)
_LEGAL_TAIL = re.compile(
    r"\s+(?:au\s+capital|with\s+a\s+share|share\s+capital|registered\s+in|rcs\b|siret|"
    r"sitz\b|capital\s+social).*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class VendorGuess:
    name: str | None
    confidence: float
    row: int | None = None


def find_vendor(rows: Sequence[Row]) -> VendorGuess:
    """The best-scoring name among the document's rows (see ``_score``)."""
    if not rows:
        return VendorGuess(None, 0.0)
    context = _Context.of(rows)
    best: tuple[float, str, int] | None = None
    for i, row in enumerate(rows):
        for found in _names_in(row.text):
            name = _complete(found, i, rows)
            if name is None:
                continue
            score = _score(name, i, rows, context)
            if best is None or score > best[0]:
                best = (score, name, i)
    if best is None or best[0] <= 0:
        return VendorGuess(None, 0.0)
    score, name, index = best
    return VendorGuess(name, max(0.1, min(0.95, score / 6)), index)


@dataclass(frozen=True)
class _Context:
    median_height: float
    domains: frozenset[str]
    customer_rows: frozenset[int]
    name_counts: Counter[str]
    first_rows: tuple[int, ...]
    header_end: int | None

    @classmethod
    def of(cls, rows: Sequence[Row]) -> _Context:
        heights = [row.height for row in rows if row.height > 0]
        text = "\n".join(row.text for row in rows)
        domains = frozenset(d.lower() for d in _DOMAIN.findall(text))
        counts = Counter(_key(n) for row in rows for n in _names_in(row.text))
        first = tuple(i for i, row in enumerate(rows) if row.page == 0 and _plausible(row.text))
        return cls(
            median_height=statistics.median(heights) if heights else 0.0,
            domains=domains,
            customer_rows=frozenset(_customer_rows(rows)),
            name_counts=counts,
            first_rows=first[:10],
            header_end=next((i for i, r in enumerate(rows) if _HEADER_END.search(r.text)), None),
        )


def _names_in(text: str) -> list[str]:
    """Possible names in a row: each cell, without a seller label or trailing title word,
    and the first part of a sender line such as ``ACME AG - Street 1 - City``."""
    out: list[str] = []
    cells = re.split(r"\s{2,}", text)
    if len(cells) > 1:
        cells.insert(0, " ".join(cells))
    for cell in cells:
        cell = _REG_NUMBER.sub(" ", cell)
        cell = " ".join(cell.split())
        cell = _SELLER_LABEL.sub("", cell)
        cell = _TITLE_WORDS.sub("", cell).strip(" :,-|*")
        cell = re.split(r"\s[-\u2013\u2212|·•]\s", cell)[0].strip(" :,-|*")
        cell = _LEGAL_TAIL.sub("", cell)
        if _plausible(cell) and not _GENERIC.match(cell):
            out.append(cell)
    return out


def _plausible(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    return letters >= 3 and letters >= 0.5 * len(text.replace(" ", "")) and len(text) <= 60


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _customer_rows(rows: Sequence[Row]) -> set[int]:
    """Rows in a customer block: the labelled row and the three below it."""
    out: set[int] = set()
    for i, row in enumerate(rows):
        if _CUSTOMER_LABEL.search(row.text):
            out.update(range(i, min(len(rows), i + 4)))
    return out


def _score(name: str, i: int, rows: Sequence[Row], ctx: _Context) -> float:
    row = rows[i]
    score = 0.0
    if i in ctx.first_rows:
        score += 2.0 - 0.25 * ctx.first_rows.index(i)
    has_suffix = _SUFFIX.search(name) is not None
    if has_suffix:
        score += 2.0
    if _NOISE.search(name) or _REGISTRATION.search(name) or find_dates(name):
        score -= 3.0
    elif _ADDRESS.search(name) and not has_suffix:
        score -= 2.0
    if name.islower():
        score -= 1.0
    if ctx.header_end is not None and i > ctx.header_end:
        score -= 1.0
    if sum(c.isdigit() for c in name) > 2:
        score -= 1.5
    if i in ctx.customer_rows:
        score -= 3.0
    if _SELLER_LABEL.match(row.text):
        score += 1.5
    if any(_LEGAL.search(r.text) for r in rows[max(0, i - 1) : i + 3]):
        score += 1.0
    if any(d in _key(name) or _key(name).startswith(d) for d in ctx.domains if len(d) >= 3):
        score += 1.5
    if ctx.name_counts[_key(name)] > 1:
        score += 0.5
    if ctx.median_height and row.height > 1.3 * ctx.median_height:
        score += 0.5
    return score


def _complete(name: str, index: int, rows: Sequence[Row]) -> str | None:
    """Prepend the lines above while ``name`` looks like the tail of a name printed over
    several lines (``POPULAR BOOK`` / ``CO. (M) SDN BHD``); ``None`` for a lone suffix."""
    for above_index in range(index - 1, max(-1, index - 3), -1):
        if not _is_continuation(name):
            return name
        above = rows[above_index].text.strip()
        if not _plausible(above) or _NOISE.search(above) or _LEGAL.search(above):
            break
        name = f"{above} {name}"
    return None if _is_continuation(name) else name


def _is_continuation(name: str) -> bool:
    """Starts with a company-form word or a closing parenthesis, or has no other words."""
    rest = _SUFFIX.sub(" ", name)
    words = [w for w in re.findall(r"[A-Za-z]{2,}", re.sub(r"\([^)]*\)", " ", rest))]
    starts_with_suffix = _SUFFIX.match(name.strip()) is not None
    unbalanced = name.count(")") > name.count("(")
    return not words or starts_with_suffix or unbalanced
