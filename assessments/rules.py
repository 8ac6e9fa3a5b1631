"""The attempts policy as one pure function, shared by the start service and the quiz page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from assessments.models import Attempt, Drill, Quiz


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
