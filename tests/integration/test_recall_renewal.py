"""Renewal by recall (#17 part 1): a track with ``renewal_recall`` renews a certificate in its renewal window
on the recruit's spaced-review answers since the window opened, right often enough in every skill area of
its modules, with their standing passes still meeting the rule; anything less keeps the old certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import QuestionVersion
from certificates import services
from certificates.models import Certificate
from courses.models import Course, CourseModule, Level
from retention.models import AnswerStatus, ReviewAnswer, ReviewCard
from tests.integration.test_certificates import RULE, progress_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def track(imported):
    course = Course.objects.create(
        slug="recall-track", title="复习续期路径", level=Level.JUNIOR, certification=dict(RULE)
    )
    CourseModule.objects.create(course=course, module=imported, position=0)
    return course


@pytest.fixture
def holder(recruit):
    return recruit


@pytest.fixture
def certificate(holder, imported, track):
    progress_set(holder, imported, "90.00")
    issued = services.certification_evaluate(user_id=holder.pk, course_id=track.pk)
    assert issued is not None
    # Ten days before expiry: the 30-day renewal window opened twenty days ago.
    Certificate.objects.filter(pk=issued.pk).update(
        issued_at=timezone.now() - timedelta(days=355), expires_at=timezone.now() + timedelta(days=10)
    )
    track.certification = {**RULE, "renewal_recall": 80}
    track.save(update_fields=["certification"])
    return issued


def reviews(user, module, right: int, wrong: int, *, days_ago: int = 1) -> None:
    """Graded review answers of ``user`` on the module's questions, ``days_ago`` days ago."""
    versions = list(QuestionVersion.objects.filter(question__module=module).select_related("question")[:3])
    assert versions
    when = timezone.now() - timedelta(days=days_ago)
    for n, correct in enumerate([True] * right + [False] * wrong):
        version = versions[n % len(versions)]
        card, _ = ReviewCard.objects.get_or_create(
            user=user,
            question=version.question,
            defaults={
                "question_version": version,
                "module": module,
                "skill_area": module.skill_area,
                "due": when,
            },
        )
        ReviewAnswer.objects.create(
            card=card,
            user=user,
            question_version=version,
            status=AnswerStatus.GRADED,
            served_at=when,
            submitted_at=when,
            graded_at=when,
            correct=correct,
        )


def renewed(user, track) -> Certificate | None:
    services.certification_evaluate(user_id=user.pk, course_id=track.pk)
    return Certificate.objects.filter(user=user, replaces__isnull=False).first()


def test_right_often_enough_since_the_window_opened_renews(certificate, holder, imported, track):
    reviews(holder, imported, right=5, wrong=1)  # 83 %
    new = renewed(holder, track)
    assert new is not None
    assert new.replaces_id == certificate.pk
    recall = new.scores["renewed_by_recall"]
    assert recall["threshold"] == 80
    assert recall["areas"][imported.skill_area] == {"answers": 6, "right": 5, "recall": "83.3"}
    assert services.certification_evaluate(user_id=holder.pk, course_id=track.pk).pk == new.pk


@pytest.mark.parametrize(
    ("right", "wrong", "days_ago"),
    [
        (3, 1, 1),  # 75 %: below the threshold
        (4, 0, 1),  # right every time, but fewer answers than RENEWAL_MIN_REVIEWS
        (6, 0, 25),  # before the window opened
    ],
)
def test_too_few_too_wrong_or_too_early_keeps_the_old_one(
    certificate, holder, imported, track, right, wrong, days_ago
):
    reviews(holder, imported, right=right, wrong=wrong, days_ago=days_ago)
    assert renewed(holder, track) is None


def test_without_standing_passes_recall_renews_nothing(certificate, holder, imported, track):
    progress_set(holder, imported, "50.00", passed=False)  # e.g. a regrade took the pass away
    reviews(holder, imported, right=6, wrong=0)
    assert renewed(holder, track) is None


def test_a_track_without_renewal_recall_needs_a_fresh_pass(certificate, holder, imported, track):
    track.certification = dict(RULE)
    track.save(update_fields=["certification"])
    reviews(holder, imported, right=6, wrong=0)
    assert renewed(holder, track) is None
