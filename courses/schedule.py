"""The one rule for due dates. Every page, export and reminder that shows a due date, or says overdue, asks
here, so a recruit reads the same date on the tracks page, their home, the manager's heat-map and the bell."""

from __future__ import annotations

from datetime import date, timedelta


def recruit_start(*, cohort_start: date, joined_on: date) -> date:
    """Where a cohort member's due dates count from: the cohort's start, or their own join day if they
    joined late (a recruit who joins on day 10 gets the same days to learn as one who was there on day 0)."""
    return max(cohort_start, joined_on)


def due_date(*, start: date, due_days: int) -> date | None:
    """A module's due date for a recruit who started on ``start``; None when the module has no due days."""
    return start + timedelta(days=due_days) if due_days else None


def is_overdue(*, due: date | None, today: date, passed: bool = False) -> bool:
    """Overdue: a due date in the past and the module not passed."""
    return due is not None and due < today and not passed
