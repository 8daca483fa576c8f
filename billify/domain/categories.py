"""What an expense was for: one of a fixed set of categories, guessed offline from the vendor,
the line items and the words printed on the document, with a confidence.

The guess is a weighted vote of the words of a lexicon (``billify.domain.category_words``: words
by category and language, each weighted by what it says: the kind of business, the goods, or a
mere hint). A word counts once per place it is found, and more where it says more: in the
vendor's name most, then in the line items, then anywhere else on the page. Longer phrases win
over the words in them ("mineral water" over "water"; "goods and services tax" hides
"services"), and where a word is matched by both a whole word and a stem, the whole word wins.

The confidence grows with the winner's evidence and its lead over the runner-up: about 0.9
when the vendor's name says it plainly, 0.4-0.6 on a few page words, 0.2 for ``other`` (nothing
said anything).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from billify.domain.category_words import ADDRESS_AFTER, ADDRESS_BEFORE, ROWS, STOPS

CATEGORIES = (
    "groceries",
    "dining",
    "transport",
    "travel",
    "utilities",
    "housing",
    "home",
    "office",
    "health",
    "shopping",
    "services",
    "other",
)
OTHER = "other"

# How much a word weighs by where it is found.
VENDOR_WEIGHT = 3.0
ITEM_WEIGHT = 2.0
TEXT_WEIGHT = 1.0
# Below this much evidence the guess is ``other``.
MIN_SCORE = 0.5
# Evidence that makes the winner's strength 1 - 1/e (about 0.63).
SCALE = 2.5
NO_EVIDENCE = 0.2  # the confidence of ``other`` when nothing was found
SPREAD = 0.78  # how far above NO_EVIDENCE the strongest guess goes


@dataclass(frozen=True)
class CategoryGuess:
    category: str
    confidence: float  # 0..1


def categorize(vendor: str | None, items: Sequence[str], text: str) -> CategoryGuess:
    """The category of an expense from its vendor's name, its line items' descriptions and the
    document's whole text (may be empty, e.g. an e-invoice read from its XML)."""
    scores = category_scores(vendor, items, text)
    return _decide(scores)


def category_scores(
    vendor: str | None, items: Sequence[str], text: str
) -> dict[str, tuple[float, float, float]]:
    """Per category, the evidence found in the vendor's name, the line items and the text
    (each already weighted by where it was found); categories without any left out."""
    lexicon = _lexicon()
    zones = (
        (VENDOR_WEIGHT, [vendor or ""]),
        (ITEM_WEIGHT, list(items)),
        (TEXT_WEIGHT, [text]),
    )
    found: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for index, (weight, texts) in enumerate(zones):
        for category, points in lexicon.evidence(texts).items():
            found[category][index] += weight * points
    return {category: (v, i, t) for category, (v, i, t) in found.items()}


def _decide(scores: dict[str, tuple[float, float, float]]) -> CategoryGuess:
    if not scores:
        return CategoryGuess(OTHER, NO_EVIDENCE)
    order = {category: index for index, category in enumerate(CATEGORIES)}

    def rank(category: str) -> tuple[float, float, float, int]:
        vendor, items, text = scores[category]
        # Most evidence first; on a tie, the one the vendor's name (then the items) says more.
        return (-(vendor + items + text), -vendor, -items, order[category])

    ranked = sorted(scores, key=rank)
    best = sum(scores[ranked[0]])
    if best < MIN_SCORE:
        return CategoryGuess(OTHER, NO_EVIDENCE)
    second = sum(scores[ranked[1]]) if len(ranked) > 1 else 0.0
    strength = 1.0 - math.exp(-best / SCALE)
    lead = (best - second) / best
    confidence = NO_EVIDENCE + SPREAD * strength * (0.4 + 0.6 * lead)
    return CategoryGuess(ranked[0], round(min(confidence, 0.98), 3))


# -- matching the lexicon -------------------------------------------------------------------


def fold(text: str) -> list[str]:
    """The words of ``text``: lower case, accents removed, ``ß`` as ``ss``, split on every
    character that is neither a letter nor a digit."""
    text = text.replace("ß", "ss").replace("ẞ", "ss")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.findall(plain)


_NOT_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class _Pattern:
    """One term of the lexicon: words to match in a row (``kind`` says how the last word, or
    the only one, is matched) and what a match is worth to each category."""

    words: tuple[str, ...]
    kind: str  # "word", "prefix" (stem*) or "suffix" (*head, a longer word only)
    points: tuple[tuple[str, float], ...]  # (category, weight); empty for a stop phrase

    @property
    def specificity(self) -> tuple[int, int, int]:
        # More words first, then a whole word over a stem, then the longer stem.
        return (len(self.words), self.kind == "word", sum(map(len, self.words)))


