"""Reading dates as printed on receipts and invoices, in several languages and orders."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from billify.domain.extraction.vocabulary import Term, term_pattern

MIN_YEAR, MAX_YEAR = 1990, 2099

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: (
        "january",
        "januar",
        "janvier",
        "januari",
        "jänner",
        "jaenner",
        "janv",
        "jan",
        "enero",
        "gennaio",
        "ene",
        "gen",
    ),
    2: (
        "february",
        "februar",
        "fevrier",
        "février",
        "februari",
        "feb",
        "fev",
        "fév",
        "févr",
        "febrero",
        "febbraio",
    ),
    3: ("march", "märz", "maerz", "marz", "mars", "maart", "mac", "mar", "mrt", "mär", "marzo"),
    4: ("april", "avril", "apr", "avr", "abril", "aprile", "abr"),
    5: ("may", "mai", "mei", "mayo", "maggio", "mag"),
    6: ("june", "juni", "juin", "jun", "junio", "giugno", "giu"),
    7: ("july", "juli", "juillet", "julai", "jul", "juil", "julio", "luglio", "lug"),
    8: ("august", "août", "aout", "augustus", "ogos", "aug", "aoû", "ogo", "agosto", "ago"),
    9: ("september", "septembre", "sep", "sept", "septiembre", "setiembre", "settembre", "set"),
    10: ("october", "oktober", "octobre", "oct", "okt", "octubre", "ottobre", "ott"),
    11: ("november", "novembre", "nov", "noviembre"),
    12: (
        "december",
        "dezember",
        "décembre",
        "decembre",
        "disember",
        "dec",
        "dez",
        "déc",
        "dis",
        "diciembre",
        "dicembre",
        "dic",
    ),
}
MONTHS: dict[str, int] = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_LONG_NAMES = sorted((n for n in MONTHS if len(n) > 3), key=len, reverse=True)


class Order(Enum):
    """How to read an all-numeric ``a/b/yyyy`` date."""

    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"


@dataclass(frozen=True)
class DateMatch:
    """A date found in a text. ``readings`` lists every valid meaning (two when a numeric date
    could be day-first or month-first), the day-first one first."""

    readings: tuple[dt.date, ...]
    start: int
    end: int
    numeric: bool
    evidence: Order | None = None
    loose: bool = False  # separators damaged or mixed: trust less

    @property
    def ambiguous(self) -> bool:
        return len(self.readings) > 1

    def read(self, order: Order = Order.DAY_FIRST) -> dt.date:
        if len(self.readings) > 1 and order is Order.MONTH_FIRST:
            return self.readings[1]
        return self.readings[0]


_MONTH_WORD = r"[A-Za-zÀ-ÿ]{3,10}\.?"
# a time glued to the year (``25/05/201818:08``, ``27/05/20188:07 PM``, ``27/06/185.02``)
_TIME_NEXT = r"(?=\d{1,2}[:.]\d{2})"
# a date may also follow a time it is glued to (``18:1524/05/18``)
_DAY_START = r"(?:(?<![\d.])|(?<=\d:\d\d))"
_DMY = (
    _DAY_START + r"(\d{1,2})_([-/.])_(\d{1,2})_\2_(YEAR)(?:(?!\d)|" + _TIME_NEXT + ")"
)  # ``_``: where spaces may be
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(rf"(?<!\d)(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}})(?:(?!\d)|{_TIME_NEXT})")),
    # ``16. 09. 2013``: spaced as Czech and Slovak print dates, or as a PDF's text layer may
    # space its characters
    ("dmy", re.compile(_DMY.replace("YEAR", r"\d{4}").replace("_", r"\s{0,2}"))),
    ("dmy", re.compile(_DMY.replace("YEAR", r"\d{2}").replace("_", r"\s?"))),
    (
        "d_mon_y",
        re.compile(
            # ``5 de abril de 2024``: Spanish (and Portuguese) join the parts with ``de``
            rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er|\.)?[\s\-/.,]*(?:de\s+)?({_MONTH_WORD})"
            r"[\s\-/.,']*(?:de\s+)?"
            r"(\d{4}|\d{2}(?!\s*,?\s*\d)|\d{2}(?=\s+\d{1,2}:\d{2}))(?![\d])",
            re.IGNORECASE,
        ),
    ),
    (
        "mon_d_y",
        re.compile(
            rf"(?<![A-Za-zÀ-ÿ])({_MONTH_WORD})\s?(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(\d{{4}})(?!\d)",
            re.IGNORECASE,
        ),
    ),
    ("compact", re.compile(r"(?<![\d.,/-])((?:19|20)\d{2})(\d{2})(\d{2})(?![\d.,-])")),
    ("compact_dmy", re.compile(r"(?<![\d.,/-])(\d{2})(\d{2})((?:19|20)\d{2})(?![\d.,-])")),
    # OCR-damaged separators (``05 02-18``, ``05~05-17``): day-first only, ranked lower;
    # at least one separator must be a dash, slash or tilde
    (
        "loose",
        re.compile(
            r"(?<![\d.])(\d{1,2})(?:\s?[-/~]\s?(\d{1,2})(?:\s?[-/~]\s?|\s)|\s(\d{1,2})\s?[-/~]\s?)"
            rf"(\d{{4}}|\d{{2}})(?:(?!\d)|{_TIME_NEXT})"
        ),
    ),
    # glued to the number before it (``C02102772`` + ``9/2/2017``): found by trying every
    # start, so an impossible ``29/2/2017`` gives way to ``9/2/2017``; ranked lower
    ("dmy_glued", re.compile(r"(?<=[A-Za-z0-9])(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?!\d)")),
)


def month_number(word: str) -> int | None:
    """1..12 for a month name or abbreviation in English, German, French, Dutch or Malay."""
    w = word.strip(".").lower()
    if w in MONTHS:
        return MONTHS[w]
    folded = _fold(w)
    if folded in MONTHS:
        return MONTHS[folded]
    if len(w) >= 3:
        hits = {MONTHS[n] for n in _LONG_NAMES if n.startswith(w) or _fold(n).startswith(folded)}
        if len(hits) == 1:
            return hits.pop()
    return None


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def find_dates(text: str) -> list[DateMatch]:
    """Every date in ``text``, left to right, without overlaps.

    Patterns are tried in order of trust; each is searched at every position, so an
    impossible match (``REG #19- 18/01/2018`` read as ``19-18/01``) does not hide a real
    date that starts inside it."""
    found: list[DateMatch] = []
    for kind, pattern in _PATTERNS:
        pos = 0
        while (m := pattern.search(text, pos)) is not None:
            pos = m.start() + 1
            if any(m.start() < f.end and f.start < m.end() for f in found):
                continue
            readings = _readings(kind, m.groups())
            if readings:
                evidence = _evidence(kind, m.groups()) if len(readings) == 1 else None
                found.append(
                    DateMatch(
                        readings,
                        m.start(),
                        m.end(),
                        kind in ("dmy", "loose", "dmy_glued"),
                        evidence,
                        loose=kind in ("loose", "dmy_glued"),
                    )
                )
                pos = m.end()
    return sorted(found, key=lambda f: f.start)


def _readings(kind: str, g: tuple[str | None, ...]) -> tuple[dt.date, ...]:
    parts = [p or "" for p in g]
    if kind == "ymd":
        return _valid([(int(parts[0]), int(parts[2]), int(parts[3]))])
    if kind == "compact":
        return _valid([(int(parts[0]), int(parts[1]), int(parts[2]))])
    if kind == "compact_dmy":
        return _valid([(int(parts[2]), int(parts[1]), int(parts[0]))])
    if kind in ("dmy", "dmy_glued"):
        a, b, year = int(parts[0]), int(parts[2]), _year(parts[3])
        return _valid([(year, b, a), (year, a, b)])
    if kind == "loose":  # one of the two separators is a real one, the other may be a space
        middle = int(parts[1] or parts[2])
        return _valid([(_year(parts[3]), middle, int(parts[0]))])
    if kind == "d_mon_y":
        month = month_number(parts[1])
        return _valid([(_year(parts[2]), month, int(parts[0]))]) if month else ()
    month = month_number(parts[0])
    return _valid([(int(parts[2]), month, int(parts[1]))]) if month else ()


def _evidence(kind: str, g: tuple[str | None, ...]) -> Order | None:
    """For a numeric date with only one valid reading, the order that reading implies."""
    if kind != "dmy":
        return None
    a, b = int(g[0] or 0), int(g[2] or 0)
    if a == b:
        return None
    if a > 12 >= b:
        return Order.DAY_FIRST
    if b > 12 >= a:
        return Order.MONTH_FIRST
    return None


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _valid(candidates: Iterable[tuple[int, int, int]]) -> tuple[dt.date, ...]:
    out: list[dt.date] = []
    for year, month, day in candidates:
        if not MIN_YEAR <= year <= MAX_YEAR:
            continue
        try:
            date = dt.date(year, month, day)
        except ValueError:
            continue
        if date not in out:
            out.append(date)
    return tuple(out)


# Currencies of countries that write dates month first (the US, the Philippines).
_MONTH_FIRST_CURRENCIES = frozenset({"USD", "PHP"})
_US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
)
# ``Seattle, WA 98109``: a US address.
_US_ADDRESS = re.compile(rf",\s*(?:{'|'.join(_US_STATES.split())})\s+\d{{5}}(?:-\d{{4}})?\b")
# Words of languages that write dates day first: a US-dollar invoice written in them is not
# dated the US way.
_DAY_FIRST_LANGUAGE = term_pattern(Term.DAY_FIRST, r"\b{}\b")


def month_first_locale(texts: Iterable[str], currency: str | None) -> bool:
    """Whether a document's all-numeric dates are more likely month first, from its currency,
    a US address and its language; only used when its own dates give no evidence."""
    text = "\n".join(texts)
    if _DAY_FIRST_LANGUAGE.search(text):
        return False
    return currency in _MONTH_FIRST_CURRENCIES or _US_ADDRESS.search(text) is not None


def infer_order(matches: Iterable[DateMatch], month_first_hint: bool = False) -> Order:
    """Day-first unless the document's own dates (or, failing that, a hint such as US dollars
    with US English) say month-first. An impossible reading is the strongest evidence."""
    day_first = month_first = 0
    for match in matches:
        if match.evidence is Order.DAY_FIRST:
            day_first += 1
        elif match.evidence is Order.MONTH_FIRST:
            month_first += 1
    if day_first != month_first:
        return Order.DAY_FIRST if day_first > month_first else Order.MONTH_FIRST
    return Order.MONTH_FIRST if month_first_hint else Order.DAY_FIRST


def parse_date(text: str, order: Order | None = None) -> dt.date | None:
    """The first date in ``text`` (``25/12/2018``, ``05 MAR 2018``, ``OCT 3, 2016``, ...).

    All-numeric dates are read day-first unless ``order`` says otherwise or day-first is
    impossible (``12/25/2018``)."""
    matches = find_dates(text)
    if not matches:
        return None
    chosen = order or infer_order(matches)
    return matches[0].read(chosen)
