"""A seller's name as text: the names a row may hold (``names_in``), a name completed over the
rows it is printed on (``complete``), and the text signs the vendor ranking reads (company
forms, business words, registration numbers, addresses, legal notices). Label words are the
vocabulary's (``Term``)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence

from billify.domain.extraction.lines import Row
from billify.domain.extraction.vocabulary import Role, Term, alternatives, term_pattern, words

# Company forms, printed after the name (several languages).
LEGAL_FORM = re.compile(
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
BUSINESS_WORD = re.compile(
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
# A row with one of these is a label, a notice or a contact line, not a name.
NOISE = term_pattern(Term.NOT_A_NAME, r"{}|@|www\.|http|\.com\b|\bRM\b")
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
REGISTRATION = term_pattern(Term.REGISTRATION)
REG_NUMBER = re.compile(
    r"\(?\b[A-Z]{0,3}\d{4,}[-\s]?[A-Z]\b\)?|\([^()]*\d{4,}[^()]*\)|[A-Z]?\d{5,}-?[A-Z]?\)$"
)
_REG_TAIL = term_pattern(Term.COMPANY_NUMBER, r"\(?\s*{}\b.*$")
# A seller label opening a row (``Sold by:``, ``From``): what follows it is the name.
SELLER_LABEL = re.compile(
    rf"^\s*(?:{alternatives(Term.SELLER_LABEL)}|{alternatives(Term.SELLER_OPENING)})\b\s*:?\s*",
    re.IGNORECASE,
)
# A seller label inside a row, followed by a colon: ``... Titulaire du compte : ACME``.
SELLER_LABEL_IN_ROW = term_pattern(Term.SELLER_LABEL, r"(?:^|\s){}\s*:\s*(\S.*)$")
# OCR confidence below which a row is a logo or a smudge read as letters: neither a name nor
# the first part of the name below it.
GARBLED_ROW = 0.8
_LEGAL = term_pattern(Term.LEGAL_NOTICE, "{}|©")
_TITLE_WORDS = term_pattern(Term.TRAILING_TITLE, r"\s*\b{}\b\s*$")
# A generic title, no name: qualifiers (``Simplified tax``) before a title word (``invoice``).
GENERIC = re.compile(
    rf"^(?:(?:{alternatives(Term.TITLE_QUALIFIER)})(?:\s+|$))*"
    rf"(?:{alternatives(Term.GENERIC_TITLE)})?(?:/\w+)?$",
    re.IGNORECASE,
)
_LEGAL_TAIL = term_pattern(Term.LEGAL_TAIL, r"\s+{}.*$")

_MIN_LETTERS = 3  # a name has at least this many letters,
_MIN_LETTER_SHARE = 0.5  # ... which are at least half of its characters (spaces aside),
_MAX_NAME_LENGTH = 60  # ... and is at most this long (longer: a sentence)
_NAME_ROWS_ABOVE = 2  # a name's tail may continue one printed up to two rows above
_NAME_ROWS_BELOW = 2  # an open name (``HARDWARE &``) may continue up to two rows below

# The rules below test the same row texts many times over (every candidate name looks at its
# neighbours): the pure text predicates remember their answers.
_CACHE_SIZE = 4096


@functools.lru_cache(maxsize=_CACHE_SIZE)
def has_address(text: str) -> bool:
    return _ADDRESS.search(text) is not None


@functools.lru_cache(maxsize=_CACHE_SIZE)
def has_legal(text: str) -> bool:
    return _LEGAL.search(text) is not None


def row_cells(text: str) -> list[str]:
    return re.split(r"\s{2,}", text)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def names_in(text: str) -> tuple[str, ...]:
    """Possible names in a row: each cell, without a seller label or trailing title word,
    and the first part of a sender line such as ``ACME AG - Street 1 - City``."""
    out: list[str] = []
    cells = row_cells(text)
    if len(cells) > 1:
        cells.insert(0, " ".join(cells))
    cells += [m.group(1) for c in cells if (m := SELLER_LABEL_IN_ROW.search(c))]
    for cell in cells:
        cell = _UNCLOSED_BRANCH.sub(r"(\1)", cell)
        cell = REG_NUMBER.sub(" ", cell)
        cell = _REG_TAIL.sub("", cell)
        cell = " ".join(cell.split()).strip("<>")
        unlabelled = SELLER_LABEL.sub("", cell)
        if not (LEGAL_FORM.search(unlabelled) and _only_forms(unlabelled)):
            cell = unlabelled  # else the word is the name: ``Lieferant GmbH``
        cell = _NAME_LABEL.sub("", cell)
        cell = _TITLE_WORDS.sub("", cell).strip(" :,-|*")
        cell = re.split(r"\s[-\u2013\u2212|·•]\s", cell)[0].strip(" :,-|*")
        if (logo := _LOGO_WORD.match(cell)) and not cell[logo.end() :].startswith(logo[1]):
            cell = cell[logo.end() :]  # same word, spelled differently: a logo
        cell = _LEGAL_TAIL.sub("", cell)
        if plausible(cell) and not GENERIC.match(cell):
            out.append(cell)
    return tuple(out)


# ``COSWAY (M SDN BHD``: OCR often loses the bracket closing a short country/state mark.
_UNCLOSED_BRANCH = re.compile(r"\(([A-Z]{1,3})(?=\s+(?:SDN|BHD|S/B|PTE|PVT|LTD)\b)")
# ``Name: Lieferant GmbH``: the label of a name field in a sender block.
_NAME_WORDS = "(?:" + "|".join(words(Role.NAME)) + ")"  # every language's name-field labels
_NAME_LABEL = re.compile(rf"^{_NAME_WORDS}\s*:\s*", re.IGNORECASE)
# ``Name:`` alone in its cell, the value in the next one
NAME_FIELD = re.compile(rf"^\s*{_NAME_WORDS}\s*:?\s*$", re.IGNORECASE)
# A logo read as a word right before the same word in the name: ``amazon Amazon Web Services``
# (the same spelling twice is part of the name: ``SAM SAM TRADING CO``).
_LOGO_WORD = re.compile(r"^(\w+)\s+(?=\1\b)", re.IGNORECASE)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def plausible(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    return (
        letters >= _MIN_LETTERS
        and letters >= _MIN_LETTER_SHARE * len(text.replace(" ", ""))
        and len(text) <= _MAX_NAME_LENGTH
    )


def name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@functools.lru_cache(maxsize=_CACHE_SIZE)
def is_registration(text: str) -> bool:
    return bool(REG_NUMBER.fullmatch(text.strip(" ()")) or REGISTRATION.search(text))


def complete(name: str, index: int, rows: Sequence[Row]) -> tuple[str, int, int] | None:
    """Join the lines of a name printed over several rows: prepend the rows above while
    ``name`` looks like the tail of a name (``POPULAR BOOK`` / ``CO. (M) SDN BHD``) and
    append the rows below while it is open (``HOME MASTER HARDWARE &``, ``AIK HUAT (SETIA``)
    or the row below continues it. Returns the name and its first and last row; ``None``
    for a lone company form."""
    first = last = index
    for above_index in range(index - 1, max(-1, index - 1 - _NAME_ROWS_ABOVE), -1):
        if not is_continuation(name):
            break
        above = rows[above_index].text.strip()
        if not _joinable(above) or _ends_with_form(above):
            break
        if rows[above_index].confidence < GARBLED_ROW:
            name = name.lstrip(" &")  # a logo read as letters: keep the legible part
            break
        name, first = f"{above} {name}", above_index
    if _only_forms(name) or name.count(")") > name.count("("):
        return None
    while last + 1 < len(rows) and last - index < _NAME_ROWS_BELOW and not _ends_with_form(name):
        below = _REG_TAIL.sub("", REG_NUMBER.sub(" ", rows[last + 1].text)).strip(" :,-|*")
        is_open = _OPEN_END.search(name) or name.count("(") > name.count(")")
        if not (is_open or is_continuation(below)) or not _joinable(below):
            break
        name, last = f"{name} {below}", last + 1
    return name, first, last


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _joinable(text: str) -> bool:
    return (
        plausible(text) and not NOISE.search(text) and not has_legal(text) and not has_address(text)
    )


def _ends_with_form(text: str) -> bool:
    """A complete company name such as ``JTJ FOODS SDN BHD`` (nothing continues it)."""
    forms = list(LEGAL_FORM.finditer(text))
    return bool(forms) and not re.search(r"[A-Za-z]", text[forms[-1].end() :])


_OPEN_END = re.compile(r"(?:&|\band|\bund|\bet|\ben|[-(,])\s*$", re.IGNORECASE)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def is_continuation(name: str) -> bool:
    """Starts like the tail of a name: with a company form, a business word that ends
    names (``ENTERPRISE (SETIA ALAM) SDN BHD``) or a closing parenthesis; or has no words
    but company forms."""
    name = name.strip()
    if is_registration(name) or REGISTRATION.search(name):
        return False
    starts_with_tail = LEGAL_FORM.match(name) is not None or (
        BUSINESS_WORD.match(name) is not None and _LEADING_WORD.match(name) is None
    )
    starts_with_tail = starts_with_tail or re.match(r"(?:&|and\b|und\b|et\b)", name) is not None
    return starts_with_tail or _only_forms(name) or name.count(")") > name.count("(")


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _only_forms(name: str) -> bool:
    rest = LEGAL_FORM.sub(" ", name)
    return not re.findall(r"[A-Za-z]{2,}", re.sub(r"\([^)]*\)", " ", rest))


# -- the brand behind a web or mail domain ----------------------------------------------------

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
MIN_DOMAIN = 3  # a shorter web domain (``ab.de``) matches names by chance
_MIN_INITIALS = 2  # a name's initials that spell its domain (``ACME Widgets``, ``aw.com``)
_MIN_FIRST_WORD = 2  # a name's first word that begins its domain
_BRAND_REPEATS = 2  # an all-caps word printed this often that begins the domain is a brand


def web_domains(text: str) -> frozenset[str]:
    """The web and mail domains printed in ``text`` (``acme`` of ``www.acme.de``), without
    the mail providers'."""
    return frozenset(name_key(d) for d in _DOMAIN.findall(text) if d.lower() not in _MAIL_HOSTS)


_WEB_ADDRESS = re.compile(
    r"\S*(?:@|www\.|https?://|\.(?:com|net|org|co|fr|de|nl|be|in|my|uk|eu|io)\b)\S*",
    re.IGNORECASE,
)
_WORD = re.compile(r"(?<![\w&'-])[A-Za-z][A-Za-z0-9]{2,}(?![\w&'-])")


def brand_of_domain(name: str, rows: Sequence[Row], domains: frozenset[str]) -> str | None:
    """The brand a document is issued under when the chosen name has nothing to do with the
    web/mail domain printed on it (``WS Retail Services`` on a ``flipkart.com`` invoice): a
    capitalised word spelled like the domain, or an all-caps word that begins it and is
    printed at least twice (``OYO``, ``oyorooms.com``). ``None`` when the name fits a domain
    or no such word is printed."""
    key = name_key(name)
    words = [name_key(w) for w in name.split()]
    initials = name_key("".join(w[:1] for w in LEGAL_FORM.sub(" ", name).split()))
    for domain in domains:
        if domain in key or (
            words and len(words[0]) >= _MIN_FIRST_WORD and domain.startswith(words[0])
        ):
            return None
        if len(domain) >= MIN_DOMAIN and key.startswith(domain[:MIN_DOMAIN]):
            return None  # ``super7.com.my`` and ``SUPER.SEVEN CASH & CARRY``
        if len(initials) >= _MIN_INITIALS and initials == domain:
            return None
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(_WORD.findall(_WEB_ADDRESS.sub(" ", row.text)))
    for word, n in counts.most_common():
        if not word[0].isupper() or NOISE.search(word) or GENERIC.match(word):
            continue
        for domain in sorted(domains):
            if name_key(word) == domain:
                return word
            if (
                word.isupper()
                and n >= _BRAND_REPEATS
                and len(domain) > len(word)
                and domain.startswith(name_key(word))
            ):
                return word
    return None
