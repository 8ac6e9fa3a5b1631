"""Pure scheduling: the rating an answer earns and the card's next state, computed by the ``fsrs`` package.

No database: a card is the plain ``CardFields`` the model stores, so this is tested without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler, State

# Rating from correctness and response time (docs/retention.md, "Rating"): a wrong or partly right answer is
# Again; a right one is Easy within FAST, Hard after SLOW, Good between. Response time is measured by the
# server from serving the card to receiving the answer.
FAST = timedelta(seconds=10)
SLOW = timedelta(seconds=60)
# Reviews are daily, so no intra-day learning steps: every answer schedules the card in whole days.
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), maximum_interval=365, enable_fuzzing=True)
# FSRS-6 forgetting curve R(t) = (1 + FACTOR * t / S) ** DECAY, t in whole days since the last review; the
# same constants as ``Scheduler.get_card_retrievability``, for the SQL aggregate in ``retention.services``.
DECAY = -SCHEDULER.parameters[20]
FACTOR = 0.9 ** (1 / DECAY) - 1


@dataclass(frozen=True)
class CardFields:
    """FSRS's card state as the ``ReviewCard`` columns hold it."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None


def rating_for(*, correct: bool, response_ms: int | None) -> Rating:
    """The FSRS rating of one answer: wrong is Again; right is Easy, Good or Hard as it came fast or slow."""
    if not correct:
        return Rating.Again
    if response_ms is None:
        return Rating.Good
    elapsed = timedelta(milliseconds=response_ms)
    if elapsed <= FAST:
        return Rating.Easy
    if elapsed > SLOW:
        return Rating.Hard
    return Rating.Good


def new_card(*, now: datetime, scheduler: Scheduler = SCHEDULER) -> CardFields:
    """A card made from a module just passed: passing its quiz was the first successful retrieval, so the
    card starts as FSRS schedules a new card rated Good at ``now`` (first review in about two days)."""
    fresh = CardFields(
        state=int(State.Learning), step=0, stability=None, difficulty=None, due=now, last_review=None
    )
    return schedule(fresh, rating=Rating.Good, at=now, scheduler=scheduler)


def schedule(
    card: CardFields, *, rating: Rating, at: datetime, scheduler: Scheduler = SCHEDULER
) -> CardFields:
    """The card's state after one review rated ``rating`` at ``at`` (FSRS ``review_card``)."""
    reviewed, _log = scheduler.review_card(_fsrs_card(card), rating, review_datetime=at.astimezone(UTC))
    return CardFields(
        state=int(reviewed.state),
        step=reviewed.step,
        stability=reviewed.stability,
        difficulty=reviewed.difficulty,
        due=reviewed.due,
        last_review=reviewed.last_review,
    )


def retrievability(card: CardFields, *, at: datetime, scheduler: Scheduler = SCHEDULER) -> float:
    """The predicted probability of recalling the card at ``at``; 0 for a card never reviewed."""
    return scheduler.get_card_retrievability(_fsrs_card(card), current_datetime=at.astimezone(UTC))


def _fsrs_card(card: CardFields) -> Card:
    return Card(
        card_id=0,  # not used for scheduling; passed so fsrs does not sleep to make a unique id
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due.astimezone(UTC),
        last_review=card.last_review.astimezone(UTC) if card.last_review else None,
    )


def streak(days: list, *, today) -> int:
    """Consecutive review days ending today, or yesterday when today's review is still to do."""
    done = set(days)
    start = today if today in done else today - timedelta(days=1)
    count = 0
    while start - timedelta(days=count) in done:
        count += 1
    return count


def session_size(*, track_counts: list[int | None], default: int) -> int:
    """Cards a day: the largest count the recruit's tracks set, else ``default``."""
    counts = [c for c in track_counts if c]
    return max(counts) if counts else default
