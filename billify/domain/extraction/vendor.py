"""Who issued the document: the shop on a receipt, the seller (not the customer) on an invoice."""

from __future__ import annotations

import functools
import importlib.resources
import itertools
import json
import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from billify.domain.extraction.dates import find_dates
from billify.domain.extraction.layout import PartyBlock, party_blocks
from billify.domain.extraction.lines import Row
from billify.domain.extraction.vocabulary import (
    Role,
    is_contact,
    is_label_only,
    label_pattern,
    words,
)

# Company forms, printed after the name (several languages).
_LEGAL_FORM = re.compile(
    r"(?:\bSDN\.?\s*BHD|\bBHD|\bBERHAD|\bPLT|\bLTD|\bLIMITED|\bLLC|\bLLP|\bINC|\bCORP|"
    r"\bCORPORATION|\bGMBH|\bAG|\bKG|\bSARL|\bSAS|\bS\.A|\bSA|\bB\.?\s?V|\bN\.?\s?V|"
    r"\bS\.?A\.?S|\bS\.?A\.?R\.?L|\bS\.?R\.?L|\bS\.?P\.?A|\bPTE|\bPTY|\bPVT|\b[S5]/[B8]|\bSB|"
    r"&\s*CO|\bCO\.|\bmbH|\bUG|\bOHG|\bGbR|\bKGaA|\ba\.\s?G|\be\.\s?V|\be\.\s?K|"
    r"\bApS|\bA/S|\bBVBA|\bSPRL|\bS\.L|\bs\.r\.o|\bsp\.\s?z\s?o\.\s?o|\bKft|\bOy|"
    r"\bS\.?N\.?C|\bS\.?A\.?S\.?U|\bSASU|\bEURL|\bS\.?C\.?S|\bS\.?L\.?U|\bV\.?O\.?F|\bC\.?V|"
    r"\bS\.?C\.?A\.?R\.?L|\bS\.?a\.?s|\bS\.?n\.?c)(?![A-Za-z])\.?",
    re.IGNORECASE,
)
# Words that name a kind of business: they may start a name (``RESTORAN WAN SHENG``).
_BUSINESS_WORD = re.compile(
    r"\b(?:ENTERPRISES?|TRADING|RESTAURANTS?|RESTORAN|COMPANY|HARDWARE|MART|MARKET|"
    r"SUPERMARKET|HYPERMARKET|MINIMARKET|STORES?|BAKERY|BAKERIES|CAFE|KEDAI|PHARMACY|"
    r"FARMASI|STATIONERY|STATIONER|BOOKSTORE|BOOK|HOTEL|SERVICES|SOLUTIONS|INDUSTRIES|"
    r"PERNIAGAAN|KOPITIAM|CARRY|MARKETING|ELECTRICAL|BISTRO|KITCHEN|FOODS?|SUPPLY|SUPPLIES|"
    r"HOLDINGS|GROUP|BOUTIQUE|GALLERY|STUDIO|CENTRE|CENTER|WORKSHOP|GARAGE|MOTOR|AUTO)\b",
    re.IGNORECASE,
)
# Business words that begin a name in Malay (``KEDAI PAPAN ...``); the others end one.
_LEADING_WORD = re.compile(
    r"(?:RESTORAN|KEDAI|PERNIAGAAN|SYARIKAT|PASARAYA|FARMASI|KILANG|BENGKEL)\b", re.IGNORECASE
)
_NOISE = re.compile(
    r"tax\s*invoice|\binvoice\b|\breceipt\b|cash\s*bill|\bbill\b|welcome|thank|"
    r"tel\b|\btel[:.]|phone|fax|e-?mail|@|www\.|http|\.com\b|"
    r"gst|\bsst\b|\bvat\b|\bbtw\b|reg\b|\bno\s*[:.]|\bdate\b|\btime\b|cashier|counter|"
    r"\bpage\b|seite|factuur|rechnung|facture|\border\b|table\b|hours|opening|"
    r"copy|original|duplicate|member|customer|kunde|klant|\bcash\b(?!\s*(?:&|and))|change|"
    r"total|rounding|amount|\bqty\b|discount|subtotal|\bitem|\bprice\b|\bRM\b|returnable|"
    r"voucher|redeem|points|expir|goods\s+sold|visit|served|survey|operated\s+by|"
    r"order\s+number|\bin[vu][o0]?i?ce\b|\banschrift\b|\badresse\b|\baddress\b",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"\bja[il1]an\b|\bjln\b|\blot\b|\btaman\b|\bstreet\b|\broad\b|\bavenue\b|stra(?:ss|ß)e|"
    r"\bstr\.|[a-zäöü]str\.?\s*\d|\brue\b|postfach|\bfloor\b|\blevel\b|\bbatu\b|\bkm\b|\d{5}|\bseksyen\b|\bsek\b|"
    r"\bbandar\b|\blorong\b|\bpersiaran\b|\bkampung\b|\bkg\b|\bmukim\b|\bplaza\b|\bblock\b|"
    r"\bblok\b|\bno\.?\s*\d|\bselangor\b|\bjohor\b|\bkedah\b|\bperak\b|\bpahang\b|\bmelaka\b|"
    r"\bkawasan\b|\bperindustrian\b|\bsection\b|\bpusat\b|\blebuh(?:raya)?\b|\bwisma\b|"
    r"\bmenara\b|\btingkat\b|\bkompleks\b|\bpark\b|\bindustrial\s+estate\b|"
    r"\bpenang\b|\bsabah\b|\bsarawak\b|\bkelantan\b|\bterengganu\b|\bkuala\s+lumpur\b|"
    # street words of the other languages: ``Via Roma 1``, ``Calle Mayor``, ``Keizersgracht``
    r"^(?:via|viale|corso|piazza|largo|calle|avenida|avda|paseo|plaza|carrer|carretera|rua|"
    r"chemin|boulevard|bd|all[ée]e|impasse|place|quai|route|rue)\b|"
    r"[a-z](?:straat|laan|weg|gracht|plein|kade|singel|dijk)\b",
    re.IGNORECASE,
)
_REGISTRATION = re.compile(
    r"\bco\.?\s*-?\s*reg|co[mn]pany\s*(?:no|reg)|\bco\.?\s*no\b|\broc\b|\b(?:gst|vat|sst|tax)\s*"
    r"(?:id|reg|no)|\bust-?id|\bsiret\b|\bkvk\b|\bbtw\b",
    re.IGNORECASE,
)
_REG_NUMBER = re.compile(
    r"\(?\b[A-Z]{0,3}\d{4,}[-\s]?[A-Z]\b\)?|\([^()]*\d{4,}[^()]*\)|[A-Z]?\d{5,}-?[A-Z]?\)$"
)
_REG_TAIL = re.compile(
    r"\(?\s*(?:co\.?\s*-?\s*(?:reg|no)|company\s*(?:no|reg)|roc)\b.*$", re.IGNORECASE
)
_CUSTOMER_LABEL = re.compile(
    r"bill(?:ed)?\s*to|ship(?:ped)?\s*to|sold\s*to|invoice\s*to|deliver(?:y|ed)?\s*to|"
    r"customer|client|kunde|rechnungsempf|lieferadresse|factur[ée]\s*[àa]|adresse\s+de\s+"
    r"(?:facturation|livraison)|factuuradres|afleveradres|attn|t\.a\.v\.|buyer|recipient|"
    r"billing\s+address|shipping\s+address|nom\s+de\s+l|"
    # a salutation opening an address block is the customer's: ``Herrn`` / ``Max Mustermann``
    r"^\s*(?:herrn?|frau|monsieur|madame|mme|dhr|mevr)\.?(?:\s|$)",
    re.IGNORECASE,
)
_SELLER_LABEL = re.compile(
    r"^\s*(?:sold\s*by|seller|vendor|supplier|from|service\s*provider|issued\s*by|"
    r"verk[äa]ufer|lieferant|leverancier|fournisseur|vendeur|titulaire\s+du\s+compte|"
    r"payable\s+to|in\s+favou?r\s+of)\b\s*:?\s*",
    re.IGNORECASE,
)
# A row that is only a seller heading: the seller's name and address follow in the rows below.
_SELLER_HEADING = re.compile(
    r"(?:sold\s*by|seller|vendor|supplier|from|bill(?:ed)?\s*from|invoice\s*from|issuer|"
    r"verk[äa]ufer|lieferant|rechnungs?e?r?steller|absender|leverancier|fournisseur|vendeur|"
    r"[ée]metteur)\s*:?",
    re.IGNORECASE,
)
# A seller label inside a row, followed by a colon: ``... Titulaire du compte : ACME``.
_SELLER_LABEL_IN_ROW = re.compile(
    r"(?:^|\s)(?:sold\s*by|seller|vendor|supplier|service\s*provider|issued\s*by|"
    r"verk[äa]ufer|lieferant|leverancier|fournisseur|vendeur|titulaire\s+du\s+compte|"
    r"payable\s+to|in\s+favou?r\s+of)\s*:\s*(\S.*)$",
    re.IGNORECASE,
)
# OCR confidence below which a row is a logo or a smudge read as letters: neither a name nor
# the first part of the name below it.
_GARBLED_ROW = 0.8
# ``Owned by : SANYU SUPPLY SDN BHD`` under the shop's own name: the owner, not the shop.
_OWNER_LABEL = re.compile(
    r"\b(?:owned|operated|managed|franchised)\s+by\b\s*:?|\bmilik\b\s*:?", re.IGNORECASE
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
_DOMAIN = re.compile(r"(?:@|https?://(?:www\.)?|www\.)([A-Za-z0-9-]+)\.", re.IGNORECASE)
_MAIL_HOSTS = frozenset(
    {
        "gmail",
        "googlemail",
        "yahoo",
        "hotmail",
        "outlook",
        "live",
        "icloud",
        "aol",
        "gmx",
        "web",
        "example",
        "mail",
        "email",
        "orange",
        "wanadoo",
        "tcpdf",  # "Powered by TCPDF (www.tcpdf.org)": the PDF generator
    }
)
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
    r"sitz\b|capital\s+social|fka\b|formerly\b|\(?f\.?k\.?a\.?\)?\s).*$",
    re.IGNORECASE,
)


