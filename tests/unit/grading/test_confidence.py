"""Confidence-based marking: Moodle's table, its bounds and ordering, and the summary Moodle reports."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.grading.confidence import (
    BEST_FROM,
    CONFIDENCE_LEVELS,
    CbmAnswer,
    cbm_mark,
    cbm_summary,
    confidently_wrong,
    expected_mark,
)

points = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2)
levels = st.sampled_from(CONFIDENCE_LEVELS)


@st.composite
def graded(draw):
    maximum = draw(points)
    score = draw(st.decimals(min_value=Decimal(0), max_value=maximum, places=2))
    return score, maximum


@pytest.mark.parametrize(
    ("confidence", "right", "wrong"), [("low", 1, 0), ("medium", 2, -2), ("high", 3, -6)]
)
def test_the_table_is_moodles_per_point(confidence, right, wrong):
    assert cbm_mark(score=Decimal(2), max_score=Decimal(2), confidence=confidence) == 2 * right
    assert cbm_mark(score=Decimal(0), max_score=Decimal(2), confidence=confidence) == 2 * wrong


def test_partial_credit_earns_its_share_of_the_right_mark_without_a_penalty():
    assert cbm_mark(score=Decimal("0.5"), max_score=Decimal(1), confidence="high") == Decimal("1.50")
    assert cbm_mark(score=Decimal("0.5"), max_score=Decimal(1), confidence="medium") == Decimal("1.00")


def test_a_value_outside_the_set_is_refused():
    with pytest.raises(ValueError, match="confidence"):
        cbm_mark(score=Decimal(1), max_score=Decimal(1), confidence="certain")


@given(graded(), levels)
def test_a_mark_stays_between_minus_six_and_three_times_the_points(answer, confidence):
    score, maximum = answer
    mark = cbm_mark(score=score, max_score=maximum, confidence=confidence)
    assert -6 * maximum <= mark <= 3 * maximum


@given(graded(), levels)
def test_low_confidence_never_costs_points_and_earns_the_plain_score(answer, confidence):
    score, maximum = answer
    assert cbm_mark(score=score, max_score=maximum, confidence="low") == score.quantize(Decimal("0.01"))
    if score > 0:
        assert cbm_mark(score=score, max_score=maximum, confidence=confidence) > 0


@given(graded())
def test_more_confidence_earns_more_when_right_and_costs_more_when_wrong(answer):
    score, maximum = answer
    marks = [cbm_mark(score=score, max_score=maximum, confidence=c) for c in CONFIDENCE_LEVELS]
    if score > 0:
        assert marks[0] <= marks[1] <= marks[2]
    else:
        assert marks[0] > marks[1] > marks[2]


@given(graded(), graded(), levels)
def test_at_one_confidence_a_better_share_never_marks_lower(a, b, confidence):
    (sa, ma), (sb, _mb) = a, b
    sb = min(sb, ma)
    low, high = sorted([sa, sb])
    assert cbm_mark(score=low, max_score=ma, confidence=confidence) <= cbm_mark(
        score=high, max_score=ma, confidence=confidence
    )


@given(st.decimals(min_value=0, max_value=1, places=3))
def test_the_honest_level_is_the_best_bet(probability):
    # Proper scoring: the level whose window holds the recruit's chance of being right pays most on average.
    honest = [c for c in CONFIDENCE_LEVELS if probability >= BEST_FROM[c]][-1]
    best = max(expected_mark(probability=probability, confidence=c) for c in CONFIDENCE_LEVELS)
    assert expected_mark(probability=probability, confidence=honest) == best


@given(st.lists(st.tuples(graded(), st.one_of(st.none(), levels)), min_size=1, max_size=30))
def test_the_summary_stays_in_range_and_accuracy_ignores_confidence(rows):
    answers = [CbmAnswer(score=s, max_score=m, confidence=c) for (s, m), c in rows]
    summary = cbm_summary(answers)
    assert Decimal(-6) <= summary.average <= Decimal(3)
    assert Decimal(0) <= summary.accuracy <= Decimal(100)
    plain = cbm_summary([CbmAnswer(score=a.score, max_score=a.max_score, confidence="high") for a in answers])
    assert plain.accuracy == summary.accuracy


def test_summary_matches_moodles_figures_for_a_worked_example():
    # Two of three right, one at high, one at medium; the wrong one at high: (3 + 2 − 6) / 3 = −0.33.
    answers = [
        CbmAnswer(score=Decimal(1), max_score=Decimal(1), confidence="high"),
        CbmAnswer(score=Decimal(1), max_score=Decimal(1), confidence="medium"),
        CbmAnswer(score=Decimal(0), max_score=Decimal(1), confidence="high"),
    ]
    summary = cbm_summary(answers)
    assert summary.average == Decimal("-0.33")
    assert summary.accuracy == Decimal("66.67")
    # Expected at 2/3 accuracy: low and medium both give 2/3 a point; bonus 0.1 × (−1/3 − 2/3).
    assert summary.bonus == Decimal("-10.00")
    assert summary.accuracy_and_bonus == Decimal("56.67")


def test_honest_confidence_earns_a_positive_bonus_and_overconfidence_a_negative_one():
    honest = [
        CbmAnswer(score=Decimal(1), max_score=Decimal(1), confidence="high"),
        CbmAnswer(score=Decimal(0), max_score=Decimal(1), confidence="low"),
    ]
    reckless = [
        CbmAnswer(score=Decimal(1), max_score=Decimal(1), confidence="high"),
        CbmAnswer(score=Decimal(0), max_score=Decimal(1), confidence="high"),
    ]
    assert cbm_summary(honest).accuracy == cbm_summary(reckless).accuracy == Decimal("50.00")
    assert cbm_summary(honest).bonus > 0 > cbm_summary(reckless).bonus


def test_an_unanswered_question_counts_in_the_points_but_earns_no_mark():
    answers = [
        CbmAnswer(score=Decimal(1), max_score=Decimal(1), confidence="high"),
        CbmAnswer(score=Decimal(0), max_score=Decimal(1), confidence=None),
    ]
    assert cbm_summary(answers).average == Decimal("1.50")


def test_confidently_wrong_is_a_wrong_answer_given_at_high_confidence():
    assert confidently_wrong(score=Decimal(0), confidence="high")
    assert not confidently_wrong(score=Decimal(0), confidence="medium")
    assert not confidently_wrong(score=Decimal("0.5"), confidence="high")
    assert not confidently_wrong(score=None, confidence="high")
