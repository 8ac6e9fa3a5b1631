"""Fault 5: a poison attempt (its stored question makes the grader raise) is marked error with the reason;
the worker carries on with the others. A staff user finds it in the admin, filtered on status, and retries.
``/health/`` reports the worker's heartbeat meanwhile."""

from __future__ import annotations

import signal

import pytest
from django.urls import reverse

from assessments.models import Attempt, AttemptStatus, QuestionVersion, Response
from tests.faults.conftest import grading_counts, pool_children, submitted_attempts, wait_until

pytestmark = [pytest.mark.services, pytest.mark.worker]


def poison(attempt_id: int) -> QuestionVersion:
    """Point the attempt's answer at a question version whose stored data no grader knows; returns the
    good version."""
    response = Response.objects.select_related("question_version").get(attempt_id=attempt_id)
    good = response.question_version
    bad = QuestionVersion.objects.create(
        question=good.question, content_hash="poison", data={**good.data, "type": "no-such-type"}
    )
    Response.objects.filter(pk=response.pk).update(question_version=bad)
    return good


def test_poison_attempt_is_marked_error_and_the_worker_carries_on(
    private_redis, send_to, workers, recruits, imported, client, django_user_model
):
    from assessments.tasks import grade_attempt

    redis = private_redis(appendonly=False)
    send_to(redis.url)
    users = recruits(5)
    [poisoned] = submitted_attempts(module=imported, users=users[:1], per_user=1, questions=1)
    good = poison(poisoned)
    others = submitted_attempts(module=imported, users=users[1:], per_user=2, questions=1)
    worker = workers(redis.url)
    [child] = pool_children(worker.pid)

    health = client.get(reverse("health")).json()
    assert health["status"] == "ok"
    assert health["redis"] == "ok"
    assert health["workers"]["by_queue"]["grading"] == 1

    for attempt_id in [poisoned, *others]:  # the poison first: the others queue up behind it
        grade_attempt.delay(attempt_id)
    deliveries = 1 + len(others)
    wait_until(lambda: grading_counts(others).get(AttemptStatus.GRADED) == len(others), 30, "others graded")
    wait_until(lambda: worker.log.read_text().count("grade_attempt[") >= 2 * deliveries, 10, "all logged")

    attempt = Attempt.objects.get(pk=poisoned)
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error.startswith("ValueError: question")
    assert "unknown type 'no-such-type'" in attempt.error
    assert pool_children(worker.pid) == [child], "the same pool process went on grading"
    log = worker.log.read_text()
    assert f"grading attempt {poisoned} failed" in log
    assert log.count("grade_attempt[") == 2 * deliveries, "received and finished once each: no retries"

    # The trainer's view: the failed grading, its reason, and the retry action.
    admin = django_user_model.objects.create_superuser(email="admin@example.com", password="pw-admin-123")
    client.force_login(admin)
    changelist = reverse("admin:assessments_attempt_changelist")
    page = client.get(changelist, {"status__exact": AttemptStatus.ERROR}).content.decode()
    assert "unknown type" in page
    assert 'value="retry_grading"' in page
    Response.objects.filter(attempt_id=poisoned).update(question_version=good)  # the trainer fixed the key
    response = client.post(changelist, {"action": "retry_grading", "_selected_action": [poisoned]})
    assert response.status_code == 302
    wait_until(
        lambda: Attempt.objects.get(pk=poisoned).status == AttemptStatus.GRADED, 30, "retried and graded"
    )
    assert Attempt.objects.get(pk=poisoned).error == ""

    worker.stop(signal.SIGTERM)  # a clean stop takes the worker's heartbeat away at once
    health = client.get(reverse("health")).json()
    assert health["status"] == "degraded"
    assert health["workers"]["alive"] == 0