# The rules below test the same row texts many times over (every candidate name looks at its
# neighbours): the pure text predicates remember their answers.
_CACHE_SIZE = 4096


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _has_address(text: str) -> bool:
    return _ADDRESS.search(text) is not None


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _has_legal(text: str) -> bool:
    return _LEGAL.search(text) is not None


@dataclass(frozen=True)
class VendorGuess:
    name: str | None
    confidence: float
    row: int | None = None


@dataclass(frozen=True)
class NameCandidate:
    """A possible vendor name: its text, its first row, and its features (see ``_features``)."""

    name: str
    row: int
    features: dict[str, float]


def name_candidates(rows: Sequence[Row], context: _Context | None = None) -> list[NameCandidate]:
    """Every possible name on the document, completed over the rows it spans; labels and
    contact persons are never candidates."""
    context = context or _Context.of(rows)
    out: list[NameCandidate] = []
    for i, row in enumerate(rows):
        for found in _names_in(row.text):
            if is_label_only(found) or is_contact(found):
                continue  # ``Seller``, ``Acheteur``, ``FATTURA``: a label is never the value
            completed = _complete(found, i, rows)
            if completed is None:
                continue
            name, first, last = completed
            out.append(NameCandidate(name, first, _features(name, first, last, rows, context)))
    return out


