"""Quadratic-weighted kappa: bounds, perfect agreement, chance, and a known value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.agreement import double_marking_selected, final_marks, weighted_kappa

LEVEL = st.integers(min_value=1, max_value=4)
PAIRS = st.lists(st.tuples(LEVEL, LEVEL), min_size=1, max_size=60)


@given(PAIRS)
def test_kappa_stays_between_minus_one_and_one(pairs: list[tuple[int, int]]) -> None:
    kappa = weighted_kappa(pairs)
    assert kappa is not None
    assert -1 - 1e-9 <= kappa <= 1 + 1e-9


@given(st.lists(LEVEL, min_size=1, max_size=60))
def test_perfect_agreement_is_one(levels: list[int]) -> None:
    assert weighted_kappa([(a, a) for a in levels]) == 1.0


@given(PAIRS)
def test_kappa_is_symmetric_in_the_raters(pairs: list[tuple[int, int]]) -> None:
    swapped = weighted_kappa([(b, a) for a, b in pairs])
    assert swapped == pytest.approx(weighted_kappa(pairs))


def test_a_known_value() -> None:
    # Observed squared differences 0+1+0+4 = 5 in n = 4 pairs; from the margins (rows 1,1,1,1; columns
    # 1,1,2,0) the expected sum over all n² cells is 9+3+5+15 = 32, so kappa = 1 - (5/4)/(32/16) = 0.375.
    pairs = [(1, 1), (2, 3), (3, 3), (4, 2)]
    assert weighted_kappa(pairs) == pytest.approx(0.375)


def test_complete_disagreement_on_the_extremes_is_minus_one() -> None:
    assert weighted_kappa([(1, 4), (4, 1)]) == pytest.approx(-1.0)


def test_no_pairs_and_bad_levels() -> None:
    assert weighted_kappa([]) is None
    with pytest.raises(ValueError, match="between 1 and 4"):
        weighted_kappa([(0, 1)])


def test_double_marking_is_chosen_by_a_fixed_hash_of_the_response() -> None:
    chosen = [i for i in range(1, 1001) if double_marking_selected(i, 0.2)]
    assert chosen == [i for i in range(1, 1001) if double_marking_selected(i, 0.2)]
    assert 150 <= len(chosen) <= 250
    assert not any(double_marking_selected(i, 0.0) for i in range(1, 200))
    assert all(double_marking_selected(i, 1.0) for i in range(1, 200))


def test_final_marks_keep_the_first_when_the_trainers_agree_and_average_otherwise() -> None:
    first = {"a": {"score": "2.00", "comment": "好", "level": 3}, "b": {"score": "4.00", "comment": ""}}
    second = {"a": {"score": "2.0", "comment": "同意", "level": 3}, "b": {"score": "1.33", "comment": "太泛"}}
    assert final_marks(first, second) == {
        "a": {"score": "2.00", "comment": "好", "level": 3},
        "b": {"score": "2.67", "comment": "太泛"},
    }
