"""A review answer is graded by a real celery worker process on the grading queue, and a duplicate delivery
changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from retention.models import AnswerStatus, ReviewAnswer, ReviewCard
from retention.tasks import grade_review_answer
from tests.conftest import wait_for
from tests.integration.test_retention import card_state, make_due, right_post, serve

pytestmark = [pytest.mark.services, pytest.mark.worker]


def succeeded(worker) -> int:
    lines = worker.log.read_text().splitlines()
    return sum(1 for line in lines if "retention.tasks.grade_review_answer[" in line and "succeeded" in line)


def test_a_review_answer_is_graded_by_the_worker_once(celery_worker_process, client, recruit, imported):
    from tests.integration.test_quiz_flow import correct_answers, start_attempt

    client.force_login(recruit)
    attempt = start_attempt(client, imported)
    client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    # The module's pass queues the cards (notifications queue) after the grading commits, in the worker.
    wait_for(lambda: ReviewCard.objects.filter(user=recruit).count() == 3, timeout=60)
    make_due(recruit)
    answer = serve(client)
    client.post(reverse("review_answer", args=[answer.public_id]), right_post(answer))
    assert ReviewAnswer.objects.get(pk=answer.pk).status == AnswerStatus.SUBMITTED  # queued, not graded here
    page = client.get(reverse("review_answer_status", args=[answer.public_id])).content.decode()
    assert "hx-trigger" in page  # the page polls while the worker grades

    graded = wait_for(
        lambda: ReviewAnswer.objects.filter(pk=answer.pk, status=AnswerStatus.GRADED).first(), timeout=60
    )
    assert graded.correct is True
    state = card_state(answer.card_id)
    grade_review_answer.delay(answer.pk)  # a duplicate delivery
    wait_for(lambda: succeeded(celery_worker_process) >= 2, timeout=30)
    assert card_state(answer.card_id) == state
    assert ReviewAnswer.objects.get(pk=answer.pk).graded_at == graded.graded_at
    result = client.get(reverse("review_answer_status", args=[answer.public_id])).content.decode()
    assert 'data-testid="review-result"' in result