def find_vendor(rows: Sequence[Row], weights: VendorWeights | None = None) -> VendorGuess:
    """The best-scoring name among the document's rows, ranked by ``weights`` (default: the
    trained weights shipped with the package, else the hand weights)."""
    if not rows:
        return VendorGuess(None, 0.0)
    chosen = weights or shipped_weights() or VendorWeights(HAND_WEIGHTS)
    context = _Context.of(rows)
    candidates = name_candidates(rows, context)
    scores = [_score(c.features, chosen.weights) for c in candidates]
    if not scores or max(scores) <= 0:
        return VendorGuess(None, 0.0)
    top = max(range(len(scores)), key=lambda n: scores[n])
    name, index = candidates[top].name, candidates[top].row
    domains = context.domains
    brand = _brand_of_domain(name, rows, domains)
    if brand is not None:
        return VendorGuess(brand, 0.6, index)
    return VendorGuess(name, max(0.1, min(0.95, scores[top] / 6)), index)


@dataclass(frozen=True)
class VendorWeights:
    """A weight per feature name (missing: 0); a candidate's score is their dot product."""

    weights: Mapping[str, float]


WEIGHTS_RESOURCE = "vendor_weights.json"


@functools.cache
def shipped_weights() -> VendorWeights | None:
    """The weights trained by ``bench/train_vendor_ranker.py``, shipped in the package (read
    once, offline); None when the package carries none."""
    resource = importlib.resources.files(__package__ or "billify.domain.extraction")
    path = resource / WEIGHTS_RESOURCE
    if not path.is_file():
        return None
    data = json.loads(path.read_text("utf-8"))
    return VendorWeights({str(k): float(v) for k, v in data["weights"].items()})


