"""A trainer regrades a corrected question and watches the progress, then overrides one answer with a reason
that the recruit then sees on their review page."""

from __future__ import annotations

import shutil

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from assessments.models import Question, QuestionVersion, RegradeJob, RegradeStatus
from courses.authoring.loader import load_tree
from courses.models import Module
from courses.services import content_import
from tests.conftest import FIXTURE_CONTENT
from tests.e2e.conftest import shot
from tests.integration.test_regrade import (
    WRONG_UNDER_OLD_KEY,
    correct_the_definition_key,
    definition_response,
    take_quiz,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def browser_page(browser, live_server, user, language="zh-hans"):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
            {"name": "django_language", "value": language, "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_trainer_regrades_with_progress_and_overrides_with_a_reason(
    browser, live_server, tmp_path, recruit, django_user_model
):
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    content_import(tree=load_tree(root))
    module = Module.objects.get(slug="demo-basics")
    client = Client()
    client.force_login(recruit)
    attempt = take_quiz(client, module, definition=WRONG_UNDER_OLD_KEY, kpis=True, true_false=False)
    correct_the_definition_key(root)
    question = Question.objects.get(module=module, key="q-definition")
    trainer = django_user_model.objects.create_user(
        email="trainer@example.com", password="pw-trainer-123", role=Role.TRAINER
    )
    context, page = browser_page(browser, live_server, trainer, language="en")

    page.goto(f"{live_server.url}{reverse('trainer_questions')}")
    page.click(f"a[href='{reverse('trainer_regrade', args=[question.pk])}']")
    assert "Regrade 1 attempt" in page.locator("main").inner_text()
    shot(page, "trainer-regrade-confirm-en")

    # A job that is queued but not yet run: the page polls until the worker has done it.
    from assessments.services import regrade_job_run

    job = RegradeJob.objects.create(
        question=question,
        to_version=QuestionVersion.objects.filter(question=question).latest("pk"),
        reason="The key marked the wrong option",
        total=1,
        created_by=trainer,
    )
    page.goto(f"{live_server.url}{reverse('trainer_regrade_job', args=[job.pk])}")
    assert page.locator("#regrade-progress").get_attribute("data-status") == "pending"
    regrade_job_run(job_id=job.pk)
    page.wait_for_selector("#regrade-progress[data-status=done]")
    assert "1 of 1 attempts regraded" in page.locator("#regrade-progress").inner_text()
    shot(page, "trainer-regrade-done-en")
    assert RegradeJob.objects.get(pk=job.pk).status == RegradeStatus.DONE

    page.goto(f"{live_server.url}{reverse('trainer_attempts')}?email=recruit")
    page.click(f"a[href='{reverse('trainer_attempt', args=[attempt.pk])}']")
    answer = definition_response(attempt)
    form = page.locator(f"[data-testid=override-{answer.position}]")
    form.get_by_label("New score").fill("0.5")
    form.get_by_label("Reason").fill("两种理解都说得通，给一半分")
    form.get_by_role("button").click()
    page.wait_for_selector(".msg")
    assert "两种理解都说得通，给一半分" in page.locator("[data-testid=score-changes]").inner_text()
    shot(page, "trainer-override-en")
    context.close()

    context, page = browser_page(browser, live_server, recruit)
    page.goto(f"{live_server.url}{reverse('attempt_detail', args=[attempt.pk])}")
    note = page.locator("[data-testid=override-note]")
    assert "两种理解都说得通，给一半分" in note.inner_text()
    shot(page, "recruit-sees-override-zh")
    context.close()
