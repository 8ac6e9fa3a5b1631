"""Every drill kind submitted through the web is graded by a real celery worker process, not in-process."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.grading import evaluate
from assessments.models import Attempt, AttemptStatus
from tests.conftest import wait_for
from tests.integration.test_drills import GOOD, choose, start

pytestmark = [pytest.mark.services, pytest.mark.worker]


def _settled(attempt: Attempt, status: str) -> Attempt:
    return wait_for(lambda: Attempt.objects.filter(pk=attempt.pk, status=status).first(), timeout=60)


def test_each_drill_kind_is_graded_by_the_worker(celery_worker_process, client, recruit, drill_module):
    client.force_login(recruit)

    scenario = start(client, drill_module, "angry-member")
    choose(client, scenario, 0)
    choose(client, scenario, 0)
    assert Attempt.objects.get(pk=scenario.pk).status == AttemptStatus.SUBMITTED  # queued, not graded here

    data = start(client, drill_module, "community-report")
    answers = {
        f"q{r.position}": str(evaluate(r.question_version.data["expr"], data.state["dataset"]))
        for r in data.responses.select_related("question_version")
    }
    client.post(reverse("attempt_submit", args=[data.pk]), answers)

    written = start(client, drill_module, "apology-reviewed")
    client.post(reverse("attempt_submit", args=[written.pk]), {"text": GOOD})

    assert _settled(scenario, AttemptStatus.GRADED).percent == 100
    assert _settled(data, AttemptStatus.GRADED).percent == 100
    reviewed = _settled(written, AttemptStatus.NEEDS_REVIEW)
    assert reviewed.review.reasons == ["always"]
    log = wait_for(
        lambda: (t := celery_worker_process.log.read_text()).count("succeeded") >= 3 and t, timeout=30
    )
    assert log.count("assessments.tasks.grade_attempt[") >= 3
    page = client.get(reverse("attempt_status", args=[scenario.pk])).content.decode()
    assert 'data-testid="scenario-review"' in page
