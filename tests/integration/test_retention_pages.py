"""Spaced review pages: pinned query counts that do not grow with cards or recruits, and the managers'
recall page scoped to the cohorts they manage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from assessments.models import QuestionVersion
from courses.models import Cohort, CohortMembership, Course
from retention import scheduling, services
from retention.models import ReviewCard
from tests.integration.test_retention import make_due, pass_module, right_post, serve

pytestmark = pytest.mark.django_db(transaction=True)

# page -> queries, session and user (2) included. A change here must be a deliberate one.
RECRUIT_PINNED = {
    "review_home": 7,  # review_plan: cards, review days, open card, tracks' size, answered today
    "review_served": 3,  # the answer joined to its question version, card and module
    "review_graded": 8,  # + review_plan (5), for the "next card" button
    "review_status": 8,
}
MANAGER_PINNED = 7  # cohort (scoped), stored cohort recall, member count, member page, their summaries


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def recruit_counts(client, served, graded) -> dict[str, int]:
    return {
        "review_home": count(client, reverse("review_home")),
        "review_served": count(client, reverse("review_answer", args=[served.public_id])),
        "review_graded": count(client, reverse("review_answer", args=[graded.public_id])),
        "review_status": count(client, reverse("review_answer_status", args=[graded.public_id])),
    }


def extra_cards(user, n: int) -> None:
    """``n`` more cards for ``user`` on fresh questions of the same module (reviewed, some due)."""
    from assessments.models import Question

    template = ReviewCard.objects.filter(user=user).first()
    version = QuestionVersion.objects.get(pk=template.question_version_id)
    now = timezone.now()
    for i in range(n):
        question = Question.objects.create(module_id=template.module_id, key=f"extra-{user.pk}-{i}")
        copy = QuestionVersion.objects.create(question=question, content_hash=f"x{i}", data=version.data)
        ReviewCard.objects.create(
            user=user,
            question=question,
            question_version=copy,
            module_id=template.module_id,
            skill_area=template.skill_area,
            state=2,
            stability=3.0 + i,
            difficulty=5.0,
            due=now - timedelta(days=i % 3),
            last_review=now - timedelta(days=4),
        )


def test_review_page_query_counts_are_pinned_and_do_not_grow(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    make_due(recruit)
    graded = serve(recruit_client)
    recruit_client.post(reverse("review_answer", args=[graded.public_id]), right_post(graded))
    served = serve(recruit_client)
    before = recruit_counts(recruit_client, served, graded)
    assert before == RECRUIT_PINNED
    extra_cards(recruit, 40)
    assert recruit_counts(recruit_client, served, graded) == before


def _cohort(manager: User, course: Course, recruits: list[User]) -> Cohort:
    cohort = Cohort.objects.create(name=f"批次 {manager.pk}", course=course, start_date=timezone.localdate())
    cohort.managers.add(manager)
    CohortMembership.objects.bulk_create([CohortMembership(cohort=cohort, user=r) for r in recruits])
    return cohort


def _recruits_with_cards(prefix: str, n: int, version: QuestionVersion, module) -> list[User]:
    users = [User.objects.create_user(email=f"{prefix}{i}@example.com", password="!") for i in range(n)]
    now = timezone.now()
    first = scheduling.new_card(now=now - timedelta(days=10))
    ReviewCard.objects.bulk_create(
        [
            ReviewCard(
                user=u,
                question_id=version.question_id,
                question_version=version,
                module=module,
                skill_area=module.skill_area,
                state=first.state,
                stability=first.stability,
                difficulty=first.difficulty,
                due=first.due,
                last_review=first.last_review,
            )
            for u in users
        ]
    )
    return users


def test_the_recall_page_is_pinned_scoped_and_shows_stored_recall(client, imported):
    course = Course.objects.create(slug="recall-track", title="记忆路径", level="junior")
    version = QuestionVersion.objects.filter(question__module=imported).first()
    manager = User.objects.create_user(email="m@example.com", password="!", role=Role.MANAGER)
    other_manager = User.objects.create_user(email="m2@example.com", password="!", role=Role.MANAGER)
    small = _cohort(manager, course, _recruits_with_cards("s", 3, version, imported))
    large = _cohort(manager, course, _recruits_with_cards("l", 60, version, imported))
    services.recall_refresh_all()
    client.force_login(manager)
    urls = [reverse("manager_cohort_recall", args=[c.pk]) for c in (small, large)]
    assert [count(client, url) for url in urls] == [MANAGER_PINNED, MANAGER_PINNED]
    page = client.get(urls[1]).content.decode()
    expected = scheduling.retrievability(
        scheduling.new_card(now=timezone.now() - timedelta(days=10)), at=timezone.now()
    )
    assert f"{round(expected * 100)}%" in page
    assert 'data-testid="cohort-recall"' in page
    assert page.count('<th scope="row">') == 50  # one page of recruits
    assert count(client, urls[1] + "?page=2") == MANAGER_PINNED

    client.force_login(other_manager)
    assert client.get(urls[0]).status_code == 404
    client.force_login(User.objects.get(email="s0@example.com"))
    assert client.get(urls[0]).status_code == 404


def test_the_cohort_figures_before_the_first_nightly_run_say_so(client, imported):
    course = Course.objects.create(slug="recall-track", title="记忆路径", level="junior")
    manager = User.objects.create_user(email="m@example.com", password="!", role=Role.MANAGER)
    cohort = _cohort(manager, course, [])
    client.force_login(manager)
    page = client.get(reverse("manager_cohort_recall", args=[cohort.pk])).content.decode()
    assert 'data-testid="cohort-recall"' not in page
    assert "No recruits" in page or "还没有" in page
