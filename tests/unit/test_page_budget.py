"""Which pages of a long document are read (``ends``)."""

from __future__ import annotations

from billify.adapters.local.bundled_extractor import ends


def test_all_pages_within_the_budget() -> None:
    assert ends(range(3), 4) == [0, 1, 2]
    assert ends([2, 5, 7, 9], 4) == [2, 5, 7, 9]
    assert ends([], 4) == []


def test_the_first_and_the_last_pages_of_a_longer_document() -> None:
    assert ends(range(10), 4) == [0, 1, 8, 9]
    assert ends(range(10), 5) == [0, 1, 2, 8, 9]
    assert ends([1, 3, 4, 6, 8, 11], 3) == [1, 3, 11]
    assert ends(range(500), 1) == [0]
