"""Writes on the testing side: the attempt lifecycle from start to graded."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.grading import InvalidAnswer, check_answer, grade_question
from assessments.models import Attempt, AttemptStatus, Quiz, Response

logger = logging.getLogger(__name__)

ORDERED_TYPES = ("single", "multiple", "truefalse")


class AttemptError(Exception):
    """A request the attempt's rules refuse; the message is shown to the recruit."""


def attempt_start(*, user: User, quiz: Quiz) -> Attempt:
    """Open an attempt, or return the one already open: draw, shuffle and store exactly what is served."""
    with transaction.atomic():
        # Lock the user row: two quick clicks on "start" must not open two attempts.
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        # Attempts at every version of this quiz count together: a new version is not a fresh allowance.
        attempts = list(
            Attempt.objects.filter(user=user, module_id=quiz.version.module_id, quiz__key=quiz.key)
        )
        open_attempt = next((a for a in attempts if a.is_open), None)
        if open_attempt:
            return open_attempt
        allowed = quiz.attempts_allowed
        if allowed and len(attempts) >= allowed:
            raise AttemptError(_("You have used all %(n)d attempts for this quiz.") % {"n": allowed})
        wait = int(quiz.settings.get("wait_minutes") or 0)
        last = max((a.submitted_at for a in attempts if a.submitted_at), default=None)
        if wait and last and timezone.now() < last + timedelta(minutes=wait):
            raise AttemptError(_("Please wait %(n)d minutes between attempts.") % {"n": wait})

        seed = random.SystemRandom().randrange(2**62)
        rng = random.Random(seed)  # noqa: S311 - reproducible draws, not secrets
        pool = list(quiz.pool.select_related("question_version").order_by("position"))
        draw = quiz.draw or len(pool)
        served = (
            rng.sample(pool, min(draw, len(pool))) if quiz.settings.get("shuffle_questions") else pool[:draw]
        )
        if not quiz.settings.get("shuffle_questions"):
            served.sort(key=lambda qq: qq.position)
        now = timezone.now()
        minutes = quiz.time_limit_minutes
        attempt = Attempt.objects.create(
            user=user,
            quiz=quiz,
            module_id=quiz.version.module_id,
            number=max((a.number for a in attempts), default=0) + 1,
            seed=seed,
            deadline=now + timedelta(minutes=minutes) if minutes else None,
        )
        responses = []
        for position, qq in enumerate(served, start=1):
            data = qq.question_version.data
            choice_order = [c["id"] for c in data.get("choices", [])]
            item_order = [i["id"] for i in data.get("items", [])] or [
                p["right_id"] for p in data.get("pairs", [])
            ]
            if (
                quiz.settings.get("shuffle_choices")
                and data["type"] in ORDERED_TYPES
                and data["type"] != "truefalse"
            ):
                rng.shuffle(choice_order)
            if item_order:
                # Ordering items and matching answers are always shuffled: served order must not be the key.
                rng.shuffle(item_order)
            responses.append(
                Response(
                    attempt=attempt,
                    position=position,
                    question_version=qq.question_version,
                    choice_order=choice_order,
                    item_order=item_order,
                    max_score=Decimal(data["points"]),
                )
            )
        Response.objects.bulk_create(responses)
    return attempt


def _answers_store(*, attempt: Attempt, answers: dict[int, Any]) -> list[Response]:
    responses = {r.position: r for r in attempt.responses.select_related("question_version")}
    unknown = set(answers) - set(responses)
    if unknown:
        raise InvalidAnswer(_("This attempt has no question number %(n)s.") % {"n": min(unknown)})
    for position, answer in answers.items():
        if answer is not None:
            check_answer(responses[position].question_version.data, answer)
    changed = []
    now = timezone.now()
    for position, answer in answers.items():
        response = responses[position]
        if response.answer != answer:
            response.answer = answer
            response.answered_at = now
            changed.append(response)
    Response.objects.bulk_update(changed, ["answer", "answered_at"])
    return changed


