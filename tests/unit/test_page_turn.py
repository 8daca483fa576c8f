"""Which way a page lies, from the shape of its longest text lines and the orientation
classifier's reading of each (``page_turn``)."""

from __future__ import annotations

import pytest

from billify.adapters.local.bundled_extractor import page_turn

UP = (False, 0.99)
DOWN = (True, 0.99)


@pytest.mark.parametrize(
    ("tall", "upside_down", "turn"),
    [
        ([False] * 5, [UP] * 5, 0),
        ([False] * 5, [DOWN] * 5, 180),
        ([True] * 5, [UP] * 5, 90),  # tall lines read upright once turned a quarter: 90
        ([True] * 5, [DOWN] * 5, 270),
        # a few flat words (a logo, a stamp) on a sideways page do not vote
        ([True, True, True, False, False], [DOWN, DOWN, DOWN, UP, UP], 270),
    ],
)
def test_the_majority_of_lines_decides(
    tall: list[bool], upside_down: list[tuple[bool, float]], turn: int
) -> None:
    assert page_turn(tall, upside_down) == turn


def test_no_clear_majority_leaves_the_page_as_it_is() -> None:
    assert page_turn([False] * 4, [DOWN, DOWN, UP, UP]) == 0
    assert page_turn([False] * 4, [DOWN, DOWN, DOWN, (False, 0.9)]) == 180


def test_unsure_votes_count_less() -> None:
    assert page_turn([False] * 3, [(True, 0.55), (True, 0.55), (False, 0.99)]) == 0


def test_too_few_lines_to_judge() -> None:
    assert page_turn([False, False], [DOWN, DOWN]) == 0
    assert page_turn([], []) == 0