_WEB_ADDRESS = re.compile(
    r"\S*(?:@|www\.|https?://|\.(?:com|net|org|co|fr|de|nl|be|in|my|uk|eu|io)\b)\S*",
    re.IGNORECASE,
)
_WORD = re.compile(r"(?<![\w&'-])[A-Za-z][A-Za-z0-9]{2,}(?![\w&'-])")


def _brand_of_domain(name: str, rows: Sequence[Row], domains: frozenset[str]) -> str | None:
    """The brand a document is issued under when the chosen name has nothing to do with the
    web/mail domain printed on it (``WS Retail Services`` on a ``flipkart.com`` invoice): a
    capitalised word spelled like the domain, or an all-caps word that begins it and is
    printed at least twice (``OYO``, ``oyorooms.com``). ``None`` when the name fits a domain
    or no such word is printed."""
    key = _key(name)
    words = [_key(w) for w in name.split()]
    initials = _key("".join(w[:1] for w in _LEGAL_FORM.sub(" ", name).split()))
    for domain in domains:
        if domain in key or (words and len(words[0]) >= 2 and domain.startswith(words[0])):
            return None
        if len(domain) >= 3 and key.startswith(domain[:3]):
            return None  # ``super7.com.my`` and ``SUPER.SEVEN CASH & CARRY``
        if len(initials) >= 2 and initials == domain:
            return None
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(_WORD.findall(_WEB_ADDRESS.sub(" ", row.text)))
    for word, n in counts.most_common():
        if not word[0].isupper() or _NOISE.search(word) or _GENERIC.match(word):
            continue
        for domain in sorted(domains):
            if _key(word) == domain:
                return word
            if (
                word.isupper()
                and n >= 2
                and len(domain) > len(word)
                and domain.startswith(_key(word))
            ):
                return word
    return None


