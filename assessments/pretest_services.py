"""Test-out: a diagnostic pre-test drawn from a module's quiz bank, taken before the quiz.

A pre-test is an ``Attempt`` of purpose ``pretest`` (number 0, one per quiz version by a unique
constraint), served masked and graded in the worker like every attempt (``services.attempt_grade``).
At or above the module's pass mark, ``courses.services.progress_update`` marks the module passed as tested
out; below it, the recruit sees per-skill results (``selectors.pretest_skill_results``). Its key stays
hidden until the module is passed (``selectors.answers_revealed``).
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.masking import OPAQUE
from assessments.models import Attempt, AttemptPurpose, AttemptStatus, Quiz
from assessments.rules import pretest_minutes, pretest_size
from assessments.services import AttemptError, lock_refusal, responses_serve
from courses.models import CourseModule, ModuleProgress


def pretest_offered(*, user: User, quiz: Quiz) -> bool:
    """Whether the quiz has a pre-test and a track the recruit is enrolled on allows it for the module."""
    if not quiz.settings.get("pretest"):
        return False
    return CourseModule.objects.filter(
        module_id=quiz.version.module_id, course__enrolments__user=user, test_out=True
    ).exists()


def pretest_refusal(*, user: User, quiz: Quiz) -> str | None:
    """Why ``user`` may not start the pre-test of ``quiz`` now, or None (an open one is resumed)."""
    module = quiz.version.module
    if not quiz.settings.get("pretest"):
        return _("This quiz has no pre-test.")
    refusal = lock_refusal(user=user, module=module)
    if refusal:
        return refusal
    allowed = list(
        CourseModule.objects.filter(module_id=module.pk, course__enrolments__user=user).values_list(
            "test_out", flat=True
        )
    )
    if not allowed:
        return _("Join a learning path with this module to take its pre-test.")
    if not any(allowed):
        return _("Your learning path asks you to study this module and take its quiz: it has no test-out.")
    mine = list(
        Attempt.objects.filter(user=user, module_id=module.pk, quiz__key=quiz.key).values_list(
            "purpose", "quiz_id", "status"
        )
    )
    if any(
        p == AttemptPurpose.PRETEST and q == quiz.pk and s == AttemptStatus.IN_PROGRESS for p, q, s in mine
    ):
        return None
    if ModuleProgress.objects.filter(user=user, module=module, passed=True).exists():
        return _("You have already passed this module.")
    if any(p == AttemptPurpose.FINAL for p, _q, _s in mine):
        return _("The pre-test comes before the quiz, and you have already taken the quiz.")
    if any(p == AttemptPurpose.PRETEST and q == quiz.pk for p, q, _s in mine):
        return _("You have already taken the pre-test of this module version: one pre-test per version.")
    return None


def pretest_start(*, user: User, quiz: Quiz) -> Attempt:
    """Open the recruit's pre-test of ``quiz``, or return the open one: ``pretest`` questions drawn from
    the bank, stored as served. Refuses (AttemptError) for the reasons of ``pretest_refusal``."""
    with transaction.atomic():
        # Lock the user row: two quick clicks, or a replayed POST, open one pre-test.
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        refusal = pretest_refusal(user=user, quiz=quiz)
        if refusal:
            raise AttemptError(refusal)
        existing = Attempt.objects.filter(user=user, quiz=quiz, purpose=AttemptPurpose.PRETEST).first()
        if existing is not None:
            return existing
        seed = random.SystemRandom().randrange(2**62)
        rng = random.Random(seed)  # noqa: S311 - reproducible draws, not secrets
        pool = [
            qq.question_version for qq in quiz.pool.select_related("question_version").order_by("position")
        ]
        count = pretest_size(pretest=int(quiz.settings.get("pretest") or 0), pool=len(pool))
        served = rng.sample(pool, count)
        minutes = pretest_minutes(
            time_limit=quiz.time_limit_minutes,
            served=count,
            final_count=min(quiz.draw or len(pool), len(pool)),
        )
        now = timezone.now()
        attempt = Attempt.objects.create(
            user=user,
            quiz=quiz,
            module_id=quiz.version.module_id,
            purpose=AttemptPurpose.PRETEST,
            number=0,
            seed=seed,
            deadline=now + timedelta(minutes=minutes) if minutes else None,
            state={OPAQUE: True},
        )
        responses_serve(attempt=attempt, quiz=quiz, served=served, rng=rng)
    return attempt
