"""A home for each role: trainers land on their review queue, flagged questions and recent publishes; managers
on their cohorts and who is behind; a staff admin sees both; a recruit keeps the learning home. The header
shows trainers the pending-review count for one cheap COUNT. Query counts pinned and flat with data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments.models import AssessmentStatistics, Attempt, AttemptStatus, Drill, DrillKind, DrillReview
from courses.models import CohortMembership, Enrolment
from tests.integration.test_manager_helpers import logged_in, make_cohort, make_course, make_user

pytestmark = pytest.mark.django_db

# Queries of the home page, session and user (2) included. A change here must be a deliberate one.
TRAINER_HOME = 6  # pending count (shared with the header badge), oldest pending, flagged, recent versions
MANAGER_HOME = 4  # cohorts with their numbers, who is behind
STAFF_HOME = 8  # both: the pending count once, then the three trainer reads and the two manager reads


def pending_review(drill: Drill, recruit, *, days_ago: int) -> DrillReview:
    attempt = Attempt.objects.create(
        user=recruit,
        drill=drill,
        module=drill.version.module,
        number=Attempt.objects.filter(user=recruit, drill=drill).count() + 1,
        status=AttemptStatus.NEEDS_REVIEW,
        seed=1,
    )
    review = DrillReview.objects.create(attempt=attempt, suggested_score=Decimal(3), max_score=Decimal(5))
    DrillReview.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return review


def flag(drill: Drill, flagged: int) -> None:
    AssessmentStatistics.objects.update_or_create(
        module=drill.version.module,
        key=drill.key,
        defaults={"kind": drill.kind, "data": {"title": drill.title, "flagged": flagged}},
    )


def measure(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.fixture
def written(drill_module) -> Drill:
    return Drill.objects.filter(version=drill_module.current_version, kind=DrillKind.WRITTEN).first()


def test_a_trainer_lands_on_the_queue_flagged_questions_and_recent_publishes(trainer, written, recruit):
    newest = pending_review(written, recruit, days_ago=1)
    oldest = pending_review(written, recruit, days_ago=9)
    flag(written, 2)
    scenario = Drill.objects.filter(version=written.version, kind=DrillKind.SCENARIO).first()
    flag(scenario, 0)  # statistics without a flag are not listed

    response = logged_in(trainer).get(reverse("home"))
    page = response.content.decode()
    home = response.context["trainer"]

    assert home.pending_count == 2
    assert [r.pk for r in home.oldest_pending] == [oldest.pk, newest.pk]
    assert [(f.key, f.flagged) for f in home.flagged] == [(written.key, 2)]
    assert reverse("analysis_detail", args=["drills-demo", written.key]) in page
    assert [v.module.slug for v in home.recent_versions] == ["drills-demo"]
    assert reverse("trainer_review", args=[oldest.pk]) in page
    assert "manager-home" not in page


def test_the_header_badge_shows_trainers_the_pending_count(trainer, written, recruit, recruit_client):
    pending_review(written, recruit, days_ago=1)
    pending_review(written, recruit, days_ago=2)
    page = logged_in(trainer).get(reverse("progress")).content.decode()
    link = page.split('data-testid="review-queue-link"')[1].split("</a>")[0]
    assert '<span class="nav-count" aria-hidden="true">2</span>' in link
    assert "review-queue-link" not in recruit_client.get(reverse("progress")).content.decode()


def test_a_manager_lands_on_their_cohorts_and_who_is_behind(tmp_path):
    course = make_course(tmp_path / "content", modules=2)
    manager = make_user("manager@example.com", Role.MANAGER)
    other_manager = make_user("other-manager@example.com", Role.MANAGER)
    cohort = make_cohort(course, [manager], 4, seed=3)
    make_cohort(course, [other_manager], 3, seed=4, email_prefix="elsewhere")
    members = list(CohortMembership.objects.filter(cohort=cohort).values_list("user_id", flat=True))
    today = timezone.localdate()
    Enrolment.objects.filter(user_id__in=members, course=course).update(
        completed_at=timezone.now(), next_due_date=None, last_activity_at=timezone.now()
    )
    late, idle = members[0], members[1]
    Enrolment.objects.filter(user_id=late).update(
        completed_at=None, next_due_date=today - timedelta(days=4), last_activity_at=timezone.now()
    )
    Enrolment.objects.filter(user_id=idle).update(
        completed_at=None, next_due_date=today + timedelta(days=4), last_activity_at=None
    )

    response = logged_in(manager).get(reverse("home"))
    home = response.context["manager"]
    page = response.content.decode()

    assert [c.cohort.pk for c in home.cohorts] == [cohort.pk]
    assert [(b.recruit.pk, b.overdue, b.started) for b in home.behind] == [
        (late, True, True),
        (idle, False, False),
    ]
    assert reverse("manager_recruit", args=[cohort.pk, late]) in page
    assert "elsewhere" not in page  # another manager's recruits are not listed
    assert "trainer-home" not in page
    assert "review-queue-link" not in page


def test_a_staff_admin_sees_both_homes_and_a_recruit_keeps_the_learning_home(
    tmp_path, django_user_model, recruit_client
):
    admin = django_user_model.objects.create_user(email="admin@example.com", password="x", is_staff=True)
    page = logged_in(admin).get(reverse("home")).content.decode()
    assert 'data-testid="trainer-home"' in page
    assert 'data-testid="manager-home"' in page

    page = recruit_client.get(reverse("home")).content.decode()
    assert 'data-testid="continue"' in page
    assert "trainer-home" not in page
    assert "manager-home" not in page


def test_role_home_query_counts_are_pinned_and_flat_with_data(
    tmp_path, trainer, written, recruit, django_user_model
):
    course = make_course(tmp_path / "content", modules=2)
    manager = make_user("manager@example.com", Role.MANAGER)
    admin = django_user_model.objects.create_user(email="admin@example.com", password="x", is_staff=True)
    clients = {"trainer": logged_in(trainer), "manager": logged_in(manager), "staff": logged_in(admin)}
    expected = {"trainer": TRAINER_HOME, "manager": MANAGER_HOME, "staff": STAFF_HOME}

    def counts() -> dict[str, int]:
        return {name: measure(client, reverse("home"))[0] for name, client in clients.items()}

    pending_review(written, recruit, days_ago=1)
    flag(written, 1)
    make_cohort(course, [manager, admin], 2, seed=1)
    assert counts() == expected

    for days in range(2, 9):
        pending_review(written, recruit, days_ago=days)
    for drill in Drill.objects.filter(version=written.version):
        flag(drill, 3)
    make_cohort(course, [manager, admin], 6, seed=2, email_prefix="more")
    make_cohort(course, [manager], 3, seed=5, email_prefix="third")
    Enrolment.objects.update(last_activity_at=None)
    assert counts() == expected
