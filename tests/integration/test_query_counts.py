"""Every page runs a fixed number of queries: pinned here, and the same with more modules and history."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.authoring.lint import rule_of
from courses.authoring.loader import load_tree
from courses.services import content_import, lesson_mark_read
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = pytest.mark.django_db(transaction=True)

REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"

# page name -> queries, the session and user lookups (2) included. A change here must be a deliberate one.
PINNED = {
    # enrolments, progress, attempts ×3, next step ×5, skills, certificates, checklists, defence, session,
    # user; the daily review box: cards, review days, open card, tracks' size, answered today
    "home": 22,
    "tracks": 4,
    "track": 8,
    "catalogue": 4,
    "module": 9,  # lessons, quizzes, drills, progress, reads, prerequisites… + the passed module's rating
    # A passed result asks for a rating of the module: + the progress row with "rated" (evaluation app).
    "lesson": 6,
    "quiz": 7,  # + the recertification cycle (attempts allowed again when renewing)
    "attempt_open": 4,
    "attempt_graded": 5,
    "status": 5,
    "progress": 6,  # + enrolments and skill areas
    "health": 1,
}


def page_urls(client, module) -> dict[str, str]:
    lesson_key = module.current_version.lessons.order_by("position").first().key
    open_attempt = start_attempt(client, module)
    client.post(reverse("attempt_submit", args=[open_attempt.pk]), correct_answers(open_attempt))
    graded = open_attempt
    second = start_attempt(client, module)
    from courses.models import Course, CourseModule, Module
    from courses.services import enrolment_start

    course, _ = Course.objects.get_or_create(
        slug="qc-track", defaults={"title": "查询计数路径", "level": "junior"}
    )
    CourseModule.objects.get_or_create(course=course, module=module, defaults={"position": 0, "due_days": 3})
    # A second, unfinished module: the home page then has a next step to find, at every data size.
    other = Module.objects.exclude(pk=module.pk).first()
    CourseModule.objects.get_or_create(course=course, module=other, defaults={"position": 1, "due_days": 5})
    enrolment_start(user=second.user, course=course)
    return {
        "home": reverse("home"),
        "tracks": reverse("course_list"),
        "track": reverse("course_detail", args=[course.slug]),
        "catalogue": reverse("catalogue"),
        "module": reverse("module_detail", args=[module.slug]),
        "lesson": reverse("lesson_detail", args=[module.slug, lesson_key]),
        "quiz": reverse("quiz_detail", args=[module.slug, "basics-quiz"]),
        "attempt_open": reverse("attempt_detail", args=[second.pk]),
        "attempt_graded": reverse("attempt_detail", args=[graded.pk]),
        "status": reverse("attempt_status", args=[graded.pk]),
        "progress": reverse("progress"),
        "health": reverse("health"),
    }


def measure(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(ctx.captured_queries)
    return counts


def test_page_query_counts_are_pinned(recruit_client, recruit, imported):
    urls = page_urls(recruit_client, imported)
    assert measure(recruit_client, urls) == PINNED


def test_page_query_counts_do_not_grow_with_data(recruit_client, recruit, imported):
    urls = page_urls(recruit_client, imported)
    before = measure(recruit_client, urls)
    tree = load_tree(REAL_CONTENT)
    # Item quality is the curriculum's own test (tests/unit/content); here only the volume matters.
    tree.messages = [m for m in tree.messages if not rule_of(m)]
    assert not tree.errors
    content_import(tree=tree)
    for module in tree.modules:
        from courses.models import Module

        m = Module.objects.get(slug=module.slug)
        for lesson in m.current_version.lessons.all()[:2]:
            lesson_mark_read(user=recruit, module=m, lesson_key=lesson.key)
    from courses.models import Course
    from courses.services import enrolment_start

    for course in Course.objects.exclude(slug="qc-track"):
        enrolment_start(user=recruit, course=course)
    for _ in range(2):
        attempt = start_attempt(recruit_client, imported)
        recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    # The loop submitted the open attempt (start_attempt returns it): measure a new open one.
    urls["attempt_open"] = reverse("attempt_detail", args=[start_attempt(recruit_client, imported).pk])
    after = measure(recruit_client, urls)
    assert after == before


ANONYMOUS_PINNED = {
    "home": 1,  # the catalogue for visitors
    "course_list": 1,
    "account_login": 0,
    "account_signup": 0,
    "account_reset_password": 0,
    "health": 1,
    "health_live": 0,  # the benchmarks' trivial view: no database, no Redis
}


def test_account_pages_query_counts_are_pinned(client):
    urls = {name: reverse(name) for name in ANONYMOUS_PINNED}
    assert measure(client, urls) == ANONYMOUS_PINNED


def test_the_liveness_probe_answers_without_redis_or_the_database(client, settings, monkeypatch):
    from trainingsite import views

    def unreachable(*args, **kwargs):
        raise AssertionError("the liveness probe must not ask the broker")

    monkeypatch.setattr(views, "broker_status", unreachable)
    response = client.get(reverse("health_live"))
    assert response.status_code == 200
    assert response.content == b"ok"
