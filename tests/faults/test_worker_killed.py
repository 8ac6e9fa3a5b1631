"""Fault 1: a worker is SIGKILLed in the middle of grading; the attempt is graded exactly once afterwards.

The worker loads ``tests/faults/grading_delay.py`` (``grading_delay_s``), which holds the row lock inside the
grading transaction, everything written but nothing committed, so the kill lands mid-grading for certain.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from assessments.models import Attempt, AttemptStatus
from courses.models import ModuleProgress
from tests.faults.conftest import pool_children, submitted_attempts, wait_until

pytestmark = [pytest.mark.services, pytest.mark.worker]


def tries(attempt_id: int) -> int:
    return Attempt.objects.get(pk=attempt_id).grading_tries


def assert_graded_once(attempt_id: int, user, *logs: str) -> None:
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.percent == 100
    assert attempt.grading_tries == 2, "one start cut off by the kill, one that finished"
    assert sum(log.count(f"attempt {attempt_id} graded:") for log in logs) == 1
    assert ModuleProgress.objects.get(user=user).quiz_attempts == 1


def test_killed_pool_process_mid_grading_is_redelivered_and_graded_once(
    private_redis, send_to, workers, recruits, imported
):
    from assessments.tasks import grade_attempt

    redis = private_redis(appendonly=False)
    send_to(redis.url)
    [user] = recruits(1)
    [attempt_id] = submitted_attempts(module=imported, users=[user], per_user=1)
    worker = workers(redis.url, grading_delay_s=2)
    [child] = pool_children(worker.pid)

    grade_attempt.delay(attempt_id)
    wait_until(lambda: tries(attempt_id) == 1, 20, "grading started")
    time.sleep(0.3)  # inside the grading transaction, in the test-only pause
    os.kill(child, signal.SIGKILL)

    wait_until(lambda: f"attempt {attempt_id} graded:" in worker.log.read_text(), 30, "regraded")
    log = worker.log.read_text()
    assert "WorkerLostError" in log, "the worker saw its pool process die and put the message back"
    assert child not in pool_children(worker.pid), "a fresh pool process did the second grading"
    assert_graded_once(attempt_id, user, log)


def test_killed_worker_mid_grading_is_graded_once_by_a_new_worker(
    private_redis, send_to, workers, recruits, imported
):
    """The whole worker dies (main process and pool). Its unacknowledged message stays in Redis and goes to
    the next worker once the visibility timeout has passed; the test shortens the limits to seconds."""
    from assessments.tasks import grade_attempt

    limits = {
        "CELERY_TASK_SOFT_TIME_LIMIT": "3",
        "CELERY_TASK_TIME_LIMIT": "4",
        "GRADING_RETRY_BACKOFF_MAX_SECONDS": "1",
        "CELERY_VISIBILITY_TIMEOUT": "10",
    }
    redis = private_redis(appendonly=False)
    send_to(redis.url)
    [user] = recruits(1)
    [attempt_id] = submitted_attempts(module=imported, users=[user], per_user=1)
    first = workers(redis.url, grading_delay_s=2, **limits)

    grade_attempt.delay(attempt_id)
    wait_until(lambda: tries(attempt_id) == 1, 20, "grading started")
    delivered = time.monotonic()
    time.sleep(0.3)
    first.stop(signal.SIGKILL)  # the whole process group: main process and pool

    assert Attempt.objects.get(pk=attempt_id).status == AttemptStatus.SUBMITTED, "nothing was committed"
    assert redis.client().hlen("unacked") == 1, "Redis still holds the unacknowledged message"
    time.sleep(max(0.0, delivered + 10.5 - time.monotonic()))  # past the visibility timeout
    second = workers(redis.url, **limits)

    wait_until(lambda: f"attempt {attempt_id} graded:" in second.log.read_text(), 30, "graded")
    assert_graded_once(attempt_id, user, first.log.read_text(), second.log.read_text())
