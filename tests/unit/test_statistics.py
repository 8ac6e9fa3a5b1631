"""Item analysis on plain lists: hand-checked values, the bounds every statistic keeps, degenerate input."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from assessments import statistics as st

# Scores as stored: points with two decimals over a question's points; percents with two decimals.
fractions = hs.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]) | hs.builds(
    lambda score, points: min(score, points * 100) / (points * 100), hs.integers(0, 500), hs.integers(1, 5)
)
percents = hs.integers(0, 10_000).map(lambda hundredths: hundredths / 100)


def reference_pearson(xs: list[float], ys: list[float]) -> float:
    """Pearson's r written out the textbook way, with the covariance and standard deviations."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (n - 1)
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs) / (n - 1))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys) / (n - 1))
    return cov / (sx * sy)


# Hand-checked values ---------------------------------------------------------------------------------------


def test_facility_is_the_mean_share_of_the_points():
    assert st.facility([1, 0, 1, 1]) == 0.75
    assert st.facility([0.5, 0.5]) == 0.5
    assert st.facility([]) is None


def test_point_biserial_of_a_perfectly_discriminating_item_is_high():
    # The two best attempts got the item right, the two worst wrong.
    r = st.point_biserial([0, 0, 1, 1], [20, 40, 60, 80])
    assert r == pytest.approx(0.894427191, abs=1e-9)
    assert st.point_biserial([1, 1, 0, 0], [20, 40, 60, 80]) == pytest.approx(-0.894427191, abs=1e-9)


def test_group_size_is_27_percent_rounded():
    assert [st.group_size(n) for n in (0, 1, 2, 3, 10, 100, 101)] == [0, 0, 1, 1, 3, 27, 27]


def test_upper_lower_index_by_hand():
    # Ten attempts with percents 10..100: lower group = attempts 1-3, upper = attempts 8-10.
    percents = {i: 10.0 * i for i in range(1, 11)}
    lower, upper = st.attempt_groups(percents)
    assert lower == {1, 2, 3}
    assert upper == {8, 9, 10}
    scores = [(1, 0.0), (2, 1.0), (3, 0.0), (5, 1.0), (8, 1.0), (9, 1.0), (10, 0.0)]
    assert st.upper_lower_index(scores, lower, upper) == pytest.approx(2 / 3 - 1 / 3)
    assert st.upper_lower_index([(5, 1.0)], lower, upper) is None


def test_ties_are_broken_by_attempt_key():
    lower, upper = st.attempt_groups({4: 50.0, 3: 50.0, 2: 50.0, 1: 50.0})
    assert (lower, upper) == ({1}, {4})


def test_cronbach_alpha_matches_the_textbook_example():
    # Three items, four attempts: item variances 1/3, 1/3, 1/3 (sample), totals 0, 1, 2, 3 → var 5/3.
    rows = [
        (1, "a", 0), (1, "b", 0), (1, "c", 0),
        (2, "a", 1), (2, "b", 0), (2, "c", 0),
        (3, "a", 1), (3, "b", 1), (3, "c", 0),
        (4, "a", 1), (4, "b", 1), (4, "c", 1),
    ]  # fmt: skip
    rows += [(a + 4, item, score) for a, item, score in rows]  # eight attempts: past the minimum
    variances = {item: st.sample_variance([s for _, i, s in rows if i == item]) for item in "abc"}
    totals = Counter()
    for a, _, s in rows:
        totals[a] += s
    expected = 3 / 2 * (1 - sum(variances.values()) / st.sample_variance(list(totals.values())))
    assert st.cronbach_alpha(rows) == pytest.approx(expected, abs=1e-12)
    assert st.cronbach_alpha(rows) == pytest.approx(0.75, abs=1e-9)


def test_alpha_needs_two_items_and_enough_attempts():
    one_item = [(a, "a", a % 2) for a in range(20)]
    assert st.cronbach_alpha(one_item) is None
    few = [(a, item, (a + len(item)) % 2) for a in range(st.ALPHA_MIN_ATTEMPTS - 1) for item in "ab"]
    assert st.cronbach_alpha(few) is None
    assert st.cronbach_alpha([]) is None


def test_choice_counts_count_a_multiple_answer_once_per_choice():
    tally = st.choice_counts(
        [("c1", 3), (["c1", "c2"], 2), (None, 1), ("", 1), (["c9"], 1), ("c1", 1)], ["c1", "c2", "c3"]
    )
    assert tally.counts == {"c1": 6, "c2": 2, "c3": 0}
    assert (tally.blank, tally.other) == (2, 1)