@dataclass(frozen=True)
class _Context:
    median_height: float
    domains: frozenset[str]
    customer_rows: frozenset[int]
    name_counts: Counter[str]
    first_rows: tuple[int, ...]
    header_end: int | None
    seller_keys: frozenset[str]
    seller_block: frozenset[int]
    owner_rows: frozenset[int]
    cell_roles: dict[int, Role]  # id() of a cell in a labelled party block -> its party

    @classmethod
    def of(cls, rows: Sequence[Row]) -> _Context:
        heights = [row.height for row in rows if row.height > 0]
        text = "\n".join(row.text for row in rows)
        domains = frozenset(_key(d) for d in _DOMAIN.findall(text) if d.lower() not in _MAIL_HOSTS)
        sellers = (_SELLER_LABEL_IN_ROW.search(cell) for r in rows for cell in _cells(r.text))
        seller_keys = frozenset(_key(n) for m in sellers if m for n in _names_in(m.group(1)))
        counts = Counter(_key(n) for row in rows for n in _names_in(row.text))
        first = tuple(
            i
            for i, row in enumerate(rows)
            if row.page == 0 and _plausible(_REG_NUMBER.sub(" ", row.text))
        )
        return cls(
            median_height=statistics.median(heights) if heights else 0.0,
            domains=domains,
            customer_rows=frozenset(_customer_rows(rows)),
            name_counts=counts,
            first_rows=first[:10],
            header_end=next(
                (i for i, r in enumerate(rows) if i >= 3 and _HEADER_END.search(r.text)), None
            ),
            seller_keys=seller_keys,
            seller_block=frozenset(
                j
                for i, row in enumerate(rows)
                if _SELLER_HEADING.fullmatch(row.text.strip())
                for j in range(i + 1, min(len(rows), i + 4))
            ),
            cell_roles=_cell_roles(party_blocks([c for row in rows for c in row.cells]), rows),
            owner_rows=frozenset(  # the label's own row when the owner follows on it, and the next
                j
                for i, row in enumerate(rows)
                if (owner := _OWNER_LABEL.search(row.text))
                for j in ([i] if row.text[owner.end() :].strip() else []) + [i + 1]
            ),
        )


def _cell_roles(blocks: Sequence[PartyBlock], rows: Sequence[Row]) -> dict[int, Role]:
    """The party of every cell in a labelled block; a heading with its value after a colon
    (``Buyer: Kunden AG``) is its own block. A contact person's name is nobody's (role
    CONTACT): the value right of ``Ansprechpartner:``."""
    roles: dict[int, Role] = {}
    for block in blocks:
        if block.inline:
            roles[id(block.heading)] = block.role
        for cell in block.cells:
            roles.setdefault(id(cell), block.role)
    for row in rows:
        for left, right in itertools.pairwise(row.cells):
            match = label_pattern(Role.CONTACT).match(left.text)
            if match and not match["value"].strip():
                roles[id(right)] = Role.CONTACT
    return roles


def _roles_of(name: str, row: Row, ctx: _Context) -> set[Role]:
    """The parties of the cells a candidate name was read from."""
    key = _key(name)
    out: set[Role] = set()
    for cell in row.cells:
        cell_key = _key(cell.text)
        if cell_key and (cell_key in key or key in cell_key) and id(cell) in ctx.cell_roles:
            out.add(ctx.cell_roles[id(cell)])
    return out


def _after_name_label(name: str, row: Row) -> bool:
    """``Name:`` | ``ACME GmbH``: the value of a name field."""
    key = _key(name)
    return any(
        _NAME_FIELD.match(left.text) is not None and key and key in _key(right.text)
        for left, right in itertools.pairwise(row.cells)
    )


def _cells(text: str) -> list[str]:
    return re.split(r"\s{2,}", text)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _names_in(text: str) -> tuple[str, ...]:
    """Possible names in a row: each cell, without a seller label or trailing title word,
    and the first part of a sender line such as ``ACME AG - Street 1 - City``."""
    out: list[str] = []
    cells = _cells(text)
    if len(cells) > 1:
        cells.insert(0, " ".join(cells))
    cells += [m.group(1) for c in cells if (m := _SELLER_LABEL_IN_ROW.search(c))]
    for cell in cells:
        cell = _UNCLOSED_BRANCH.sub(r"(\1)", cell)
        cell = _REG_NUMBER.sub(" ", cell)
        cell = _REG_TAIL.sub("", cell)
        cell = " ".join(cell.split()).strip("<>")
        unlabelled = _SELLER_LABEL.sub("", cell)
        if not (_LEGAL_FORM.search(unlabelled) and _only_forms(unlabelled)):
            cell = unlabelled  # else the word is the name: ``Lieferant GmbH``
        cell = _NAME_LABEL.sub("", cell)
        cell = _TITLE_WORDS.sub("", cell).strip(" :,-|*")
        cell = re.split(r"\s[-\u2013\u2212|·•]\s", cell)[0].strip(" :,-|*")
        if (logo := _LOGO_WORD.match(cell)) and not cell[logo.end() :].startswith(logo[1]):
            cell = cell[logo.end() :]  # same word, spelled differently: a logo
        cell = _LEGAL_TAIL.sub("", cell)
        if _plausible(cell) and not _GENERIC.match(cell):
            out.append(cell)
    return tuple(out)


