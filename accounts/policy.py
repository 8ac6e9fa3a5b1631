"""Who may do what. Every permission check in the project goes through these functions."""

from __future__ import annotations

from typing import Any

from accounts.models import Role


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_recruit(user: Any) -> bool:
    """Recruits take courses in cohorts; a staff admin is never one, whatever their role field says."""
    return _active(user) and user.role == Role.RECRUIT and not user.is_staff


def is_trainer(user: Any) -> bool:
    """Trainers and staff admins may author content and grade written answers."""
    return _active(user) and (user.role == Role.TRAINER or user.is_staff)


def is_manager(user: Any) -> bool:
    """Hiring managers (and staff admins) may see the cohorts they manage."""
    return _active(user) and (user.role == Role.MANAGER or user.is_staff)


def can_take_assessments(user: Any) -> bool:
    """Everyone signed in may learn and practise; only recruits' results count towards cohorts."""
    return _active(user)