class _Lexicon:
    def __init__(
        self,
        rows: Iterable[tuple[str, str, float, str]],
        stops: str,
        address_before: str = "",
        address_after: str = "",
    ) -> None:
        self.address_before = frozenset(w.strip() for w in address_before.split(",") if w.strip())
        self.address_after = frozenset(w.strip() for w in address_after.split(",") if w.strip())
        points: dict[tuple[tuple[str, ...], str], dict[str, float]] = defaultdict(dict)
        for category, _language, weight, terms in rows:
            if category not in CATEGORIES or category == OTHER:
                raise ValueError(f"no such category in the lexicon: {category!r}")
            for term in terms.split(","):
                key = _parse(term)
                if key is not None:
                    known = points[key].get(category, 0.0)
                    points[key][category] = max(known, weight)
        for term in stops.split(","):
            key = _parse(term)
            if key is not None:
                points.setdefault(key, {})
        self.by_first: dict[str, list[_Pattern]] = defaultdict(list)
        self.prefixes: dict[str, _Pattern] = {}
        self.suffixes: dict[str, _Pattern] = {}
        for (words, kind), worth in points.items():
            pattern = _Pattern(words, kind, tuple(sorted(worth.items())))
            if len(words) > 1 or kind == "word":
                self.by_first[words[0]].append(pattern)
            elif kind == "prefix":
                self.prefixes[words[0]] = pattern
            else:
                self.suffixes[words[0]] = pattern
        self.prefix_lengths = sorted({len(p) for p in self.prefixes}, reverse=True)
        self.suffix_lengths = sorted({len(s) for s in self.suffixes}, reverse=True)

    def evidence(self, texts: Iterable[str]) -> dict[str, float]:
        """Per category, the weights of the distinct terms found in ``texts`` (a term found
        twice counts once)."""
        found: set[_Pattern] = set()
        for text in texts:
            found |= self._matches(fold(text))
        totals: dict[str, float] = defaultdict(float)
        for pattern in found:
            for category, weight in pattern.points:
                totals[category] += weight
        return dict(totals)

    def _matches(self, words: list[str]) -> set[_Pattern]:
        candidates: list[tuple[int, int, _Pattern]] = []
        for start, word in enumerate(words):
            for pattern in self.by_first.get(word, ()):
                end = start + len(pattern.words)
                if self._fits(pattern, words, start, end):
                    candidates.append((start, end, pattern))
            for length in self.prefix_lengths:
                if length <= len(word) and (prefix := self.prefixes.get(word[:length])):
                    candidates.append((start, start + 1, prefix))
                    break
            for length in self.suffix_lengths:
                if length < len(word) and (suffix := self.suffixes.get(word[-length:])):
                    candidates.append((start, start + 1, suffix))
                    break
        # The most specific matches first; a match overlapping one already taken is dropped.
        candidates.sort(key=lambda c: (tuple(-x for x in c[2].specificity), c[0]))
        taken = self._address_words(words)
        kept: set[_Pattern] = set()
        for start, end, pattern in candidates:
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * (end - start)
            if pattern.points:
                kept.add(pattern)
        return kept

    def _address_words(self, words: list[str]) -> list[bool]:
        """Which words name a place: the two after ``jalan`` (``JALAN PASAR 2``), the one
        before ``road``."""
        place = [False] * len(words)
        for index, word in enumerate(words):
            if word in self.address_before:
                for after in range(index + 1, min(index + 3, len(words))):
                    place[after] = True
            if word in self.address_after and index > 0:
                place[index - 1] = True
        return place

    @staticmethod
    def _fits(pattern: _Pattern, words: list[str], start: int, end: int) -> bool:
        if end > len(words):
            return False
        *head, last = pattern.words
        if any(words[start + i] != w for i, w in enumerate(head)):
            return False
        word = words[end - 1]
        if pattern.kind == "prefix":
            return word.startswith(last)
        return word == last


def _parse(term: str) -> tuple[tuple[str, ...], str] | None:
    """A term as written in the lexicon -> (its folded words, how the last is matched)."""
    term = term.strip()
    if not term:
        return None
    kind = "word"
    if term.endswith("*"):
        kind, term = "prefix", term[:-1]
    elif term.startswith("*"):
        kind, term = "suffix", term[1:]
    words = tuple(fold(term))
    if not words:
        return None
    if kind == "suffix" and len(words) > 1:
        raise ValueError(f"a *suffix term is one word: {term!r}")
    return words, kind


@functools.cache
def _lexicon() -> _Lexicon:
    return _Lexicon(ROWS, STOPS, ADDRESS_BEFORE, ADDRESS_AFTER)