# ``COSWAY (M SDN BHD``: OCR often loses the bracket closing a short country/state mark.
_UNCLOSED_BRANCH = re.compile(r"\(([A-Z]{1,3})(?=\s+(?:SDN|BHD|S/B|PTE|PVT|LTD)\b)")
# ``Name: Lieferant GmbH``: the label of a name field in a sender block.
_NAME_WORDS = "(?:" + "|".join(words(Role.NAME)) + ")"  # every language's name-field labels
_NAME_LABEL = re.compile(rf"^{_NAME_WORDS}\s*:\s*", re.IGNORECASE)
# ``Name:`` alone in its cell, the value in the next one
_NAME_FIELD = re.compile(rf"^\s*{_NAME_WORDS}\s*:?\s*$", re.IGNORECASE)
# A logo read as a word right before the same word in the name: ``amazon Amazon Web Services``
# (the same spelling twice is part of the name: ``SAM SAM TRADING CO``).
_LOGO_WORD = re.compile(r"^(\w+)\s+(?=\1\b)", re.IGNORECASE)


@functools.lru_cache(maxsize=_CACHE_SIZE)
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


# What each sign of a name is worth, by hand (the rules): a candidate's score is the sum of
# weight x feature. A model trained on labelled documents (bench/train_vendor_ranker.py) may
# give other weights for the same features (``find_vendor(rows, weights)``).
HAND_WEIGHTS: dict[str, float] = {
    "buyer_block": -4.0,  # printed in the buyer's (bill-to, ship-to) block
    "contact_person": -2.5,  # the person named after ``Ansprechpartner:``
    "seller_block": 3.0,  # in the block under a ``Seller`` / ``Verkäufer`` heading
    "name_field": 1.0,  # ... as the value of its ``Name:`` field
    "first_rows": 2.0,  # among the first name-like rows of the first page (1 down to 0.5)
    "legal_form": 2.0,  # ``GmbH``, ``SDN BHD``, ``S.A.``
    "business_word": 2.0,  # ``TRADING``, ``RESTORAN`` in the header, without a company form
    "business_word_and_form": 0.5,
    "noise": -3.0,  # a field label, a registration, a date
    "address": -2.0,  # looks like an address (and has no company form)
    "after_address": -1.5,  # right below an address row: the rest of the address block
    "lowercase": -1.0,
    "garbled": -1.5,  # OCR could hardly read it: a logo or a smudge
    "below_header": -1.0,  # below the first ``Invoice``/``Date``/``Qty`` row
    "digits": -1.5,  # more than two digits
    "customer_rows": -3.0,  # a row near a customer label (when no seller block says otherwise)
    "owner": -2.0,  # the company that owns the shop named above it
    "seller_label": 2.5,  # ``Sold by: ...`` on its row, or named so elsewhere
    "seller_heading": 2.5,  # in the rows under a ``Verkäufer`` heading row
    "legal_notice": 2.5,  # the legal notice itself: "ACME SAS au capital de ... RCS Paris"
    "near_legal": 1.0,  # next to legal notice rows
    "web_domain": 1.5,  # matches the web or mail domain printed on the document
    "repeated": 0.5,  # printed more than once
    "larger_font": 0.5,  # printed larger (much larger is usually a logo read as garbage)
    "above_registration": 1.5,  # carries, or sits above, a registration number
    "above_address": 1.0,  # sits above the address
    "registration_below_next": 1.0,  # one more row (a second name line), then the number
    "continues_below": -1.5,  # the name goes on below: the candidate that includes it is better
    "sender_line": 2.0,  # ``ACME Ltd - 1 Main St - Dublin``: the sender line over the window
}
FEATURES = tuple(HAND_WEIGHTS)


