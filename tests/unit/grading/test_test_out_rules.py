"""Test-out's pure rules: the final draw avoids the pre-test's questions where the bank allows, the pre-test's
size and time, the per-skill results, and the certificate rule refusing a tested-out pass where a track
forbids it."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from assessments.rules import pretest_minutes, pretest_size, questions_draw, skill_results
from certificates.rules import ModuleEvidence, certification_rule_check


@st.composite
def draws(draw):
    size = draw(st.integers(min_value=1, max_value=40))
    pool = list(range(size))
    count = draw(st.integers(min_value=0, max_value=size + 3))
    previous = set(draw(st.lists(st.sampled_from(pool), max_size=size)))
    avoid = set(draw(st.lists(st.sampled_from(pool), max_size=size)))
    return pool, count, previous, avoid, draw(st.integers(min_value=0, max_value=2**32)), draw(st.booleans())


@given(draws())
def test_the_final_draw_takes_pretest_questions_only_when_the_bank_is_too_small(case) -> None:
    pool, count, previous, avoid, seed, shuffle = case
    chosen = questions_draw(
        pool, draw=count, previous=previous, avoid=avoid, rng=random.Random(seed), shuffle=shuffle
    )
    wanted = min(count or len(pool), len(pool))
    assert len(chosen) == len(set(chosen)) == wanted
    assert set(chosen) <= set(pool)
    others = [q for q in pool if q not in avoid]
    if len(others) >= wanted:
        assert not set(chosen) & avoid  # pool allows: no pre-test question again
    else:
        assert set(others) <= set(chosen)  # too small: every other question, topped up from the pre-test
        assert len(set(chosen) & avoid) == wanted - len(others)
    fresh = [q for q in others if q not in previous]
    if len(fresh) >= wanted:
        assert not set(chosen) & (previous | avoid)
    if not shuffle:
        assert chosen == sorted(chosen)


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=500))
def test_a_pretest_serves_at_most_the_bank(pretest, pool) -> None:
    size = pretest_size(pretest=pretest, pool=pool)
    assert 0 <= size <= pool
    assert size == min(pretest, pool)


@given(
    st.integers(min_value=0, max_value=300),
    st.integers(min_value=1, max_value=100),
    st.integers(min_value=1, max_value=100),
)
def test_a_pretest_gets_the_quiz_time_in_proportion(time_limit, served, final_count) -> None:
    minutes = pretest_minutes(time_limit=time_limit, served=served, final_count=final_count)
    if not time_limit:
        assert minutes == 0
    else:
        assert minutes >= 1
        assert minutes * final_count >= time_limit * served  # never less than the quiz's pace
        assert (minutes - 1) * final_count < max(time_limit * served, final_count)


rows_strategy = st.lists(
    st.tuples(
        st.lists(st.sampled_from(["留存", "拉新", "转化", "指标"]), max_size=3),
        st.integers(min_value=0, max_value=4),
        st.integers(min_value=1, max_value=4),
    ).map(lambda t: (t[0], Decimal(min(t[1], t[2])), Decimal(t[2]))),
    max_size=30,
)


@given(rows_strategy)
def test_skill_results_are_weakest_first_and_add_up(rows) -> None:
    results = skill_results(rows, fallback="基础")
    percents = [r["percent"] for r in results]
    assert percents == sorted(percents)
    assert all(Decimal(0) <= p <= 100 for p in percents)
    for r in results:
        mine = [(s, m) for tags, s, m in rows if r["skill"] in (tags or ["基础"])]
        assert r["questions"] == len(mine)
        assert r["score"] == sum(s for s, _ in mine)
        assert r["max_score"] == sum(m for _, m in mine)
    untagged = [row for row in rows if not row[0]]
    assert ("基础" in {r["skill"] for r in results}) == bool(untagged)


def test_skill_results_example() -> None:
    rows = [
        (["留存"], Decimal(1), Decimal(1)),
        (["拉新", "留存"], Decimal(0), Decimal(1)),
        ([], Decimal(0), Decimal(2)),
    ]
    results = skill_results(rows, fallback="基础")
    assert [(r["skill"], r["percent"]) for r in results] == [
        ("拉新", Decimal("0.00")),
        ("基础", Decimal("0.00")),
        ("留存", Decimal("50.00")),
    ]


RULE = {"modules": ["a", "b"], "pass_mark": 70, "no_test_out": ["b"]}


def test_a_tested_out_pass_counts_unless_the_track_forbids_it() -> None:
    tested = ModuleEvidence(score=Decimal(90), passed=True, tested_out=True)
    studied = ModuleEvidence(score=Decimal(90), passed=True)
    outcome = certification_rule_check(RULE, {"a": tested, "b": studied}, {})
    assert outcome.met
    assert outcome.snapshot["modules"]["a"] == {"score": "90", "passed": True, "tested_out": True}
    assert outcome.snapshot["modules"]["b"] == {"score": "90", "passed": True}
    refused = certification_rule_check(RULE, {"a": studied, "b": tested}, {})
    assert not refused.met
    assert refused.snapshot["modules"]["b"]["passed"] is False
    assert refused.missing == ["module b (tested out; this track requires its quiz)"]


@given(
    st.decimals(min_value=0, max_value=100, places=2),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_test_out_never_helps_a_forbidden_module(score, passed, tested_out, forbidden) -> None:
    rule = {"modules": ["m"], "pass_mark": 70, "no_test_out": ["m"] if forbidden else []}
    evidence = ModuleEvidence(score=score, passed=passed, tested_out=tested_out)
    met = certification_rule_check(rule, {"m": evidence}, {}).met
    assert met == (passed and score >= 70 and not (forbidden and tested_out))