def test_common_answers_are_the_most_frequent_first():
    answers = [("拉新", 3), (" 拉新 ", 1), ("0", 2), (None, 5), ("留存率", 1)]
    assert st.common_answers(answers, limit=2) == [("拉新", 4), ("0", 2)]


@pytest.mark.parametrize(
    ("n", "facility", "r", "flags"),
    [
        (19, 0.99, -0.5, []),
        (20, 0.95, 0.3, ["easy"]),
        (20, 0.1, 0.3, ["hard"]),
        (25, 0.5, -0.01, ["negative"]),
        (25, 0.1, -0.2, ["hard", "negative"]),
        (25, 0.9, 0.0, []),
        (25, 0.2, None, []),
    ],
)
def test_flags_wait_for_twenty_responses(n, facility, r, flags):
    assert st.item_flags(n, facility, r) == flags


def test_histogram_closes_the_last_bin():
    assert st.histogram_counts([0, 9.99, 10, 55, 99.99, 100, 100.5, -1]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]


def test_scenario_tally_counts_choices_lateness_and_endings():
    states = [
        (
            "v1",
            {
                "path": [{"step": "s1", "choice": 0}, {"step": "s2", "choice": 1, "late": True}],
                "current": "e",
            },
        ),
        ("v1", {"path": [{"step": "s1", "choice": 0, "late": False}], "current": "bad"}),
        ("v2", {"path": [{"step": "s1", "choice": True}, {"step": 3, "choice": 0}, "junk"], "current": "e"}),
        ("v2", "not a state"),
    ]
    tally = st.scenario_tally(states)
    assert tally.choices == {("v1", "s1", 0): (2, 0), ("v1", "s2", 1): (1, 1)}
    assert tally.endings == {("v1", "e"): 1, ("v1", "bad"): 1, ("v2", "e"): 1}


def test_items_analyse_by_hand():
    percents = {1: 20.0, 2: 40.0, 3: 60.0, 4: 80.0}
    rows = [(1, "q", 0, 2), (2, "q", 1, 2), (3, "q", 2, 2), (4, "q", 2, 2), (9, "q", 2, 2), (1, "z", 1, 0)]
    stats = st.items_analyse(percents, rows)
    assert set(stats) == {"q"}  # attempt 9 is not analysed; a zero-point row is left out
    q = stats["q"]
    assert q.n == 4
    assert q.facility == pytest.approx(0.625)
    assert q.upper_lower == pytest.approx(1.0 - 0.0)  # group size 1: attempt 4 (1.0) vs attempt 1 (0.0)
    assert q.point_biserial == pytest.approx(reference_pearson([0, 0.5, 1, 1], [20, 40, 60, 80]))
    assert q.score_variance == pytest.approx(st.sample_variance([0, 1, 2, 2]))


# Properties ------------------------------------------------------------------------------------------------


@given(hs.lists(fractions, max_size=60))
def test_facility_lies_between_zero_and_one(values):
    result = st.facility(values)
    assert result is None or 0 <= result <= 1


@given(hs.lists(hs.tuples(fractions, percents), min_size=2, max_size=80))
def test_point_biserial_is_pearson_and_bounded(pairs):
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    r = st.point_biserial(xs, ys)
    if min(xs) == max(xs) or min(ys) == max(ys):
        assert r is None
        return
    assert r is not None
    assert -1 <= r <= 1
    reference = reference_pearson(xs, ys)
    if abs(reference) <= 1:  # both exist; the reference may overshoot ±1 by rounding
        assert r == pytest.approx(reference, abs=1e-9)


@settings(max_examples=150)
@given(
    hs.integers(1, 40),
    hs.integers(1, 8),
    hs.integers(0, 2**32),
)
def test_alpha_is_at_most_one(attempts, items, seed):
    rng = random.Random(seed)
    ability = [rng.random() for _ in range(attempts)]
    rows = [
        (a, i, float(rng.random() < (ability[a] + rng.random()) / 2))
        for a in range(attempts)
        for i in range(items)
    ]
    # Random draws too: each attempt answers a random subset of the pool.
    drawn = [row for row in rows if rng.random() < 0.7]
    for data in (rows, drawn):
        alpha = st.cronbach_alpha(data)
        assert alpha is None or alpha <= 1


