"""A recruit does a daily review in Chromium, and a manager reads the cohort's predicted recall: desktop and
phone, Chinese and English, axe-core without critical or serious findings, no sideways scroll on a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.utils import timezone

from accounts.models import Role, User
from assessments.masking import token_for
from courses.models import Cohort, CohortMembership, Course, Level
from retention import services
from retention.models import AnswerStatus, ReviewAnswer, ReviewCard
from tests.e2e.conftest import shot
from tests.e2e.test_accessibility import BLOCKING, SIDEWAYS_JS
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = [("desktop", "zh-hans"), ("phone", "en"), ("desktop", "en"), ("phone", "zh-hans")]


def _blocking(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['impact']} {v['id']}: {' '.join(v['nodes'][0]['target'])}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def _passed_with_due_cards(recruit, imported) -> None:
    client = Client()
    client.force_login(recruit)
    attempt = start_attempt(client, imported)
    client.post(f"/attempts/{attempt.pk}/submit/", correct_answers(attempt))
    assert ReviewCard.objects.filter(user=recruit).count() == 3
    ReviewCard.objects.filter(user=recruit).update(due=timezone.now() - timedelta(hours=1))


@pytest.mark.parametrize(("device", "language"), CASES)
def test_a_recruit_does_a_daily_review(signed_in_as, live_server, recruit, imported, device, language):
    _passed_with_due_cards(recruit, imported)
    page = signed_in_as(recruit, device=device, language=language)
    page.goto(live_server.url + "/")
    box = page.get_by_test_id("review-box")
    assert box.is_visible()
    shot(page, f"review-home-{device}-{language}")
    box.locator("button[type=submit]").click()
    page.wait_for_url("**/review/*-*/")
    answer = ReviewAnswer.objects.get(user=recruit, status=AnswerStatus.SERVED)
    data = answer.question_version.data
    assert not _blocking(page), _blocking(page)
    assert page.evaluate(SIDEWAYS_JS)
    shot(page, f"review-card-{device}-{language}")
    for choice in data["choices"]:
        if choice["correct"]:
            page.locator(f'input[value="{token_for(answer, choice["id"])}"]').check()
    page.locator(".sticky-submit button[type=submit]").click()
    page.get_by_test_id("review-result").wait_for()
    answer.refresh_from_db()
    assert (answer.status, answer.correct) == (AnswerStatus.GRADED, True)
    assert page.get_by_test_id("review-next-due").is_visible()
    assert not _blocking(page), _blocking(page)
    assert page.evaluate(SIDEWAYS_JS)
    shot(page, f"review-result-{device}-{language}")
    page.get_by_test_id("review-next").click()
    page.wait_for_url("**/review/*-*/")
    assert ReviewAnswer.objects.filter(user=recruit).count() == 2
    page.goto(live_server.url + "/review/")
    assert page.get_by_test_id("review-streak-days").inner_text() == "1"
    assert not _blocking(page), _blocking(page)
    shot(page, f"review-page-{device}-{language}")


@pytest.mark.parametrize(("device", "language"), CASES[:2])
def test_a_manager_reads_predicted_recall(
    signed_in_as, live_server, recruit, other_recruit, imported, device, language
):
    _passed_with_due_cards(recruit, imported)
    ReviewCard.objects.filter(user=recruit).update(last_review=timezone.now() - timedelta(days=20))
    course = Course.objects.create(
        slug="recall-e2e", title="记忆路径", title_en="Recall track", level=Level.JUNIOR
    )
    manager = User.objects.create_user(email="manager@example.com", password="!", role=Role.MANAGER)
    cohort = Cohort.objects.create(name="冬季批次", course=course, start_date=timezone.localdate())
    cohort.managers.add(manager)
    CohortMembership.objects.bulk_create(
        [CohortMembership(cohort=cohort, user=u) for u in (recruit, other_recruit)]
    )
    services.recall_refresh_all()
    page = signed_in_as(manager, device=device, language=language)
    page.goto(live_server.url + f"/manager/cohorts/{cohort.pk}/recall/")
    assert page.get_by_test_id("cohort-recall").is_visible()
    assert page.get_by_test_id("recall-table").locator("tbody tr").count() == 2
    assert not _blocking(page), _blocking(page)
    assert page.evaluate(SIDEWAYS_JS)
    shot(page, f"recall-{device}-{language}")