def _score(features: dict[str, float], weights: Mapping[str, float]) -> float:
    return sum(weights.get(name, 0.0) * value for name, value in features.items())


def _features(name: str, i: int, last: int, rows: Sequence[Row], ctx: _Context) -> dict[str, float]:
    """Where a name sits (first rows, above the registration number and address, in the
    seller's block, not in the buyer's) and what it looks like (company form, business word),
    each sign a named feature in 0..1."""
    row = rows[i]
    roles = _roles_of(name, row, ctx)
    in_seller = Role.SELLER in roles and Role.BUYER not in roles
    has_form = _LEGAL_FORM.search(name) is not None
    has_business = _BUSINESS_WORD.search(name) is not None
    in_header = ctx.header_end is None or i <= ctx.header_end
    noise = bool(_NOISE.search(name) or _REGISTRATION.search(name) or find_dates(name))
    address = not noise and _has_address(name) and not has_form
    seller_label = bool(_SELLER_LABEL.match(row.text) or _key(name) in ctx.seller_keys)
    legal_notice = has_form and _has_legal(row.text)
    anchor = "" if _has_address(name) else _above_anchor(last, rows)
    found = {
        "buyer_block": Role.BUYER in roles,
        "contact_person": Role.CONTACT in roles,
        "seller_block": in_seller,
        "name_field": in_seller and _after_name_label(name, row),
        "first_rows": (1.0 - 0.125 * ctx.first_rows.index(i)) if i in ctx.first_rows else 0.0,
        "legal_form": has_form,
        "business_word": has_business and in_header and not has_form,
        "business_word_and_form": has_business and in_header and has_form,
        "noise": noise,
        "address": address,
        "after_address": not noise
        and not address
        and i > 0
        and _has_address(rows[i - 1].text)
        and not has_form,
        "lowercase": name.islower(),
        "garbled": row.confidence < _GARBLED_ROW,
        "below_header": not in_header,
        "digits": sum(c.isdigit() for c in name) > 2,
        "customer_rows": i in ctx.customer_rows and not in_seller,
        "owner": i in ctx.owner_rows,
        "seller_label": seller_label,
        "seller_heading": not seller_label and i in ctx.seller_block,
        "legal_notice": legal_notice,
        "near_legal": not legal_notice
        and any(_has_legal(r.text) for r in rows[max(0, i - 1) : i + 3]),
        "web_domain": any(
            d in _key(name) or _key(name).startswith(d) for d in ctx.domains if len(d) >= 3
        ),
        "repeated": ctx.name_counts[_key(name)] > 1,
        "larger_font": bool(
            ctx.median_height and 1.3 * ctx.median_height < row.height < 3 * ctx.median_height
        ),
        "above_registration": anchor == "registration",
        "above_address": anchor == "address",
        "registration_below_next": anchor == "registration_below_next",
        "continues_below": last + 1 < len(rows) and _is_continuation(rows[last + 1].text.strip()),
        "sender_line": _is_sender_line(name, row.text),
    }
    return {k: float(v) for k, v in found.items() if v}


_SENDER_SEPARATOR = re.compile(r"\s[-\u2013|·•]\s")


def _is_sender_line(name: str, text: str) -> bool:
    """``name`` opens a one-line sender address (name, street and town between separators),
    as printed over a letter's address window or in its footer."""
    parts = _SENDER_SEPARATOR.split(text.strip())
    return (
        len(parts) >= 3
        and _key(name) == _key(_REG_NUMBER.sub(" ", parts[0]))
        and any(_has_address(part) for part in parts[1:])
    )


