"""Bad input on PostgreSQL: a NUL character anywhere a recruit or trainer types text gets a clear message and
changes nothing (PostgreSQL refuses NUL in text and jsonb: it used to be a 500); locked modules stay locked
for every method."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import drill_services
from assessments.models import AttemptStatus, DrillReview, Response
from courses.models import LessonRead
from tests.integration.test_attempt_secrecy import by_type
from tests.integration.test_attempt_secrecy import start as start_quiz
from tests.integration.test_drills import GOOD
from tests.integration.test_drills import start as start_drill
from trainingsite.text import has_nul

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("require_postgres")]

NUL_MESSAGE = "contains a NUL character"


@pytest.mark.parametrize("url_name", ["attempt_autosave", "attempt_submit"])
def test_a_nul_in_a_quiz_answer_is_refused_with_a_message(recruit_client, imported, url_name):
    attempt = start_quiz(recruit_client, imported)
    short = by_type(attempt)["short"]
    response = recruit_client.post(
        reverse(url_name, args=[attempt.pk]), {f"q{short.position}": "答\x00案"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert Response.objects.get(pk=short.pk).answer is None


@pytest.mark.parametrize("url_name", ["written_autosave", "attempt_submit"])
def test_a_nul_in_a_written_response_is_refused_with_a_message(recruit_client, drill_module, url_name):
    attempt = start_drill(recruit_client, drill_module, "apology")
    response = recruit_client.post(
        reverse(url_name, args=[attempt.pk]),
        {"text": GOOD + "\x00", "pasted_chars": 0},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert "text" not in attempt.state or not has_nul(attempt.state["text"])


def test_a_nul_in_a_reviewers_comment_is_refused(recruit_client, drill_module, trainer):
    attempt = start_drill(recruit_client, drill_module, "apology")
    with pytest.raises(drill_services.DrillError, match="NUL"):
        drill_services.review_decide(
            review=DrillReview(attempt=attempt),
            scores={},
            comments={"c1": "好\x00"},
            comment="",
            acting_user=trainer,
        )
    assert not DrillReview.objects.exists()


def test_posting_read_on_a_locked_lesson_records_nothing(recruit_client, recruit, drill_module, imported):
    version = drill_module.current_version
    version.prerequisites = [imported.slug]
    version.save(update_fields=["prerequisites"])
    response = recruit_client.post(reverse("lesson_mark_read", args=[drill_module.slug, "before"]))
    assert response.status_code == 302
    assert response.url == reverse("module_detail", args=[drill_module.slug])
    assert not LessonRead.objects.filter(user=recruit).exists()
