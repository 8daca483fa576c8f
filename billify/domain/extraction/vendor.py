"""Who issued the document: the shop on a receipt, the seller (not the customer) on an invoice.

Every name a document prints is a candidate (``vendor_text``), scored by the signs around it
(``_features``) weighted by ``HAND_WEIGHTS`` or trained weights."""

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
from billify.domain.extraction.vendor_text import (
    BUSINESS_WORD,
    GARBLED_ROW,
    LEGAL_FORM,
    MIN_DOMAIN,
    NAME_FIELD,
    NOISE,
    REG_NUMBER,
    REGISTRATION,
    SELLER_LABEL,
    SELLER_LABEL_IN_ROW,
    brand_of_domain,
    complete,
    has_address,
    has_legal,
    is_continuation,
    is_registration,
    name_key,
    names_in,
    plausible,
    row_cells,
    web_domains,
)
from billify.domain.extraction.vocabulary import (
    Role,
    Term,
    alternatives,
    is_contact,
    is_label_only,
    label_pattern,
    term_pattern,
)

# A customer label; a salutation opening an address block is the customer's too:
# ``Herrn`` / ``Max Mustermann``.
_CUSTOMER_LABEL = re.compile(
    rf"{alternatives(Term.CUSTOMER)}|^\s*(?:{alternatives(Term.SALUTATION)})\.?(?:\s|$)",
    re.IGNORECASE,
)
# A row that is only a seller heading: the seller's name and address follow in the rows below.
_SELLER_HEADING = term_pattern(Term.SELLER_HEADING, r"{}\s*:?")
# ``Owned by : SANYU SUPPLY SDN BHD`` under the shop's own name: the owner, not the shop.
_OWNER_LABEL = term_pattern(Term.OWNER, r"{}\s*:?")
_HEADER_END = term_pattern(Term.HEADER_END, r"\b{}\b")


