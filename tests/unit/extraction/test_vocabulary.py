"""The vocabulary table (``VOCABULARY``): one table of label words by concept and language
that every rule reads, well formed so that adding a language is adding entries to it."""

from __future__ import annotations

import re

import pytest

from billify.domain.extraction.labels import Kind, classify
from billify.domain.extraction.vocabulary import (
    LANGUAGES,
    VOCABULARY,
    Column,
    Role,
    Term,
    alternatives,
    term_pattern,
)

CONCEPTS = [*Role, *Column, *Term]


def test_every_concept_has_its_row_and_no_two_share_a_key() -> None:
    # the enums are str-valued: two concepts spelled alike would be one key of the table
    assert len({str(c) for c in CONCEPTS}) == len(CONCEPTS)
    assert set(VOCABULARY) == set(CONCEPTS)


@pytest.mark.parametrize("concept", CONCEPTS, ids=str)
def test_every_entry_is_a_pattern_of_a_known_language(concept: Role | Column | Term) -> None:
    assert VOCABULARY[concept], concept
    assert set(VOCABULARY[concept]) <= set(LANGUAGES)
    for patterns in VOCABULARY[concept].values():
        assert patterns and all(isinstance(p, str) and p for p in patterns)
    # no capturing groups: the rules number their own (``Währung: (EUR)``)
    assert re.compile(alternatives(concept)).groups == 0


def test_a_reference_stands_for_every_pattern_of_its_term() -> None:
    references = {
        ref
        for per_language in VOCABULARY.values()
        for patterns in per_language.values()
        for pattern in patterns
        for ref in re.findall(r"\{([a-z_]+)\}", pattern)
    }
    assert references <= {str(t) for t in Term}
    grand = alternatives(Term.GRAND_TOTAL)
    assert "{" not in grand and f"(?:{alternatives(Term.TOTAL)})" in grand


def test_a_pattern_listed_for_two_languages_counts_once() -> None:
    assert r"\biva\b" in VOCABULARY[Term.TAX]["es"] and r"\biva\b" in VOCABULARY[Term.TAX]["it"]
    assert alternatives(Term.TAX).split("|").count(r"\biva\b") == 1


def test_term_pattern_places_the_words_in_a_rule() -> None:
    whole = term_pattern(Term.DATE, r"\b{}\b")
    assert whole.search("Rechnungsdatum: 1.2.2024")
    assert whole.search("DATE 01/02/2024")
    assert not whole.search("Update")  # ``date`` inside a word is no label


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Grand Total", Kind.TOTAL),
        ("Gesamtbetrag", Kind.TOTAL),
        ("Montant TTC", Kind.TOTAL),
        ("Totaalbedrag", Kind.TOTAL),
        ("Importe total", Kind.TOTAL),
        ("Totale fattura", Kind.TOTAL),
        ("Jumlah keseluruhan", Kind.TOTAL),
        ("Zwischensumme", Kind.SUBTOTAL),
        ("Total HT", Kind.SUBTOTAL),
        ("MwSt 19%", Kind.TAX),
        ("TVA 20 %", Kind.TAX),
        ("Zu zahlen", Kind.DUE),
        ("Reste à payer", Kind.DUE),
        ("Rückgeld", Kind.CHANGE),
        ("Espèces", Kind.TENDERED),
        ("Anzahlung", Kind.PREPAID),
    ],
)
def test_the_amount_labels_of_every_language_are_read(label: str, kind: Kind) -> None:
    found = classify(label)
    assert found is not None and found.kind is kind


def test_a_roles_words_come_in_one_order_whatever_the_hash_seed() -> None:
    import subprocess
    import sys

    script = (
        "from billify.domain.extraction.vocabulary import Role, words;"
        "print([words(r) for r in Role])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(runs) == 1
