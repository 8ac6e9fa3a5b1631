"""Fault 2: Redis restarts while 1,000 submissions are queued, and all 1,000 are graded.

Two ways, both in production: AOF (``appendonly yes``) keeps the queued messages across a restart, so
grading simply resumes; and when the messages are gone anyway (no persistence, a crash, a lost Redis), the
sweeper finds every attempt still ``submitted`` in the database and queues it again. Each test runs its own
redis-server on a free port.
"""

from __future__ import annotations

import signal
import time

import pytest
from django.urls import reverse

from assessments.models import Attempt, AttemptStatus
from courses.models import ModuleProgress
from tests.faults.conftest import (
    beat_command,
    free_port,
    grading_counts,
    submitted_attempts,
    wait_until,
    wait_while_progressing,
)

pytestmark = [pytest.mark.services, pytest.mark.worker, pytest.mark.slow]

# 1,000 tiny attempts (one question each); 20 per recruit keeps each progress update small. The workers take
# only the grading queue: the certificate checks each grade queues on ``notifications`` wait there.
USERS, PER_USER = 50, 20


def queue_all(ids: list[int]) -> None:
    from assessments.tasks import grade_attempt

    for attempt_id in ids:
        grade_attempt.delay(attempt_id)


def assert_each_graded_once(ids: list[int], users: list) -> None:
    assert grading_counts(ids) == {AttemptStatus.GRADED: len(ids)}
    assert Attempt.objects.filter(pk__in=ids, percent=100).count() == len(ids)
    progress = ModuleProgress.objects.filter(user__in=users)
    assert sorted(p.quiz_attempts for p in progress) == [PER_USER] * len(users)


def graded_count(ids: list[int]) -> int:
    return grading_counts(ids).get(AttemptStatus.GRADED, 0)


def test_aof_keeps_1000_queued_gradings_across_a_redis_restart(
    private_redis, send_to, workers, recruits, imported
):
    redis = private_redis(appendonly=True)
    send_to(redis.url)
    users = recruits(USERS)
    ids = submitted_attempts(module=imported, users=users, per_user=PER_USER, questions=1)
    queue_all(ids)
    assert redis.queued() == 1000

    redis.restart(signal.SIGTERM)  # a clean restart: Redis writes the AOF out before it exits

    assert redis.queued() == 1000, "the queued messages survived the restart"
    started = time.monotonic()
    workers(redis.url, concurrency=2, queues="grading", DB_CONN_MAX_AGE="60")
    wait_while_progressing(lambda: graded_count(ids), 1000, "1,000 graded")
    elapsed = time.monotonic() - started
    assert_each_graded_once(ids, users)
    # No sweeper ran: beat is not started here, so every grade came from a message that survived in the AOF.
    assert not Attempt.objects.filter(pk__in=ids).exclude(grading_tries=1).exists(), "one delivery each"
    print(f"\n1000 attempts graded from the AOF in {elapsed:.1f}s (worker start included)")


def test_sweeper_regrades_everything_redis_lost(
    private_redis, send_to, workers, processes, recruits, imported, tmp_path
):
    redis = private_redis(appendonly=False)
    send_to(redis.url)
    users = recruits(USERS)
    ids = submitted_attempts(module=imported, users=users, per_user=PER_USER, questions=1)
    env = {"GRADING_STALE_AFTER_SECONDS": "2", "GRADING_SWEEP_INTERVAL_SECONDS": "1", "DB_CONN_MAX_AGE": "60"}
    worker = workers(redis.url, concurrency=2, queues="grading", **env)
    queue_all(ids)
    wait_until(lambda: grading_counts(ids).get(AttemptStatus.GRADED, 0) >= 50, 30, "grading under way")

    redis.restart(signal.SIGKILL)  # a crash with no persistence: every queued message is gone

    assert redis.queued() == 0
    lost = grading_counts(ids).get(AttemptStatus.SUBMITTED, 0)
    assert lost > 500, "most of the submissions were still queued when Redis lost them"
    beat = processes(
        beat_command(tmp_path / "beat-schedule"), tmp_path / "beat.log", REDIS_URL=redis.url, **env
    )
    wait_while_progressing(lambda: graded_count(ids), 1000, "1,000 graded after the loss")
    assert_each_graded_once(ids, users)
    assert "Sending due task sweep-attempts" in beat.log.read_text()
    assert "re-queued" in worker.log.read_text()
    print(f"\n{lost} queued gradings lost with Redis, all re-queued by the sweeper and graded")


def test_submit_while_redis_is_down_is_saved_and_graded_by_the_sweeper(
    private_redis, send_to, workers, client, recruit, imported, tmp_path
):
    from assessments.tasks import sweep_attempts
    from tests.integration.test_quiz_flow import correct_answers, start_attempt

    send_to(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    client.force_login(recruit)
    attempt = start_attempt(client, imported)
    started = time.monotonic()
    response = client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    assert response.status_code == 302, "the recruit sees 'grading…', not an error page"
    assert time.monotonic() - started < 10
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED

    redis = private_redis(appendonly=False)
    send_to(redis.url)
    workers(redis.url)
    Attempt.objects.filter(pk=attempt.pk).update(submitted_at=attempt.submitted_at.replace(year=2000))
    assert sweep_attempts() == 1
    wait_until(
        lambda: Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADED).exists(), 30, "graded"
    )
