"""The attempts policy as one pure function, shared by the start service and the quiz page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from assessments.models import Attempt, Quiz


def start_refusal(*, quiz: Quiz, attempts: Sequence[Attempt], now: datetime) -> str | None:
    """Why a new attempt cannot start now, or None. An open attempt is resumed, never refused."""
    if any(a.is_open for a in attempts):
        return None
    allowed = quiz.attempts_allowed
    if allowed and len(attempts) >= allowed:
        return _("You have used all %(n)d attempts for this quiz.") % {"n": allowed}
    wait = int(quiz.settings.get("wait_minutes") or 0)
    last = max((a.submitted_at for a in attempts if a.submitted_at), default=None)
    if wait and last and now < last + timedelta(minutes=wait):
        return _("Please wait %(n)d minutes between attempts.") % {"n": wait}
    return None