@given(hs.lists(hs.tuples(percents, fractions, fractions), min_size=1, max_size=40), hs.randoms())
def test_results_do_not_depend_on_row_order(rows, rng):
    percents_by_attempt = {a: p for a, (p, _, _) in enumerate(rows)}
    responses = [(a, "x", x, 1.0) for a, (_, x, _) in enumerate(rows)]
    responses += [(a, "y", y, 1.0) for a, (_, _, y) in enumerate(rows)]
    shuffled = responses[:]
    rng.shuffle(shuffled)
    keys = list(percents_by_attempt)
    rng.shuffle(keys)
    reordered = {k: percents_by_attempt[k] for k in keys}
    one, two = st.items_analyse(percents_by_attempt, responses), st.items_analyse(reordered, shuffled)
    assert one.keys() == two.keys()
    for item in one:
        for name in ("n", "facility", "score_variance", "point_biserial", "upper_lower"):
            a, b = getattr(one[item], name), getattr(two[item], name)
            assert (a is None and b is None) or a == pytest.approx(b, abs=1e-12), name
    triples = [(a, item, score) for a, item, score, _ in responses]
    alpha_one, alpha_two = st.cronbach_alpha(triples), st.cronbach_alpha(list(reversed(triples)))
    assert (alpha_one is None and alpha_two is None) or alpha_one == pytest.approx(alpha_two, abs=1e-12)


@given(hs.integers(1, 30), fractions, percents)
def test_all_equal_scores_never_raise(n, score, percent):
    stats = st.items_analyse(dict.fromkeys(range(n), percent), [(a, "q", score, 1.0) for a in range(n)])
    assert stats["q"].point_biserial is None
    assert stats["q"].facility == pytest.approx(score)
    assert stats["q"].score_variance in (None, 0.0)
    assert st.cronbach_alpha([(a, i, score) for a in range(n) for i in "ab"]) is None
    summary = st.attempts_summary([(percent, score, True)] * n)
    assert summary.attempts == n
    assert summary.sd_percent in (None, 0.0)


def test_one_attempt_never_raises():
    stats = st.items_analyse({1: 50.0}, [(1, "q", 1.0, 1.0), (1, "r", 0.0, 1.0)])
    assert stats["q"].n == 1
    assert stats["q"].point_biserial is None
    assert stats["q"].upper_lower is None
    assert st.cronbach_alpha([(1, "q", 1.0), (1, "r", 0.0)]) is None
    assert st.attempts_summary([(50.0, 1.0, None)]).pass_rate is None
    assert st.attempts_summary([]).mean_percent is None


@settings(max_examples=200)
@given(
    hs.lists(
        hs.tuples(percents, hs.integers(0, 4), hs.sampled_from([1.0, 2.0, 4.0])), min_size=1, max_size=60
    )
)
def test_score_groups_give_the_same_statistics_as_single_responses(rows):
    """What the SQL path aggregates (groups by score and 27 % group) equals the row-by-row reference."""
    percents = {a: p for a, (p, _, _) in enumerate(rows)}
    responses = [(a, "q", quarters * points / 4, points) for a, (_, quarters, points) in enumerate(rows)]
    reference = st.items_analyse(percents, responses)["q"]
    lower, upper = st.attempt_groups(percents)
    buckets: dict = {}
    for a, _, score, points in responses:
        grp = st.LOWER if a in lower else st.UPPER if a in upper else st.MIDDLE
        buckets.setdefault((score, points, grp), []).append(percents[a] - 50)
    groups = []
    for (score, points, grp), dps in buckets.items():
        centre = sum(dps) / len(dps)
        groups.append(
            st.ScoreGroup(score, points, grp, len(dps), centre, sum((d - centre) ** 2 for d in dps))
        )
    got = st.item_stats_from_groups(groups)
    assert got is not None
    assert got.n == reference.n
    for name in ("facility", "score_variance", "point_biserial", "upper_lower"):
        a, b = getattr(got, name), getattr(reference, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a == pytest.approx(b, abs=1e-9), name


def test_no_groups_give_no_statistics():
    assert st.item_stats_from_groups([]) is None
    assert st.item_stats_from_groups([st.ScoreGroup(1.0, 0.0, st.MIDDLE, 3, 0.0, 0.0)]) is None