def _open_attempt_lock(*, user: User, attempt_id: int) -> Attempt:
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id, user=user)
    if not attempt.is_open:
        raise AttemptError(_("This attempt has already been submitted."))
    if attempt.deadline and timezone.now() > attempt.deadline:
        raise AttemptError(_("The time limit for this attempt has passed."))
    return attempt


def attempt_save(*, user: User, attempt_id: int, answers: dict[int, Any]) -> int:
    """Autosave answers of an open attempt; returns how many answers changed."""
    with transaction.atomic():
        attempt = _open_attempt_lock(user=user, attempt_id=attempt_id)
        return len(_answers_store(attempt=attempt, answers=answers))


def attempt_submit(*, user: User, attempt_id: int, answers: dict[int, Any]) -> Attempt:
    """Save the final answers, mark the attempt submitted and queue grading once the row is committed.

    A replayed or double-clicked submit finds the attempt already submitted and changes nothing.
    """
    from assessments.tasks import grade_attempt

    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id, user=user)
        if not attempt.is_open:
            return attempt
        if attempt.deadline and timezone.now() > attempt.deadline:
            raise AttemptError(_("The time limit for this attempt has passed."))
        _answers_store(attempt=attempt, answers=answers)
        attempt.status = AttemptStatus.SUBMITTED
        attempt.submitted_at = timezone.now()
        attempt.save(update_fields=["status", "submitted_at"])
        transaction.on_commit(lambda: grade_attempt.delay(attempt.pk))
    return attempt


def attempt_grade(*, attempt_id: int) -> Attempt:
    """Grade a submitted attempt with the pure graders. Anything not ``submitted`` is left alone."""
    from courses.services import progress_update

    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("quiz__version").get(pk=attempt_id)
        if attempt.status != AttemptStatus.SUBMITTED:
            return attempt
        responses = list(attempt.responses.select_related("question_version"))
        total = Decimal(0)
        maximum = Decimal(0)
        for response in responses:
            result = grade_question(response.question_version.data, response.answer)
            response.score = result.score
            response.max_score = result.max_score
            response.correct = result.correct
            response.feedback_html = result.feedback
            response.details = result.details
            total += result.score
            maximum += result.max_score
        Response.objects.bulk_update(responses, ["score", "max_score", "correct", "feedback_html", "details"])
        attempt.score = total
        attempt.max_score = maximum
        attempt.percent = (100 * total / maximum).quantize(Decimal("0.01")) if maximum else Decimal(0)
        attempt.passed = attempt.percent >= attempt.quiz.version.pass_mark
        attempt.status = AttemptStatus.GRADED
        attempt.graded_at = timezone.now()
        attempt.error = ""
        attempt.save(
            update_fields=["score", "max_score", "percent", "passed", "status", "graded_at", "error"]
        )
        progress_update(user_id=attempt.user_id, module_id=attempt.module_id)
    return attempt


def attempt_mark_error(*, attempt_id: int, reason: str) -> None:
    """Park an attempt the graders cannot handle, with the reason, so the worker carries on."""
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.status == AttemptStatus.SUBMITTED:
            attempt.status = AttemptStatus.ERROR
            attempt.error = reason[:2000]
            attempt.save(update_fields=["status", "error"])


def attempts_expire(*, now=None) -> list[int]:
    """Submit every open attempt past its deadline with what was saved; returns their ids."""
    from assessments.tasks import grade_attempt

    now = now or timezone.now()
    expired = []
    with transaction.atomic():
        for attempt in Attempt.objects.select_for_update(skip_locked=True).filter(
            status=AttemptStatus.IN_PROGRESS, deadline__lt=now
        ):
            attempt.status = AttemptStatus.SUBMITTED
            attempt.submitted_at = now
            attempt.save(update_fields=["status", "submitted_at"])
            expired.append(attempt.pk)
        for attempt_id in expired:
            transaction.on_commit(lambda pk=attempt_id: grade_attempt.delay(pk))
    return expired


def attempts_sweep(*, stale_after: timedelta) -> list[int]:
    """Ids of attempts left ``submitted`` longer than ``stale_after``: their message may have been lost."""
    cutoff = timezone.now() - stale_after
    return list(
        Attempt.objects.filter(status=AttemptStatus.SUBMITTED, submitted_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
