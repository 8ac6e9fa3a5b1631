"""The pure summaries behind the trainers' feedback report: counts, averages, the threshold and the trend."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.aggregation import (
    MIN_ANSWERS,
    RATINGS,
    average,
    distribution,
    trend,
    version_summary,
)

ratings = st.integers(min_value=1, max_value=5)
answers = st.lists(st.fixed_dictionaries(dict.fromkeys(RATINGS, ratings)), max_size=60)


@given(st.lists(ratings, max_size=200))
def test_distribution_counts_every_answer_once(values):
    dist = distribution(values)
    assert sum(dist.counts) == len(values) == dist.total
    for value in range(1, 6):
        assert dist.counts[value - 1] == values.count(value)


@given(st.lists(ratings, min_size=1, max_size=200))
def test_the_average_lies_on_the_scale_and_is_the_mean(values):
    mean = distribution(values).average
    assert Decimal(1) <= mean <= Decimal(5)
    assert abs(mean - Decimal(sum(values)) / len(values)) <= Decimal("0.005")


@given(st.lists(ratings, min_size=1, max_size=200))
def test_percent_rows_follow_the_counts(values):
    rows = distribution(values).rows
    assert [v for v, _, _ in rows] == [1, 2, 3, 4, 5]
    assert all(0 <= p <= 100 for _, _, p in rows)
    # Rounded to whole percents, the shares add up to 100 give or take the rounding of five rows.
    assert 97 <= sum(p for _, _, p in rows) <= 103


def test_no_answer_has_no_average():
    assert average([0, 0, 0, 0, 0]) is None
    assert distribution([]).rows == [(v, 0, 0) for v in range(1, 6)]


def test_a_value_off_the_scale_is_refused():
    with pytest.raises(ValueError, match="outside"):
        distribution([1, 6])
    with pytest.raises(ValueError, match="outside"):
        distribution([0])


@given(answers)
def test_a_version_is_shown_only_from_the_threshold(rows):
    summary = version_summary(number=1, answers=rows)
    assert summary.answers == len(rows)
    assert summary.shown == (len(rows) >= MIN_ANSWERS)
    for name in RATINGS:
        assert summary.ratings[name].total == len(rows)
        assert (summary.average(name) is None) == (not summary.shown)


@given(st.lists(answers, max_size=6))
def test_the_trend_lists_only_shown_versions_oldest_first(per_version):
    summaries = [version_summary(number=n, answers=rows) for n, rows in enumerate(per_version, start=1)]
    points = trend(list(reversed(summaries)))
    assert [n for n, _ in points] == [s.number for s in summaries if s.shown]
    for _number, avgs in points:
        assert set(avgs) == set(RATINGS)
        assert all(Decimal(1) <= a <= Decimal(5) for a in avgs.values())
