"""One recruit's page (profile, progress, skill areas, certificates, every attempt and its review) and the
side-by-side comparison of 2–5 recruits, each in a fixed number of queries."""

from __future__ import annotations

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments.models import Attempt, AttemptStatus
from certificates.models import Certificate
from courses import manager_services
from courses.models import CohortMembership, Course, CourseModule, Level
from tests.integration.test_manager_helpers import logged_in, make_cohort, make_course, make_user
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = pytest.mark.django_db(transaction=True)

RECRUIT_QUERIES = 9
COMPARE_QUERIES = 6


@pytest.fixture
def manager(db):
    return make_user("manager@example.com", Role.MANAGER)


@pytest.fixture
def demo_cohort(imported, manager, recruit, recruit_client):
    """A cohort on a course of the demo module, its recruit having passed the demo quiz through the site."""
    course = Course.objects.create(
        slug="demo-course", title="演示课程", title_en="Demo course", level=Level.JUNIOR
    )
    CourseModule.objects.create(course=course, module=imported, position=0, due_days=7)
    cohort = manager_services.cohort_create(
        acting_user=manager, name="演示批次", course=course, start_date=timezone.localdate()
    )
    manager_services.cohort_join(cohort=cohort, user=recruit)
    attempt = start_attempt(recruit_client, imported)
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    Certificate.objects.create(user=recruit, course=course, level=Level.JUNIOR)
    return cohort


def get(client, url: str, status: int = 200) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status, (url, response.status_code)
    return unescape(response.content.decode())


def test_the_recruit_page_shows_progress_skills_certificates_and_every_attempt(demo_cohort, manager, recruit):
    client = logged_in(manager)
    html = get(client, reverse("manager_recruit", args=[demo_cohort.pk, recruit.pk]))
    assert recruit.email in html
    assert 'data-testid="recruit-percent">100%' in html
    assert "Fundamentals" in html  # the skill area
    assert "chart-type-bars" in html
    assert 'data-testid="certificates"' in html
    assert "Demo course" in html
    attempt = Attempt.objects.get(user=recruit)
    link = reverse("manager_attempt", args=[demo_cohort.pk, attempt.pk])
    assert link in html
    assert "100.00%" in html


def test_the_attempt_page_renders_the_review_of_the_graded_quiz(demo_cohort, manager, recruit):
    attempt = Attempt.objects.get(user=recruit)
    assert attempt.status == AttemptStatus.GRADED
    html = get(logged_in(manager), reverse("manager_attempt", args=[demo_cohort.pk, attempt.pk]))
    assert 'data-testid="score">100.00%' in html
    assert "因共同兴趣聚在一起" in html  # a question's choice, with the review around it
    assert "correct answer" in html


def test_an_open_attempt_shows_no_answers(demo_cohort, manager, recruit, recruit_client, imported):
    attempt = start_attempt(recruit_client, imported)
    html = get(logged_in(manager), reverse("manager_attempt", args=[demo_cohort.pk, attempt.pk]))
    assert "not graded yet" in html
    assert "correct answer" not in html


def test_a_graded_attempt_shows_the_recruits_review_with_the_correct_answers(demo_cohort, manager, recruit):
    attempt = Attempt.objects.get(user=recruit)
    html = get(logged_in(manager), reverse("manager_attempt", args=[demo_cohort.pk, attempt.pk]))
    positions = sorted(attempt.responses.values_list("position", flat=True))
    assert positions
    assert all(f'data-testid="review-{p}"' in html for p in positions)
    assert "correct answer" in html  # a manager reviews the work: the key is shown, as to staff
    assert "Your answer" not in html  # and the page speaks about the recruit, not to them
    assert "(their answer)" in html


@pytest.fixture
def synthetic(tmp_path, manager):
    course = make_course(tmp_path / "content", modules=4)
    return make_cohort(course, [manager], 12, seed=4, email_prefix="syn")


def members(cohort) -> list[int]:
    return list(
        CohortMembership.objects.filter(cohort=cohort).order_by("user_id").values_list("user_id", flat=True)
    )


def test_the_recruit_pages_query_count_does_not_grow_with_history(synthetic, manager):
    client = logged_in(manager)
    counts = []
    by_attempts = sorted(members(synthetic), key=lambda uid: Attempt.objects.filter(user_id=uid).count())
    for uid in (by_attempts[0], by_attempts[-1]):
        with CaptureQueriesContext(connection) as ctx:
            get(client, reverse("manager_recruit", args=[synthetic.pk, uid]))
        counts.append(len(ctx.captured_queries))
    assert (
        Attempt.objects.filter(user_id=by_attempts[-1]).count()
        > Attempt.objects.filter(user_id=by_attempts[0]).count()
    )
    assert counts == [RECRUIT_QUERIES, RECRUIT_QUERIES]


def test_two_to_five_recruits_compare_side_by_side(synthetic, manager):
    client = logged_in(manager)
    ids = members(synthetic)
    url = reverse("manager_compare", args=[synthetic.pk])
    counts = []
    for n in (2, 5):
        query = "&".join(f"recruit={i}" for i in ids[:n])
        with CaptureQueriesContext(connection) as ctx:
            html = get(client, f"{url}?{query}")
        counts.append(len(ctx.captured_queries))
        assert "chart-type-grouped" in html
        table = html.split('data-testid="compare-table"')[1].split("</table>")[0]
        assert table.count("manager/cohorts/") == n  # one column per recruit, linked
        assert "Community management" in table
    assert counts == [COMPARE_QUERIES, COMPARE_QUERIES]


def test_one_or_more_than_five_recruits_get_a_clear_message(synthetic, manager):
    client = logged_in(manager)
    ids = members(synthetic)
    url = reverse("manager_compare", args=[synthetic.pk])
    for chosen in ([], ids[:1], ids[:6], [ids[0], ids[0]]):
        html = get(client, f"{url}?{'&'.join(f'recruit={i}' for i in chosen)}", status=400)
        assert "Choose between 2 and 5 recruits to compare" in html
    assert get(client, f"{url}?recruit={ids[0]}&recruit=abc", status=404)
    outsider = make_user("outsider@example.com")
    assert get(client, f"{url}?recruit={ids[0]}&recruit={outsider.pk}", status=404)


def test_the_overview_links_recruits_and_offers_the_comparison(synthetic, manager):
    html = get(logged_in(manager), reverse("manager_cohort", args=[synthetic.pk]))
    uid = members(synthetic)[0]
    assert reverse("manager_recruit", args=[synthetic.pk, uid]) in html
    assert f'name="recruit" value="{uid}" form="compare-form"' in html
    assert reverse("manager_compare", args=[synthetic.pk]) in html


def test_a_recruit_with_no_graded_work_is_not_told_there_is_nothing_to_improve(imported, manager, recruit):
    course = Course.objects.create(
        slug="fresh-course", title="新课程", title_en="Fresh course", level=Level.JUNIOR
    )
    CourseModule.objects.create(course=course, module=imported, position=0, due_days=7)
    cohort = manager_services.cohort_create(
        acting_user=manager, name="新批次", course=course, start_date=timezone.localdate()
    )
    manager_services.cohort_join(cohort=cohort, user=recruit)
    client = logged_in(manager)
    html = get(client, reverse("manager_recruit", args=[cohort.pk, recruit.pk]))
    assert "Nothing to compare yet" in html
    assert "None yet." not in html
    response = client.get(
        reverse("manager_recruit", args=[cohort.pk, recruit.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    zh = unescape(response.content.decode())
    assert "有待提高" not in zh
    assert "暂无" not in zh