def _above_anchor(i: int, rows: Sequence[Row]) -> str:
    """``registration`` for a row that carries, or sits right above, a registration number,
    ``address`` for one right above the address: where a business prints its legal name."""
    if _REG_NUMBER.search(rows[i].text) or _REGISTRATION.search(rows[i].text):
        return "registration"
    below = [row.text for row in rows[i + 1 : i + 3]]
    if not below:
        return ""
    if _is_registration(below[0]):
        return "registration"
    if _has_address(below[0]):
        return "address"
    # one more name-like row (a second name line or a branch) before the number
    return "registration_below_next" if len(below) > 1 and _is_registration(below[1]) else ""


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _is_registration(text: str) -> bool:
    return bool(_REG_NUMBER.fullmatch(text.strip(" ()")) or _REGISTRATION.search(text))


def _complete(name: str, index: int, rows: Sequence[Row]) -> tuple[str, int, int] | None:
    """Join the lines of a name printed over several rows: prepend the rows above while
    ``name`` looks like the tail of a name (``POPULAR BOOK`` / ``CO. (M) SDN BHD``) and
    append the rows below while it is open (``HOME MASTER HARDWARE &``, ``AIK HUAT (SETIA``)
    or the row below continues it. Returns the name and its first and last row; ``None``
    for a lone company form."""
    first = last = index
    for above_index in range(index - 1, max(-1, index - 3), -1):
        if not _is_continuation(name):
            break
        above = rows[above_index].text.strip()
        if not _joinable(above) or _ends_with_form(above):
            break
        if rows[above_index].confidence < _GARBLED_ROW:
            name = name.lstrip(" &")  # a logo read as letters: keep the legible part
            break
        name, first = f"{above} {name}", above_index
    if _only_forms(name) or name.count(")") > name.count("("):
        return None
    while last + 1 < len(rows) and last - index < 2 and not _ends_with_form(name):
        below = _REG_TAIL.sub("", _REG_NUMBER.sub(" ", rows[last + 1].text)).strip(" :,-|*")
        is_open = _OPEN_END.search(name) or name.count("(") > name.count(")")
        if not (is_open or _is_continuation(below)) or not _joinable(below):
            break
        name, last = f"{name} {below}", last + 1
    return name, first, last


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _joinable(text: str) -> bool:
    return (
        _plausible(text)
        and not _NOISE.search(text)
        and not _has_legal(text)
        and not _has_address(text)
    )


def _ends_with_form(text: str) -> bool:
    """A complete company name such as ``JTJ FOODS SDN BHD`` (nothing continues it)."""
    forms = list(_LEGAL_FORM.finditer(text))
    return bool(forms) and not re.search(r"[A-Za-z]", text[forms[-1].end() :])


_OPEN_END = re.compile(r"(?:&|\band|\bund|\bet|\ben|[-(,])\s*$", re.IGNORECASE)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _is_continuation(name: str) -> bool:
    """Starts like the tail of a name: with a company form, a business word that ends
    names (``ENTERPRISE (SETIA ALAM) SDN BHD``) or a closing parenthesis; or has no words
    but company forms."""
    name = name.strip()
    if _is_registration(name) or _REGISTRATION.search(name):
        return False
    starts_with_tail = _LEGAL_FORM.match(name) is not None or (
        _BUSINESS_WORD.match(name) is not None and _LEADING_WORD.match(name) is None
    )
    starts_with_tail = starts_with_tail or re.match(r"(?:&|and\b|und\b|et\b)", name) is not None
    return starts_with_tail or _only_forms(name) or name.count(")") > name.count("(")


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _only_forms(name: str) -> bool:
    rest = _LEGAL_FORM.sub(" ", name)
    return not re.findall(r"[A-Za-z]{2,}", re.sub(r"\([^)]*\)", " ", rest))
