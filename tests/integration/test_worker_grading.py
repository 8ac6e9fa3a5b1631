"""A quiz submitted through the web view is graded by a separate celery worker process over real Redis."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Attempt, AttemptStatus
from tests.conftest import wait_for
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = [pytest.mark.services, pytest.mark.worker]


def test_submitted_quiz_is_graded_by_the_worker_process(celery_worker_process, client, recruit, imported):
    client.force_login(recruit)
    attempt = start_attempt(client, imported)
    response = client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    assert response.status_code == 302
    # Not graded in this process: the row is still "submitted" right after the request returns.
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.SUBMITTED

    graded = wait_for(
        lambda: Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADED).first(), timeout=60
    )
    assert graded.percent == 100
    # The worker logs the task's success after its commit and on-commit sends: wait for the line.
    log = wait_for(
        lambda: (text := celery_worker_process.log.read_text()) and "succeeded" in text and text, timeout=30
    )
    assert "assessments.tasks.grade_attempt[" in log
    page = client.get(reverse("attempt_status", args=[attempt.pk])).content.decode()
    assert "100.00%" in page
    assert "hx-trigger" not in page


def test_confidence_based_marks_are_computed_by_the_worker_process(
    celery_worker_process, client, recruit, imported
):
    from assessments.models import Quiz, Response

    quiz = Quiz.objects.get(version=imported.current_version, key="basics-quiz")
    quiz.settings = {**quiz.settings, "confidence": True}
    quiz.save(update_fields=["settings"])
    client.force_login(recruit)
    attempt = start_attempt(client, imported)
    post = correct_answers(attempt)
    post.update({f"c{position}": "high" for position in attempt.responses.values_list("position", flat=True)})
    assert client.post(reverse("attempt_submit", args=[attempt.pk]), post).status_code == 302
    assert Attempt.objects.get(pk=attempt.pk).cbm_average is None  # graded elsewhere, not in the request

    graded = wait_for(
        lambda: Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADED).first(), timeout=60
    )
    # Every answer right at high confidence: three times the points each, an average of 3.
    assert graded.percent == 100
    assert graded.cbm_average == 3
    assert graded.confident_answers == graded.responses.count()
    assert graded.confidently_wrong == 0
    for response in Response.objects.filter(attempt=graded):
        assert response.cbm_mark == 3 * response.max_score
