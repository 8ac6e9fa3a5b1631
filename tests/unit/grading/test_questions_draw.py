"""The draw of a new attempt: afresh each time, avoiding the previous attempt's questions where it can."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from assessments.rules import questions_draw


@st.composite
def draws(draw):
    size = draw(st.integers(min_value=1, max_value=60))
    pool = list(range(100, 100 + size))
    count = draw(st.integers(min_value=0, max_value=size + 3))
    previous = set(draw(st.lists(st.sampled_from(pool), max_size=size)))
    return pool, count, previous, draw(st.integers(min_value=0, max_value=2**32)), draw(st.booleans())


@given(draws())
def test_a_draw_prefers_questions_the_previous_attempt_did_not_serve(case) -> None:
    pool, count, previous, seed, shuffle = case
    chosen = questions_draw(pool, draw=count, previous=previous, rng=random.Random(seed), shuffle=shuffle)
    wanted = min(count or len(pool), len(pool))
    assert len(chosen) == wanted
    assert len(set(chosen)) == wanted
    assert set(chosen) <= set(pool)
    fresh = [q for q in pool if q not in previous]
    if len(fresh) >= wanted:
        assert not set(chosen) & previous
    else:
        assert set(fresh) <= set(chosen)
    if not shuffle:
        assert chosen == sorted(chosen, key=pool.index)


def test_consecutive_draws_from_a_bank_of_three_times_the_draw_never_repeat() -> None:
    pool, rng, previous = list(range(36)), random.Random(5), set()
    seen = []
    for _ in range(20):
        chosen = questions_draw(pool, draw=12, previous=previous, rng=rng, shuffle=True)
        assert not set(chosen) & previous
        previous = set(chosen)
        seen.append(frozenset(chosen))
    assert len(set(seen)) > 1  # drawn afresh, not the same complement each time
