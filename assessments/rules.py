"""The attempts policy as one pure function, shared by the start service and the quiz page."""

from __future__ import annotations

import random
from collections.abc import Collection, Hashable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.utils.translation import gettext as _

from assessments.models import Attempt, Drill, Quiz

T = TypeVar("T", bound=Hashable)


def start_refusal(
    *, quiz: Quiz | Drill, attempts: Sequence[Attempt], now: datetime, cycle_start: datetime | None = None
) -> str | None:
    """Why a new attempt at a quiz or drill cannot start now, or None. An open attempt is resumed, never
    refused. In a recertification cycle (``cycle_start``) only the attempts since it count."""
    if any(a.is_open for a in attempts):
        return None
    if cycle_start is not None:
        attempts = [a for a in attempts if a.started_at >= cycle_start]
    allowed = quiz.attempts_allowed
    if allowed and len(attempts) >= allowed:
        return _("You have used all %(n)d attempts allowed.") % {"n": allowed}
    wait = int(quiz.settings.get("wait_minutes") or 0)
    last = max((a.submitted_at for a in attempts if a.submitted_at), default=None)
    if wait and last and now < last + timedelta(minutes=wait):
        return _("Please wait %(n)d minutes between attempts.") % {"n": wait}
    return None


def cycle_start(*, user, module) -> datetime | None:
    """The start of the user's recertification cycle for this module (see certificates), or None."""
    from certificates.selectors import renewal_cycle_start

    if not user.is_authenticated:
        return None
    return renewal_cycle_start(user_id=user.pk, module_slug=module.slug)


def questions_draw(
    pool: Sequence[T],
    *,
    draw: int,
    previous: Collection[T],
    rng: random.Random,
    shuffle: bool,
    avoid: Collection[T] = (),
) -> list[T]:
    """The questions of a new attempt: ``draw`` of ``pool`` (0 = all), drawn afresh each time, preferring
    those the previous attempt did not serve; the rest, if the pool is too small, from the previous ones,
    and only then from ``avoid`` (the recruit's pre-test questions).

    In pool order unless ``shuffle``. Pure: ``pool`` items are any hashable keys (question ids)."""
    count = min(draw or len(pool), len(pool))
    fresh = [q for q in pool if q not in previous and q not in avoid]
    seen = [q for q in pool if q in previous and q not in avoid]
    avoided = [q for q in pool if q in avoid]
    chosen: list[T] = []
    # Tier by tier: all that is needed from the fresh ones, then the previous attempt's, then the pre-test's.
    for tier in (fresh, seen, avoided):
        take = min(len(tier), count - len(chosen))
        chosen += rng.sample(tier, take)
    if shuffle:
        rng.shuffle(chosen)
    else:
        order = {q: i for i, q in enumerate(pool)}
        chosen.sort(key=order.__getitem__)
    return chosen


def pretest_size(*, pretest: int, pool: int) -> int:
    """How many questions a pre-test serves: ``pretest`` of the bank, never more than the bank."""
    return max(0, min(pretest, pool))


def pretest_minutes(*, time_limit: int, served: int, final_count: int) -> int:
    """The pre-test's time limit: the quiz's, in proportion to its question count (0 = untimed)."""
    if not time_limit or not final_count:
        return 0
    return max(1, -(-time_limit * served // final_count))


def skill_results(rows: Sequence[tuple[Sequence[str], Decimal, Decimal]], *, fallback: str) -> list[dict]:
    """Per-skill results of a graded attempt, weakest first: ``rows`` are (tags, score, max score) per
    question; a question counts toward each of its tags, an untagged one toward ``fallback``.

    Each result: {"skill", "score", "max_score", "percent", "questions"}; ties keep first-seen order."""
    totals: dict[str, list] = {}
    for tags, score, maximum in rows:
        for tag in list(dict.fromkeys(tags)) or [fallback]:
            entry = totals.setdefault(tag, [Decimal(0), Decimal(0), 0])
            entry[0] += score
            entry[1] += maximum
            entry[2] += 1
    results = [
        {
            "skill": tag,
            "score": score,
            "max_score": maximum,
            "percent": (100 * score / maximum).quantize(Decimal("0.01")) if maximum else Decimal(0),
            "questions": n,
        }
        for tag, (score, maximum, n) in totals.items()
    ]
    return sorted(results, key=lambda r: r["percent"])


def rules_summary(*, assessment: Quiz | Drill, attempts: Sequence[Attempt], pool_size: int = 0) -> dict:
    """What the start page tells a recruit before they begin: attempts used and left, the wait between
    attempts, when the correct answers are shown, and (quizzes) how many questions from how big a bank."""
    settings = assessment.settings
    allowed = assessment.attempts_allowed
    used = len(attempts)
    draw = min(int(settings.get("draw") or 0) or pool_size, pool_size)
    return {
        "allowed": allowed,
        "used": used,
        "left": max(0, allowed - used) if allowed else None,
        "wait_minutes": int(settings.get("wait_minutes") or 0),
        "show_answers": settings.get("show_answers") or "after_grading",
        "is_drill": isinstance(assessment, Drill),
        "draw": draw,
        "pool_size": pool_size,
        "fresh_draw": 0 < draw < pool_size,
    }
