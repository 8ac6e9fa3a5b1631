"""The pure scheduling core of spaced review: the rating mapping, FSRS scheduling through the ``fsrs``
package, the streak and the session size. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fsrs import Rating, Scheduler
from hypothesis import given
from hypothesis import strategies as st

from retention import scheduling
from retention.scheduling import FAST, SLOW, CardFields, rating_for, retrievability, schedule

# Fuzz off, so intervals compare exactly; otherwise the scheduler the app uses.
EXACT = Scheduler(learning_steps=(), relearning_steps=(), maximum_interval=365, enable_fuzzing=False)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
times = st.one_of(st.none(), st.integers(min_value=0, max_value=3_600_000))
ratings = st.sampled_from(list(Rating))


@given(response_ms=times)
def test_a_wrong_answer_is_always_again(response_ms):
    assert rating_for(correct=False, response_ms=response_ms) == Rating.Again


@given(response_ms=times)
def test_a_right_answer_is_never_again(response_ms):
    assert rating_for(correct=True, response_ms=response_ms) != Rating.Again


@given(a=st.integers(min_value=0, max_value=3_600_000), b=st.integers(min_value=0, max_value=3_600_000))
def test_a_slower_right_answer_never_rates_higher(a, b):
    fast, slow = sorted((a, b))
    assert rating_for(correct=True, response_ms=slow) <= rating_for(correct=True, response_ms=fast)


def test_the_documented_thresholds():
    ms = lambda d: int(d.total_seconds() * 1000)  # noqa: E731
    assert rating_for(correct=True, response_ms=ms(FAST)) == Rating.Easy
    assert rating_for(correct=True, response_ms=ms(FAST) + 1) == Rating.Good
    assert rating_for(correct=True, response_ms=ms(SLOW)) == Rating.Good
    assert rating_for(correct=True, response_ms=ms(SLOW) + 1) == Rating.Hard
    assert rating_for(correct=True, response_ms=None) == Rating.Good


history = st.lists(st.tuples(ratings, st.integers(min_value=0, max_value=60)), max_size=8)


def _after(steps) -> CardFields:
    card = scheduling.new_card(now=START, scheduler=EXACT)
    for rating, late_days in steps:
        card = schedule(card, rating=rating, at=card.due + timedelta(days=late_days), scheduler=EXACT)
    return card


@given(steps=history, late=st.integers(min_value=0, max_value=30))
def test_a_better_rating_never_schedules_sooner(steps, late):
    card = _after(steps)
    at = card.due + timedelta(days=late)
    dues = [schedule(card, rating=r, at=at, scheduler=EXACT).due for r in Rating]
    assert dues == sorted(dues)  # Again <= Hard <= Good <= Easy


@given(steps=history, rating=ratings)
def test_a_schedule_is_in_whole_days_after_the_review_and_within_the_maximum(steps, rating):
    card = _after(steps)
    after = schedule(card, rating=rating, at=card.due, scheduler=EXACT)
    interval = after.due - card.due
    assert timedelta(days=1) <= interval <= timedelta(days=EXACT.maximum_interval)
    assert interval.seconds == 0
    assert after.last_review == card.due
    assert 1 <= after.difficulty <= 10
    assert after.stability > 0
    assert after.state == 2  # no intra-day steps: every card is in Review after an answer


@given(steps=history, days=st.integers(min_value=0, max_value=400))
def test_retrievability_is_a_probability_that_falls_with_time(steps, days):
    card = _after(steps)
    now = retrievability(card, at=card.last_review + timedelta(days=days), scheduler=EXACT)
    later = retrievability(card, at=card.last_review + timedelta(days=days + 1), scheduler=EXACT)
    assert 0 < later <= now <= 1


def test_the_sql_constants_are_fsrs_own_curve():
    card = _after([(Rating.Good, 0), (Rating.Good, 3)])
    for days in (0, 1, 7, 90):
        expected = (1 + scheduling.FACTOR * days / card.stability) ** scheduling.DECAY
        assert retrievability(card, at=card.last_review + timedelta(days=days, hours=3)) == expected


def test_a_new_card_is_a_good_first_review_at_the_pass():
    card = scheduling.new_card(now=START, scheduler=EXACT)
    assert card.last_review == START
    assert card.due >= START + timedelta(days=1)
    assert card.stability == EXACT.parameters[2]  # FSRS's initial stability for Good


today = date(2026, 12, 6)
day_sets = st.sets(st.integers(min_value=0, max_value=40)).map(
    lambda s: [today - timedelta(days=d) for d in s]
)


@given(days=day_sets)
def test_streak_counts_consecutive_days_back_from_today_or_yesterday(days):
    n = scheduling.streak(days, today=today)
    end = today if today in days else today - timedelta(days=1)
    assert all(end - timedelta(days=i) in days for i in range(n))
    assert end - timedelta(days=n) not in days
    assert n <= len(days)


def test_streak_examples():
    d = lambda n: today - timedelta(days=n)  # noqa: E731
    assert scheduling.streak([], today=today) == 0
    assert scheduling.streak([d(0), d(1), d(2), d(4)], today=today) == 3
    assert scheduling.streak([d(1), d(2)], today=today) == 2  # today's review still to do
    assert scheduling.streak([d(2), d(3)], today=today) == 0


@given(counts=st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=50)), max_size=5))
def test_session_size_is_the_largest_track_count_or_the_default(counts):
    size = scheduling.session_size(track_counts=counts, default=5)
    chosen = [c for c in counts if c]
    assert size == (max(chosen) if chosen else 5)
