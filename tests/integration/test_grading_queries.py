"""Statements per graded attempt (issue #19 part 2): the grading of one quiz attempt of a recruit
enrolled on a track through a cohort runs a fixed number of SQL statements, whatever the number of questions
and earlier attempts. The number is pinned, so a change that adds work to every grading shows here; the
benchmark (benchmarks/grading.py, ``queries_per_graded_attempt``) reports the same count."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from assessments.models import Attempt, AttemptStatus, Quiz
from assessments.services import attempt_grade, attempt_start, attempt_submit
from benchmarks.synthetic import answer_for
from courses.models import CohortMembership
from tests.integration.test_manager_helpers import make_cohort, make_course, make_user

pytestmark = pytest.mark.django_db

# The first grading of a recruit's module also creates its progress and item-analysis rows.
FIRST_GRADING = 25
LATER_GRADING = 22


def statements(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def graded_with_count(user, quiz, seed: int) -> tuple[Attempt, list[str]]:
    attempt = attempt_start(user=user, quiz=quiz)
    rng = random.Random(seed)
    answers = {
        r.position: answer_for(r.question_version.data, rng, right=0.5)
        for r in attempt.responses.select_related("question_version")
    }
    attempt_submit(user=user, attempt_id=attempt.pk, answers=answers)
    with CaptureQueriesContext(connection) as ctx:
        attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return attempt, statements(ctx)


def test_grading_one_attempt_runs_a_pinned_number_of_statements(tmp_path):
    course = make_course(tmp_path / "content", modules=2)
    cohort = make_cohort(course, [make_user("manager@example.com", Role.MANAGER)], 0, seed=3)
    user = make_user("fresh@example.com", Role.RECRUIT)
    CohortMembership.objects.create(cohort=cohort, user=user)
    from courses.services import enrolment_start

    enrolment_start(user=user, course=course, cohort=cohort)
    quiz = Quiz.objects.filter(version__module__courses=course).order_by("pk").first()
    first, sql_first = graded_with_count(user, quiz, seed=1)
    assert first.status == AttemptStatus.GRADED
    assert len(sql_first) == FIRST_GRADING, "\n".join(s[:160] for s in sql_first)
    for seed in (2, 3):  # more earlier attempts do not add statements
        later, sql_later = graded_with_count(user, quiz, seed=seed)
        assert later.status == AttemptStatus.GRADED
        assert len(sql_later) == LATER_GRADING, "\n".join(s[:160] for s in sql_later)


def test_a_second_delivery_of_a_graded_attempt_reads_and_leaves(tmp_path):
    course = make_course(tmp_path / "content", modules=1)
    cohort = make_cohort(course, [make_user("manager@example.com", Role.MANAGER)], 1, seed=5)
    user = CohortMembership.objects.filter(cohort=cohort).first().user
    quiz = Quiz.objects.filter(version__module__courses=course).order_by("pk").first()
    attempt, _ = graded_with_count(user, quiz, seed=1)
    with CaptureQueriesContext(connection) as ctx:
        attempt_grade(attempt_id=attempt.pk)
    # The tries counter (matches nothing: the attempt is graded) and the locked read.
    assert len(statements(ctx)) == 2
