"""The quiz page states why a new attempt cannot start, and the start service refuses for the same reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Attempt, Quiz
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = pytest.mark.django_db(transaction=True)


def limit_attempts(module, **settings) -> None:
    quiz = Quiz.objects.get(version=module.current_version, key="basics-quiz")
    quiz.settings = {**quiz.settings, **settings}
    quiz.save(update_fields=["settings"])


def test_used_up_attempts_hide_the_start_button_and_refuse_a_post(recruit_client, imported):
    limit_attempts(imported, attempts_allowed=1)
    attempt = start_attempt(recruit_client, imported)
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    url = reverse("quiz_detail", args=[imported.slug, "basics-quiz"])
    page = recruit_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have used all 1 attempts allowed." in page
    assert "Start the quiz" not in page
    response = recruit_client.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert Attempt.objects.count() == 1


def test_wait_between_attempts_is_stated(recruit_client, imported):
    limit_attempts(imported, wait_minutes=30)
    attempt = start_attempt(recruit_client, imported)
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    url = reverse("quiz_detail", args=[imported.slug, "basics-quiz"])
    page = recruit_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Please wait 30 minutes between attempts." in page
    recruit_client.post(url)
    assert Attempt.objects.count() == 1


def test_open_attempt_is_continued_not_refused(recruit_client, imported):
    limit_attempts(imported, attempts_allowed=1)
    first = start_attempt(recruit_client, imported)
    page = recruit_client.get(
        reverse("quiz_detail", args=[imported.slug, "basics-quiz"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Continue the attempt" in page
    assert start_attempt(recruit_client, imported).pk == first.pk