# How the rules measure a name's signs (the weights of the signs are HAND_WEIGHTS below).
_SURE_SCORE = 6.0  # a best score this high gives the highest confidence; lower, in proportion
_MIN_CONFIDENCE, _MAX_CONFIDENCE = 0.1, 0.95  # the confidence of a name chosen by score
_BRAND_CONFIDENCE = 0.6  # a brand taken from the web domain: likely, never sure
_FIRST_ROWS = 10  # the name-like rows at the top of the first page that are "first rows"
_FIRST_ROWS_STEP = 0.125  # each first row counts this much less than the one above it
_HEADER_FROM = 3  # the header ends at a title or field row, not within the first three rows
_SELLER_BLOCK_ROWS = 3  # the rows under a seller heading row that belong to the seller
_CUSTOMER_BLOCK_ROWS = 4  # a customer label's row and the three below it
_LARGER_FONT = 1.3  # times the median row height: printed larger, as a name is
_LOGO_FONT = 3.0  # times the median row height: a logo read as letters, not a name
_MAX_DIGITS = 2  # a name has at most this many digits (more: a number, a date, a street)
_LEGAL_ROWS_ABOVE, _LEGAL_ROWS_BELOW = 1, 2  # how near legal notice rows make a name likely
_ANCHOR_ROWS = 2  # a registration number or address this many rows below anchors a name
_SENDER_PARTS = 3  # a sender line: name, street and town between separators


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
        for found in names_in(row.text):
            if is_label_only(found) or is_contact(found):
                continue  # ``Seller``, ``Acheteur``, ``FATTURA``: a label is never the value
            completed = complete(found, i, rows)
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
    brand = brand_of_domain(name, rows, domains)
    if brand is not None:
        return VendorGuess(brand, _BRAND_CONFIDENCE, index)
    confidence = max(_MIN_CONFIDENCE, min(_MAX_CONFIDENCE, scores[top] / _SURE_SCORE))
    return VendorGuess(name, confidence, index)


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
        domains = web_domains(text)
        sellers = (SELLER_LABEL_IN_ROW.search(cell) for r in rows for cell in row_cells(r.text))
        seller_keys = frozenset(name_key(n) for m in sellers if m for n in names_in(m.group(1)))
        counts = Counter(name_key(n) for row in rows for n in names_in(row.text))
        first = tuple(
            i
            for i, row in enumerate(rows)
            if row.page == 0 and plausible(REG_NUMBER.sub(" ", row.text))
        )
        return cls(
            median_height=statistics.median(heights) if heights else 0.0,
            domains=domains,
            customer_rows=frozenset(_customer_rows(rows)),
            name_counts=counts,
            first_rows=first[:_FIRST_ROWS],
            header_end=next(
                (i for i, r in enumerate(rows) if i >= _HEADER_FROM and _HEADER_END.search(r.text)),
                None,
            ),
            seller_keys=seller_keys,
            seller_block=frozenset(
                j
                for i, row in enumerate(rows)
                if _SELLER_HEADING.fullmatch(row.text.strip())
                for j in range(i + 1, min(len(rows), i + 1 + _SELLER_BLOCK_ROWS))
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
    key = name_key(name)
    out: set[Role] = set()
    for cell in row.cells:
        cell_key = name_key(cell.text)
        if cell_key and (cell_key in key or key in cell_key) and id(cell) in ctx.cell_roles:
            out.add(ctx.cell_roles[id(cell)])
    return out


def _after_name_label(name: str, row: Row) -> bool:
    """``Name:`` | ``ACME GmbH``: the value of a name field."""
    key = name_key(name)
    return any(
        NAME_FIELD.match(left.text) is not None and key and key in name_key(right.text)
        for left, right in itertools.pairwise(row.cells)
    )


def _customer_rows(rows: Sequence[Row]) -> set[int]:
    """Rows in a customer block: the labelled row and the three below it."""
    out: set[int] = set()
    for i, row in enumerate(rows):
        if _CUSTOMER_LABEL.search(row.text):
            out.update(range(i, min(len(rows), i + _CUSTOMER_BLOCK_ROWS)))
    return out


# What each sign of a name is worth, by hand (the rules): a candidate's score is the sum of
# weight x feature. A model trained on labelled documents (bench/train_vendor_ranker.py) may
# give other weights for the same features (``find_vendor(rows, weights)``).
HAND_WEIGHTS: dict[str, float] = {
    "buyer_block": -4.0,  # printed in the buyer's (bill-to, ship-to) block
    "contact_person": -2.5,  # the person named after ``Ansprechpartner:``
    "seller_block": 3.0,  # in the block under a ``Seller`` / ``Verkäufer`` heading
    "name_field": 1.0,  # ... as the value of its ``Name:`` field
    "first_rows": 2.0,  # among the first name-like rows of the first page (1, 0.875, ...)
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
    has_form = LEGAL_FORM.search(name) is not None
    has_business = BUSINESS_WORD.search(name) is not None
    in_header = ctx.header_end is None or i <= ctx.header_end
    noise = bool(NOISE.search(name) or REGISTRATION.search(name) or find_dates(name))
    address = not noise and has_address(name) and not has_form
    seller_label = bool(SELLER_LABEL.match(row.text) or name_key(name) in ctx.seller_keys)
    legal_notice = has_form and has_legal(row.text)
    anchor = "" if has_address(name) else _above_anchor(last, rows)
    found = {
        "buyer_block": Role.BUYER in roles,
        "contact_person": Role.CONTACT in roles,
        "seller_block": in_seller,
        "name_field": in_seller and _after_name_label(name, row),
        "first_rows": (
            (1.0 - _FIRST_ROWS_STEP * ctx.first_rows.index(i)) if i in ctx.first_rows else 0.0
        ),
        "legal_form": has_form,
        "business_word": has_business and in_header and not has_form,
        "business_word_and_form": has_business and in_header and has_form,
        "noise": noise,
        "address": address,
        "after_address": not noise
        and not address
        and i > 0
        and has_address(rows[i - 1].text)
        and not has_form,
        "lowercase": name.islower(),
        "garbled": row.confidence < GARBLED_ROW,
        "below_header": not in_header,
        "digits": sum(c.isdigit() for c in name) > _MAX_DIGITS,
        "customer_rows": i in ctx.customer_rows and not in_seller,
        "owner": i in ctx.owner_rows,
        "seller_label": seller_label,
        "seller_heading": not seller_label and i in ctx.seller_block,
        "legal_notice": legal_notice,
        "near_legal": not legal_notice
        and any(
            has_legal(r.text)
            for r in rows[max(0, i - _LEGAL_ROWS_ABOVE) : i + _LEGAL_ROWS_BELOW + 1]
        ),
        "web_domain": any(
            d in name_key(name) or name_key(name).startswith(d)
            for d in ctx.domains
            if len(d) >= MIN_DOMAIN
        ),
        "repeated": ctx.name_counts[name_key(name)] > 1,
        "larger_font": bool(
            ctx.median_height
            and _LARGER_FONT * ctx.median_height < row.height < _LOGO_FONT * ctx.median_height
        ),
        "above_registration": anchor == "registration",
        "above_address": anchor == "address",
        "registration_below_next": anchor == "registration_below_next",
        "continues_below": last + 1 < len(rows) and is_continuation(rows[last + 1].text.strip()),
        "sender_line": _is_sender_line(name, row.text),
    }
    return {k: float(v) for k, v in found.items() if v}


_SENDER_SEPARATOR = re.compile(r"\s[-\u2013|·•]\s")


def _is_sender_line(name: str, text: str) -> bool:
    """``name`` opens a one-line sender address (name, street and town between separators),
    as printed over a letter's address window or in its footer."""
    parts = _SENDER_SEPARATOR.split(text.strip())
    return (
        len(parts) >= _SENDER_PARTS
        and name_key(name) == name_key(REG_NUMBER.sub(" ", parts[0]))
        and any(has_address(part) for part in parts[1:])
    )


def _above_anchor(i: int, rows: Sequence[Row]) -> str:
    """``registration`` for a row that carries, or sits right above, a registration number,
    ``address`` for one right above the address: where a business prints its legal name."""
    if REG_NUMBER.search(rows[i].text) or REGISTRATION.search(rows[i].text):
        return "registration"
    below = [row.text for row in rows[i + 1 : i + 1 + _ANCHOR_ROWS]]
    if not below:
        return ""
    if is_registration(below[0]):
        return "registration"
    if has_address(below[0]):
        return "address"
    # one more name-like row (a second name line or a branch) before the number
    return "registration_below_next" if len(below) > 1 and is_registration(below[1]) else ""
