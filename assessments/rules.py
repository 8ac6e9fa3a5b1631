"""The attempts policy as one pure function, shared by the start service and the quiz page."""

from __future__ import annotations

import random
from collections.abc import Collection, Hashable, Sequence
from datetime import datetime, timedelta
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
    pool: Sequence[T], *, draw: int, previous: Collection[T], rng: random.Random, shuffle: bool
) -> list[T]:
    """The questions of a new attempt: ``draw`` of ``pool`` (0 = all), drawn afresh each time, preferring
    those the previous attempt did not serve; the rest, if the pool is too small, from the previous ones.

    In pool order unless ``shuffle``. Pure: ``pool`` items are any hashable keys (question ids)."""
    count = min(draw or len(pool), len(pool))
    fresh = [q for q in pool if q not in previous]
    seen = [q for q in pool if q in previous]
    # Too few fresh ones: all of them, topped up from the previous attempt's.
    extra = max(0, count - len(fresh))
    chosen = rng.sample(fresh, count - extra) + rng.sample(seen, extra)
    if shuffle:
        rng.shuffle(chosen)
    else:
        order = {q: i for i, q in enumerate(pool)}
        chosen.sort(key=order.__getitem__)
    return chosen


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
