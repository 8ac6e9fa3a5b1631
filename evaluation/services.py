"""Writes of the evaluation app: a recruit's rating of a module version they passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from courses.models import Module, ModuleProgress
from evaluation.models import COMMENT_MAX, RATING_MAX, RATING_MIN, ModuleFeedback
from trainingsite.text import has_nul, nul_message

EDIT_DAYS = 7


class FeedbackError(Exception):
    """Bad input: the message says what to fix; nothing was saved."""


class FeedbackNotAllowed(FeedbackError):
    """This person may not rate this module (not a recruit, or not passed)."""


@dataclass(frozen=True)
class Ratings:
    usefulness: int
    difficulty: int
    clarity: int
    comment: str = ""
    show_name: bool = False


def editable_until(feedback: ModuleFeedback) -> datetime:
    return feedback.created_at + timedelta(days=EDIT_DAYS)


def feedback_refusal(*, user: User, progress: ModuleProgress | None) -> str:
    """Why ``user`` may not rate the module of ``progress``; empty when they may."""
    if not policy.is_recruit(user):
        return _("Only recruits rate modules.")
    if progress is None or not progress.passed:
        return _("You can rate this module once you have passed it.")
    return ""


def _check(ratings: Ratings) -> None:
    for value in (ratings.usefulness, ratings.difficulty, ratings.clarity):
        if not isinstance(value, int) or not RATING_MIN <= value <= RATING_MAX:
            raise FeedbackError(_("Each rating is a whole number from 1 to 5."))
    if has_nul(ratings.comment):
        raise FeedbackError(nul_message())
    if len(ratings.comment) > COMMENT_MAX:
        raise FeedbackError(_("The comment is too long: %(max)d characters at most.") % {"max": COMMENT_MAX})


def feedback_save(
    *, user: User, module: Module, version_id: int, ratings: Ratings, now: datetime | None = None
) -> tuple[ModuleFeedback, bool]:
    """Record or change ``user``'s rating of the module version the form was for; returns the row and
    whether anything changed. Only the module's current version takes a first answer, and an answer
    stays editable for EDIT_DAYS days."""
    now = now or timezone.now()
    _check(ratings)
    with transaction.atomic():
        # Locks the recruit's progress row: two submits of the same form run one after the other, so the
        # second finds the first's row instead of racing it into the unique constraint.
        progress = (
            ModuleProgress.objects.select_for_update().filter(user_id=user.pk, module_id=module.pk).first()
        )
        refusal = feedback_refusal(user=user, progress=progress)
        if refusal:
            raise FeedbackNotAllowed(refusal)
        feedback = ModuleFeedback.objects.filter(user_id=user.pk, version_id=version_id).first()
        if feedback is None:
            if version_id != module.current_version_id:
                raise FeedbackError(
                    _("This form was for another version of the module. Reload the page and rate again.")
                )
            feedback = ModuleFeedback(user=user, module=module, version_id=version_id, created_at=now)
        elif feedback.module_id != module.pk:
            raise FeedbackError(
                _("This form was for another version of the module. Reload the page and rate again.")
            )
        elif now > editable_until(feedback):
            raise FeedbackError(
                _("Your rating can no longer be changed: a rating is open for %(days)d days.")
                % {"days": EDIT_DAYS}
            )
        values = {
            "usefulness": ratings.usefulness,
            "difficulty": ratings.difficulty,
            "clarity": ratings.clarity,
            "comment": ratings.comment.strip(),
            "show_name": ratings.show_name,
        }
        if feedback.pk and all(getattr(feedback, k) == v for k, v in values.items()):
            return feedback, False
        for key, value in values.items():
            setattr(feedback, key, value)
        feedback.updated_at = now
        feedback.save()
    return feedback, True
